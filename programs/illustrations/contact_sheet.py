"""Contact sheet of every illustration (start | end) for reviewing the pictures by eye.

    python -m programs.illustrations.contact_sheet sheet.pdf   # or sheet.html

Writes only the path given on the command line.  PDF output needs WeasyPrint.
"""

from __future__ import annotations

import sys
from html import escape

from . import ILLUSTRATED_SLUGS, render_svg


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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: contact_sheet OUTPUT.pdf|OUTPUT.html", file=sys.stderr)
        return 2
    path = args[0]
    html = build_html()
    if path.endswith(".html"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(html)
    else:
        from weasyprint import HTML  # imported lazily: only the PDF path needs it

        HTML(string=html).write_pdf(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
