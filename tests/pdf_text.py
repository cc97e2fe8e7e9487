"""The words of a PDF as a reader sees them, for tests that check what a document says.

Poppler's pdftotext (the package the page pictures come from) reads a handout in a tenth of
the time pypdf's text extraction takes. White space is collapsed: where a line wraps
depends on the layout, not on what the document says. Tests about where text is printed
read page_words; tests about how text is drawn (its size, its fonts) still read the PDF
with pypdf.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Word:
    """A word and its box, in points from the page's top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]


BOX = re.compile(
    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>'
)


def page_words(pdf: bytes) -> list[Page]:
    """Each page's words with where they are printed, for tests about layout (what
    stays on the sheet, what sits beside what)."""
    result = subprocess.run(
        ["/usr/bin/pdftotext", "-bbox", "-enc", "UTF-8", "fd://0", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = []
    for page in result.stdout.decode().split("<page ")[1:]:
        size = re.match(r'width="([\d.]+)" height="([\d.]+)"', page)
        words = [
            Word(html.unescape(text), float(left), float(top), float(right), float(bottom))
            for left, top, right, bottom, text in BOX.findall(page)
        ]
        pages.append(Page(float(size.group(1)), float(size.group(2)), words))
    return pages
