"""The words of a PDF as a reader sees them, for tests that check what a document says.

Poppler's pdftotext (the package the page pictures come from) reads a handout in a tenth of
the time pypdf's text extraction takes. White space is collapsed: where a line wraps
depends on the layout, not on what the document says. Tests about how text is drawn (its
size, its fonts) still read the PDF with pypdf.
"""

from __future__ import annotations

import subprocess

PAGE_BREAK = "\f"  # pdftotext ends every page with a form feed


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, white space collapsed."""
    result = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "fd://0", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = result.stdout.decode().split(PAGE_BREAK)[:-1]
    return [" ".join(page.split()) for page in pages]


def pdf_text(pdf: bytes) -> str:
    """The whole document's text, white space collapsed."""
    return " ".join(page_texts(pdf))
