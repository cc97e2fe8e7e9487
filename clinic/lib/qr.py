"""QR codes as small 1-bit PNGs, for printed handouts and sign-in sheets.

A PNG rather than an SVG path: as a path the code has thousands of segments, which
WeasyPrint draws one by one; a small bitmap is placed in a fraction of the time.
"""

from __future__ import annotations

import base64
import io


def qr_png(text: str) -> bytes:
    # Imported here, by the few pages and handouts that show a code: the QR library and
    # Pillow under it are then not in every web worker's memory.
    import qrcode
    import qrcode.constants

    code = qrcode.QRCode(border=2, box_size=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def qr_data_uri(text: str) -> str:
    """For a web page: an <img src> the Content-Security-Policy allows (img-src data:)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode()
