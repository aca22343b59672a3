"""Excel lists of the violations area (SOP.md §11: staff print and file them, managers and
finance read them in Excel), in the reception registers' printable layout
(reception.exports.build_workbook)."""

from django.utils import timezone

from reception.exports import Column, build_workbook, staff_name

MAX_ROWS = 5_000

CASE_REGISTER_TITLE = "住户违章事件记录表"
CASE_REGISTER_COLUMNS = (
    Column("序号", 6),
    Column("编号", 16),
    Column("发现时间", 17),
    Column("房号", 16),
    Column("违章类别", 16),
    Column("违章现象", 22),
    Column("地点", 16),
    Column("违章情况", 30),
    Column("报告人", 10),
    Column("性质", 8),
    Column("已采取措施", 30),
    Column("处理结果", 12),
    Column("结案时间", 17),
)


def case_register_workbook(cases) -> bytes:
    rows = []
    for number, case in enumerate(cases, start=1):
        measures = list(reversed(getattr(case, "measures_newest_first", None) or []))
        rows.append(
            [
                number,
                case.number,
                case.occurred_at,
                case.household.unit.label,
                case.get_kind_display(),
                case.get_sub_kind_display(),
                case.place,
                case.description,
                case.reported_by,
                case.get_severity_display(),
                "→".join(str(m.get_kind_display()) for m in measures),
                case.get_outcome_display() if case.outcome else case.get_status_display(),
                case.closed_at,
            ]
        )
    subtitle = f"导出时间:{timezone.localtime():%Y-%m-%d %H:%M}"
    return build_workbook(
        title=CASE_REGISTER_TITLE, subtitle=subtitle, columns=CASE_REGISTER_COLUMNS, rows=rows
    )


SLIP_REGISTER_TITLE = "协调单登记表"
SLIP_REGISTER_COLUMNS = (
    Column("序号", 6),
    Column("协调单编号", 14),
    Column("发出时间", 17),
    Column("房号", 16),
    Column("协调部门/对象", 16),
    Column("协调事项", 36),
    Column("发出人", 10),
    Column("违章事件", 16),
)


def slip_register_workbook(slips) -> bytes:
    rows = [
        [
            number,
            slip.number,
            slip.issued_at,
            slip.case.household.unit.label,
            slip.addressed_to,
            slip.content,
            staff_name(slip.issued_by),
            slip.case.number,
        ]
        for number, slip in enumerate(slips, start=1)
    ]
    subtitle = f"导出时间:{timezone.localtime():%Y-%m-%d %H:%M}"
    return build_workbook(
        title=SLIP_REGISTER_TITLE, subtitle=subtitle, columns=SLIP_REGISTER_COLUMNS, rows=rows
    )


CHARGES_TITLE = "违章费用扣款清单"
CHARGES_COLUMNS = (
    Column("序号", 6),
    Column("违章事件", 16),
    Column("房号", 18),
    Column("费用", 12),
    Column("金额(元)", 12),
    Column("决定时间", 17),
    Column("签署人", 10),
    Column("理由", 36),
)


def charges_workbook(*, office, month, measures) -> bytes:
    rows = [
        [
            number,
            m.case.number,
            m.case.household.unit.label,
            m.get_kind_display(),
            float(m.amount),
            m.decided_at,
            staff_name(m.decided_by),
            m.reason,
        ]
        for number, m in enumerate(measures, start=1)
    ]
    total = sum(m.amount for m in measures)
    rows.append(["", "", "", "合计", float(total), "", "", ""])
    subtitle = f"{office.name} {month:%Y年%m月} · 原件报财务部统一扣款,客服中心留存副本"
    return build_workbook(
        title=CHARGES_TITLE, subtitle=subtitle, columns=CHARGES_COLUMNS, rows=rows
    )


ARCHIVE_TITLE = "住户违章事件归档清单"
ARCHIVE_COLUMNS = (
    *CASE_REGISTER_COLUMNS,
    Column("保存期满", 12),
)


def archive_workbook(cases_with_end) -> bytes:
    rows = []
    for number, (case, ends) in enumerate(cases_with_end, start=1):
        measures = list(case.measures.all())
        rows.append(
            [
                number,
                case.number,
                case.occurred_at,
                case.household.unit.label,
                case.get_kind_display(),
                case.get_sub_kind_display(),
                case.place,
                case.description,
                case.reported_by,
                case.get_severity_display(),
                "→".join(
                    f"{m.get_kind_display()}({staff_name(m.decided_by)} "
                    f"{timezone.localtime(m.decided_at):%Y-%m-%d}:{m.reason};{m.outcome})"
                    for m in measures
                ),
                case.get_outcome_display(),
                case.closed_at,
                ends.isoformat(),
            ]
        )
    subtitle = f"归档时间:{timezone.localtime():%Y-%m-%d %H:%M}"
    return build_workbook(
        title=ARCHIVE_TITLE, subtitle=subtitle, columns=ARCHIVE_COLUMNS, rows=rows
    )
