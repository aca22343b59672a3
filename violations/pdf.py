"""Printable PDF notices (SOP.md §8, §11) with fpdf2 and the vendored CJK font
(fonts/wqy-microhei.ttc, WenQuanYi Micro Hei, Apache-2.0; licence beside it), so Chinese
renders with no font installed on the server and no network."""

import logging
from pathlib import Path

from django.utils import timezone

FONT = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "wqy"
# fontTools logs every glyph it keeps when it subsets the font.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def notice_pdf(notice) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(notice.title)
    pdf.set_creator("EstateDesk")
    pdf.add_font(FONT_NAME, fname=str(FONT), collection_font_number=0)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    pdf.set_font(FONT_NAME, size=20)
    pdf.cell(0, 14, notice.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_NAME, size=10)
    pdf.cell(0, 8, f"编号:{notice.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT_NAME, size=13)
    # Left-aligned (justifying a line that starts with an indent spreads it across the page);
    # the indent of a paragraph is two ideographic spaces, as on a typed letter.
    body = "\n".join(
        "\u3000\u3000" + line.lstrip() if line.startswith("    ") else line
        for line in notice.body.splitlines()
    )
    pdf.multi_cell(0, 9, body, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font(FONT_NAME, size=11)
    pdf.cell(0, 8, "住户签收:____________    日期:____________", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-20)
    pdf.set_font(FONT_NAME, size=8)
    pdf.cell(
        0,
        6,
        f"{notice.case.office.name} · {timezone.localtime(notice.issued_at):%Y-%m-%d}",
        align="C",
    )
    return bytes(pdf.output())
