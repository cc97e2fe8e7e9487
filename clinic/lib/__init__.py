"""Generic building blocks that know nothing of clinics, patients or programs: PDF
rendering (`pdf`, the only WeasyPrint caller), server-drawn SVG charts (`charts`), upload
sanitising (`images`) and QR codes (`qr`)."""
