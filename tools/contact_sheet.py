"""Contact sheet of every illustration (start | end) for reviewing the pictures by eye.

    python -m tools.contact_sheet sheet.pdf   # or sheet.html, sheet.png
    python -m tools.contact_sheet sheet.png cat-cow plank   # some only

Writes only the path given on the command line.  PDF output needs WeasyPrint; PNG output
uses CairoSVG and Pillow (as the print pictures do), one PNG per ten exercises
(sheet-1.png, sheet-2.png, ...) so each stays small enough to look at closely.
"""

from __future__ import annotations

import io
import sys
from html import escape

from programs.illustrations import ILLUSTRATED_SLUGS, render_svg

PNG_CELL = 300  # pixels per picture: big enough to judge a hand or a knee angle
PNG_ROWS = 5  # exercises per sheet row pair: two exercises per row, start | end each


def build_html(slugs: list[str] | None = None) -> str:
    cells = []
    for slug in slugs or sorted(ILLUSTRATED_SLUGS):
        for phase in ("start", "end"):
            svg = render_svg(slug, phase, title=f"{slug} {phase}")
            cells.append(f"<td>{svg}<div>{escape(slug)} - {phase}</div></td>")
    # Four pictures per row: two exercises, start and end side by side.
    rows = "".join(f"<tr>{''.join(cells[i : i + 4])}</tr>" for i in range(0, len(cells), 4))
    style = (
        "@page{size:A4;margin:8mm}body{font-family:sans-serif;font-size:8pt}"
        "table{border-collapse:collapse}td{padding:1mm;text-align:center}"
        "tr{break-inside:avoid}svg{width:45mm;height:33.75mm;border:0.2mm solid #e2e8f0}"
    )
    head = f"<!doctype html><html><head><style>{style}</style></head>"
    return f"{head}<body><table>{rows}</table></body></html>"


def build_pngs(slugs: list[str] | None = None) -> list[bytes]:
    """The sheet as PNG pages: two exercises per row (start, end, start, end), each picture
    captioned with its slug and phase inside the drawing."""
    import cairosvg  # imported lazily: only the PNG path needs them
    import PIL.Image

    slugs = slugs or sorted(ILLUSTRATED_SLUGS)
    per_page = 2 * PNG_ROWS
    pages = []
    for first in range(0, len(slugs), per_page):
        chunk = slugs[first : first + per_page]
        tiles = []
        for slug in chunk:
            for phase in ("start", "end"):
                svg = render_svg(slug, phase, caption=f"{slug} {phase}")
                png = cairosvg.svg2png(
                    bytestring=svg.encode(), output_width=PNG_CELL, background_color="white"
                )
                tiles.append(PIL.Image.open(io.BytesIO(png)).convert("RGB"))
        height = max(t.height for t in tiles)
        rows = (len(tiles) + 3) // 4
        sheet = PIL.Image.new("RGB", (4 * (PNG_CELL + 4), rows * (height + 4)), "#94a3b8")
        for i, tile in enumerate(tiles):
            sheet.paste(tile, ((i % 4) * (PNG_CELL + 4), (i // 4) * (height + 4)))
        out = io.BytesIO()
        sheet.save(out, format="PNG", optimize=True)
        pages.append(out.getvalue())
    return pages


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: contact_sheet OUTPUT.pdf|OUTPUT.html|OUTPUT.png [SLUG ...]", file=sys.stderr)
        return 2
    path, slugs = args[0], args[1:] or None
    if path.endswith(".png"):
        for number, page in enumerate(build_pngs(slugs), start=1):
            with open(f"{path[:-4]}-{number}.png", "wb") as fh:
                fh.write(page)
        return 0
    html = build_html(slugs)
    if path.endswith(".html"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(html)
    else:
        from weasyprint import HTML  # imported lazily: only the PDF path needs it

        HTML(string=html).write_pdf(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
