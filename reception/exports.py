"""Printable Excel registers (SOP.md §11: staff print and file them, managers read them in Excel):
a title row with the office and period, Chinese column headers, fixed widths, landscape A4
fitted to the page width with the header repeated on every printed page.

Exports are bounded: at most MAX_EXPORT_ROWS rows (a month of the bench's busiest office is
10,410 requests; docs/performance.md gives the time), read in one query plus one prefetch; a
wider period is refused with a message asking for a shorter one, so no request outlives the
console's 60 s limit.
"""

import functools
import io
from copy import copy
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from service_requests.choices import Category, ConfirmationChannel, Satisfaction

MAX_EXPORT_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    header: str  # the file format: always these Chinese words, whatever the UI language
    width: int


def _fmt(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def _cell_value(value):
    return value if isinstance(value, int | float) else _fmt(value)


def build_workbook(*, title: str, subtitle: str, columns: tuple[Column, ...], rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    last = get_column_letter(len(columns))
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([subtitle])
    sheet.merge_cells(f"A2:{last}2")
    sheet.append([c.header for c in columns])
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="DCE6F1")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # Row numbers are counted here and every data cell gets the style of the first one:
    # `sheet.max_row` scans every cell and assigning a Border hashes it, which made a month's
    # register (3,700 rows × 16 columns) take 12–16 s (docs/performance.md).
    style = None
    for row_number, row in enumerate(rows, start=4):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number, value=_cell_value(value))
            if style is None:
                cell.border = border
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                style = cell._style  # openpyxl's own idiom (copy_worksheet) for one style
            else:
                cell._style = copy(style)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "1:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = _("第 &P 页,共 &N 页")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def period_text(date_from, date_to) -> str:
    return _("期间:%(start)s 至 %(end)s") % {
        "start": date_from.isoformat() if date_from else _("不限"),
        "end": date_to.isoformat() if date_to else _("不限"),
    }


def staff_name(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else (user.get_full_name() or user.username)


# --- 住户求助登记表 / 报事报修登记表 -----------------------------------------------------------

HELP_REGISTER_TITLE = "住户求助登记表"
HELP_REGISTER_COLUMNS = (
    Column("序号", 6),
    Column("受理时间", 17),
    Column("房号", 14),
    Column("住户/联系人", 12),
    Column("电话", 14),
    Column("类别", 10),
    Column("求助内容", 36),
    Column("受理人", 9),
    Column("派往部门", 12),
    Column("处理人", 9),
    Column("处理结果", 30),
    Column("完成时间", 17),
    Column("住户确认", 17),
    Column("回访/满意度", 17),
    Column("是否及时", 8),
    Column("备注", 20),
)


@functools.cache
def _labels(choices, language: str) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _display(choices, value: str) -> str:
    """What `get_<field>_display()` says, without hashing every choice for every row."""
    return _labels(choices, get_language()).get(value, value)


def on_time_text(value: bool | None) -> str:
    return {True: "是", False: "否", None: "未完成"}[value]


def help_register_row(number: int, request, on_time: bool | None) -> list:
    household = request.household
    confirmed = ""
    if request.confirmed_at:
        channel = _display(ConfirmationChannel, request.confirmation_channel)
        confirmed = f"{_fmt(request.confirmed_at)} {channel}"
    visited = ""
    if request.visited_at:
        satisfaction = _display(Satisfaction, request.satisfaction)
        visited = f"{_fmt(request.visited_at)} {satisfaction}".strip()
    remarks = []
    if request.is_special:
        remarks.append(_("特别求助") + (_("(重大)") if request.is_major else ""))
    if request.is_paid_service:
        remarks.append(_("有偿服务"))
    if request.referred_to_id:
        remarks.append(_("已转介%(party)s") % {"party": request.referred_to.name})
    if request.cancel_reason:
        remarks.append(_("已撤销:%(reason)s") % {"reason": request.cancel_reason})
    return [
        number,
        request.received_at,
        household.unit.label if household else request.location,
        request.contact_name,
        request.contact_phone,
        _display(Category, request.category),
        request.description,
        staff_name(request.entered_by),
        request.assigned_department.name if request.assigned_department_id else "",
        staff_name(request.assignee),
        request.result,
        request.resolved_at,
        confirmed,
        visited,
        on_time_text(on_time),
        ";".join(str(r) for r in remarks),
    ]


# --- 失物招领登记表 ------------------------------------------------------------------------------

LOST_ITEM_TITLE = "失物招领登记表"
LOST_ITEM_COLUMNS = (
    Column("序号", 6),
    Column("编号", 16),
    Column("拾获时间", 17),
    Column("拾获地点", 18),
    Column("拾获人", 10),
    Column("物品描述", 30),
    Column("存放地点", 14),
    Column("认领人", 10),
    Column("已核对证件", 10),
    Column("认领人电话", 14),
    Column("认领时间", 17),
    Column("经办人", 10),
    Column("备注", 18),
)


def lost_item_row(number: int, item) -> list:
    return [
        number,
        item.number,
        item.found_at,
        item.found_place,
        item.found_by,
        item.description,
        item.storage_place,
        item.claimant_name,
        "是" if item.claimant_id_checked else ("否" if item.claimed_at else ""),
        item.claimant_phone,
        item.claimed_at,
        staff_name(item.handled_by),
        item.notes,
    ]
