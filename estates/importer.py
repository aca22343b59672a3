"""Importing buildings, rooms, households and residents from a spreadsheet (issue #2).

An office starts from the list it already keeps in Excel. The file follows the template that
`build_import_template()` produces (docs/import.md): one row per resident; a row without 姓名
registers only the room.

All or nothing: every row is read and checked first, every problem is collected with its row
number as Excel shows it (the header is row 1), and if there is any problem nothing is
written. Otherwise everything is written in one transaction through the ordinary services
(estates.services), so the same authority checks and audit events apply as at the counter,
plus one IMPORT_APPLIED event for the file.

Decisions (documented in docs/import.md):
- An existing room (same 小区, 楼栋, 单元, 房号 in the office) is reused and its household gets
  the new residents. The import never changes an existing room: a different 楼层 or 建筑面积 is
  an error. Its 使用状态 may change only from 空置 (a room registered earlier without people);
  any other difference is an error.
- A resident already registered in that household (same 姓名 and 电话, not moved out) is an
  error, not a silent skip: importing the same file twice is refused rather than half-applied,
  and a row whose details differ from the record is never quietly ignored.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.authz import require_office_in_scope, require_perm
from core.choices import AuditEventType
from core.exceptions import ApplicationError, PermissionDeniedError
from core.validators import normalize_phone
from estates import services
from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation
from estates.import_template import (
    DATA_SHEET_TITLE,
    EXAMPLE_ROWS,
    HEADERS,
    MAX_ROWS,
    build_import_template,
)
from estates.models import Building, Estate, Household, Resident, Unit

__all__ = ["ImportResult", "build_import_template", "import_households"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REPORTED_ERRORS = 1_000
_EXAMPLE_PEOPLE = {(row[0], row[7], row[9]) for row in EXAMPLE_ROWS}

_ID_TYPE_ALIASES = {
    "身份证": IdDocumentType.RESIDENT_ID_CARD,
    "港澳通行证": IdDocumentType.HK_MACAO_PERMIT,
    "台胞证": IdDocumentType.TAIWAN_PERMIT,
    "永居证": IdDocumentType.FOREIGN_RESIDENCE_PERMIT,
}


@dataclass(frozen=True)
class ImportResult:
    """What an applied import created (and which existing households it changed)."""

    file_name: str
    rows: int
    estates_created: int = 0
    buildings_created: int = 0
    units_created: int = 0
    households_created: int = 0
    residents_created: int = 0
    households_updated: int = 0


def import_households(*, actor, office, file_name: str, content: bytes) -> ImportResult:
    """Import the file into `office`, entirely or not at all.

    Raises ApplicationError with code "import_file_invalid" when the file cannot be read as
    the template (type, encoding, header, size), or "import_rejected" when rows have errors;
    both carry extra={"errors": [{"row", "column", "message"}, ...]}.
    """
    require_perm(actor, "estates.import_households", action=_("导入住户资料"))
    require_office_in_scope(actor, office.pk)
    file_name = PurePath(file_name or "").name[:200]
    is_excel, raw_rows = _read_file(file_name, content)

    errors = _Errors()
    rows = []
    for number, cells in raw_rows:
        row = _parse_row(number, cells, errors, is_excel=is_excel)
        if row is not None:
            rows.append(row)
    rooms = _group_rooms(rows, errors)
    plan = _check_against_database(office, rooms, errors)
    errors.raise_if_any()
    return _apply(actor=actor, office=office, file_name=file_name, rows=rows, plan=plan)


# --- Reading the file ------------------------------------------------------------------------


def _file_error(message: str, errors: list[dict] | None = None) -> ApplicationError:
    return ApplicationError(message, code="import_file_invalid", extra={"errors": errors or []})


def _read_file(file_name: str, content: bytes) -> tuple[bool, list[tuple[int, dict]]]:
    """The data rows as (row number, {header: cell value}); blank rows are skipped."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        hint = _("旧版Excel(.xls)请先另存为.xlsx。") if suffix == ".xls" else ""
        raise _file_error(
            _("只能导入Excel(.xlsx)或CSV文件,“%(name)s”不是。%(hint)s")
            % {"name": file_name or _("(无文件名)"), "hint": hint}
        )
    if not content:
        raise _file_error(_("文件是空的,请按模板填写后再导入"))
    if len(content) > MAX_FILE_BYTES:
        raise _file_error(
            _("文件超过%(mb)sMB,请拆分后分批导入") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    lines = _excel_lines(content) if suffix == ".xlsx" else _csv_lines(content)
    header = next(lines, None)
    if header is None:
        raise _file_error(_("文件中没有内容,请按模板填写后再导入"))
    positions = _check_header(header)
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = {h: values[i] if i < len(values) else None for h, i in positions.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(
                _("文件超过%(max)s行资料,请拆分后分批导入") % {"max": f"{MAX_ROWS:,}"}
            )
        rows.append((number, cells))
    if not rows:
        raise _file_error(_("文件中只有表头,没有资料行。请从第2行起每行填写一位住户成员"))
    return suffix == ".xlsx", rows


def _excel_lines(content: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    unreadable = _("无法读取该Excel文件,请确认是.xlsx格式且未损坏、未加密")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or disguised file fails in many ways inside openpyxl
        raise _file_error(unreadable) from None
    try:
        names = workbook.sheetnames
        sheet = workbook[DATA_SHEET_TITLE] if DATA_SHEET_TITLE in names else workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except Exception:
        raise _file_error(unreadable) from None
    finally:
        workbook.close()


def _csv_lines(content: bytes) -> Iterator[list[str]]:
    # Excel on a Chinese Windows saves "CSV" in GB18030 (GBK); elsewhere UTF-8, maybe with BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(_("无法识别CSV文件的编码,请另存为“CSV UTF-8(逗号分隔)”格式"))
    if "\x00" in text:
        raise _file_error(_("该文件不是CSV文本文件,请确认文件类型"))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise _file_error(_("CSV文件格式有误:%(reason)s") % {"reason": exc}) from None


def _header_name(value) -> str:
    """ "使用状态(自住/出租/空置)" and "小区*" name the same columns as "使用状态" and "小区"."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = re.sub(r"\(.*\)$", "", text).strip().rstrip("*").strip()
    return text


def _check_header(header) -> dict[str, int]:
    names = [_header_name(v) for v in header]
    while names and not names[-1]:
        names.pop()
    errors = []
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        letter = _column_letter(index)
        if not name:
            message = _("第%(col)s列没有列名") % {"col": letter}
            errors.append({"row": 1, "column": letter, "message": message})
        elif name not in HEADERS:
            message = _("无法识别的列“%(name)s”") % {"name": name}
            errors.append({"row": 1, "column": name, "message": message})
        elif name in positions:
            message = _("列“%(name)s”重复出现") % {"name": name}
            errors.append({"row": 1, "column": name, "message": message})
        else:
            positions[name] = index
    for name in HEADERS:
        if name not in positions:
            message = _("缺少列“%(name)s”") % {"name": name}
            errors.append({"row": 1, "column": name, "message": message})
    if errors:
        raise _file_error(
            _("第1行的表头与导入模板不符:%(details)s。请下载导入模板,按模板的列名填写")
            % {"details": ";".join(e["message"] for e in errors)},
            errors,
        )
    return positions


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Checking rows ---------------------------------------------------------------------------


class _Errors:
    """Every problem found, in row order: {"row", "column", "message"}."""

    def __init__(self):
        self.items: list[dict] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.items:
            raise self.as_error()

    def as_error(self) -> ApplicationError:
        items = sorted(self.items, key=lambda e: (e["row"], HEADERS.index(e["column"])))
        first = items[0]
        message = _(
            "导入文件有%(count)s处错误,未导入任何数据。第%(row)s行“%(column)s”:%(message)s"
        ) % {"count": len(items), **first}
        if len(items) > 1:
            message += _("(其余错误见错误列表)")
        return ApplicationError(
            message,
            code="import_rejected",
            extra={
                "errors": items[:MAX_REPORTED_ERRORS],
                "error_count": len(items),
                "truncated": len(items) > MAX_REPORTED_ERRORS,
            },
        )


@dataclass
class _Row:
    number: int
    estate: str
    building: str
    entrance: str
    room: str
    floor: int | None
    area: Decimal | None
    occupancy: str | None
    person: services.PersonData | None

    @property
    def room_key(self) -> tuple[str, str, str, str]:
        return (self.estate, self.building, self.entrance, self.room)


def _text(value) -> str:
    """A cell as text: Excel numbers lose their ".0", everything is trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code(value) -> str:
    """Building, entrance and room numbers: full-width digits typed by some IMEs count too."""
    return unicodedata.normalize("NFKC", _text(value)).strip().upper()


def _parse_row(number: int, cells: dict, errors: _Errors, *, is_excel: bool) -> _Row | None:
    before = len(errors.items)

    def required(column: str, value: str | None) -> str | None:
        if value == "":
            hint = _("(如使用了合并单元格,请取消合并并逐行填写)") if is_excel else ""
            errors.add(
                number, column, _("请填写%(column)s%(hint)s") % {"column": column, "hint": hint}
            )
        return value

    def code(column: str, max_length: int) -> str | None:
        value = cells[column]
        if isinstance(value, datetime.date | datetime.time):
            message = _("%(column)s被Excel当成了日期,请将此列设为文本格式后重新填写")
            errors.add(number, column, message % {"column": column})
            return None
        text = _code(value)
        if len(text) > max_length:
            message = _("%(column)s不能超过%(n)s个字符")
            errors.add(number, column, message % {"column": column, "n": max_length})
            return None
        return text

    estate = _text(cells["小区"])
    required("小区", estate)
    if len(estate) > 100:
        errors.add(number, "小区", _("小区名称不能超过100个字"))
    building = required("楼栋", code("楼栋", 20))
    entrance = code("单元", 10)
    room = required("房号", code("房号", 20))
    floor = _parse_floor(number, cells["楼层"], errors, required)
    area = _parse_area(number, cells["建筑面积"], errors)
    occupancy = _parse_choice(
        number, "使用状态", cells["使用状态"], _choice_map(OccupancyStatus), errors
    )
    if occupancy is None and not _text(cells["使用状态"]):
        required("使用状态", "")
    person = _parse_person(number, cells, errors, required)
    if len(errors.items) > before:
        return None
    return _Row(number, estate, building, entrance, room, floor, area, occupancy, person)


def _parse_floor(number, value, errors, required) -> int | None:
    text = unicodedata.normalize("NFKC", _text(value))
    if not required("楼层", text):
        return None
    if not re.fullmatch(r"-?\d+", text) or not -20 <= int(text) <= 200:
        errors.add(
            number, "楼层", _("楼层应为-20至200之间的整数,“%(value)s”不是") % {"value": text}
        )
        return None
    return int(text)


def _parse_area(number, value, errors) -> Decimal | None:
    if isinstance(value, float):
        value = round(value, 6)  # a formula's 98.50000000001 is 98.5
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\s*(㎡|m2|m²|平方米|平米)$", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    try:
        area = Decimal(text)
    except InvalidOperation:
        area = None
    if area is None or not area.is_finite():
        errors.add(
            number, "建筑面积", _("建筑面积应为数字,如98.50,“%(value)s”不是") % {"value": text}
        )
        return None
    if area < 0 or area >= 1_000_000:
        errors.add(number, "建筑面积", _("建筑面积应在0至999999.99之间"))
        return None
    if area.as_tuple().exponent < -2 and area != area.quantize(Decimal("0.01")):
        errors.add(number, "建筑面积", _("建筑面积最多保留两位小数"))
        return None
    return area.quantize(Decimal("0.01"))


def _choice_map(choices, aliases=None) -> dict[str, str]:
    mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value.lower(): value for value in choices.values})
    mapping.update(aliases or {})
    return mapping


def _parse_choice(number, column, value, mapping, errors) -> str | None:
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    if not text:
        return None
    found = mapping.get(text) or mapping.get(text.lower())
    if found is None:
        labels = [k for k in mapping if not k.isascii()]
        errors.add(
            number,
            column,
            _("“%(value)s”不是有效的%(column)s,应为:%(labels)s")
            % {"value": text, "column": column, "labels": "、".join(labels)},
        )
    return found


def _parse_date(number, value, errors) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+0{1,2}:00(?::00)?)?", text)
    try:
        if match is None:
            raise ValueError
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        errors.add(
            number,
            "入住日期",
            _("入住日期“%(value)s”无效,请写成2020-05-01或2020/05/01") % {"value": text},
        )
        return None


# validate_person's field names → the template's columns
_PERSON_COLUMNS = {
    "name": "姓名",
    "relation": "身份",
    "phone": "电话",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "moved_in_on": "入住日期",
}


def _parse_person(number, cells, errors, required) -> services.PersonData | None:
    name = _text(cells["姓名"])
    before = len(errors.items)
    relation = _parse_choice(number, "身份", cells["身份"], _choice_map(ResidentRelation), errors)
    id_type = _parse_choice(
        number, "证件类型", cells["证件类型"], _choice_map(IdDocumentType, _ID_TYPE_ALIASES), errors
    )
    moved_in_on = _parse_date(number, cells["入住日期"], errors)
    phone = unicodedata.normalize("NFKC", _text(cells["电话"]))
    id_number = unicodedata.normalize("NFKC", _text(cells["证件号码"]))
    if not name:
        person_cells = ("身份", "电话", "证件号码", "入住日期")
        if any(not _is_blank(cells[c]) for c in person_cells):
            errors.add(number, "姓名", _("填写了住户成员信息,但没有填写姓名"))
        return None
    if relation is None and not _text(cells["身份"]):
        required("身份", "")
    bad_columns = {e["column"] for e in errors.items[before:]}
    person = services.PersonData(
        name=name,
        relation=relation or ResidentRelation.OWNER,
        phone=phone,
        id_type=id_type or IdDocumentType.RESIDENT_ID_CARD,
        id_number=id_number,
        moved_in_on=moved_in_on,
    )
    for field_name, messages in services.validate_person(person).items():
        column = _PERSON_COLUMNS.get(field_name, "姓名")
        if column in bad_columns:
            continue
        message = messages[0]
        if column == "证件号码" and isinstance(cells["证件号码"], int | float):
            message += _("(证件号码请以文本格式填写,数字格式会丢失末几位)")
        errors.add(number, column, message)
    if (_text(cells["小区"]), name, _phone_key(phone)) in _EXAMPLE_PEOPLE:
        errors.add(number, "姓名", _("这是导入模板中的示例行,请删除后再导入"))
    return person


def _phone_key(phone: str) -> str:
    if not phone.strip():
        return ""
    try:
        return normalize_phone(phone)
    except ValidationError:
        return phone.strip()


@dataclass
class _Room:
    """One room as the file describes it, from the rows that name it."""

    first_row: _Row
    area: Decimal | None
    people: list[_Row] = field(default_factory=list)
    # Filled from the database check:
    building: Building | None = None
    household: Household | None = None
    update_occupancy: bool = False


def _group_rooms(rows: list[_Row], errors: _Errors) -> dict[tuple, _Room]:
    """Rows of the same room must agree on the room; the same person may not appear twice."""
    rooms: dict[tuple, _Room] = {}
    seen_people: dict[tuple, int] = {}
    seen_ids: dict[tuple, int] = {}
    for row in rows:
        room = rooms.get(row.room_key)
        if room is None:
            room = rooms[row.room_key] = _Room(first_row=row, area=row.area)
        else:
            first = room.first_row
            where = {"row": first.number}
            if row.floor != first.floor:
                errors.add(
                    row.number,
                    "楼层",
                    _("同一房屋在第%(row)s行填写为%(value)s层,此处不一致")
                    % {**where, "value": first.floor},
                )
            if row.occupancy != first.occupancy:
                errors.add(
                    row.number,
                    "使用状态",
                    _("同一房屋在第%(row)s行填写为“%(value)s”,此处不一致,请统一")
                    % {**where, "value": OccupancyStatus(first.occupancy).label},
                )
            if row.area is not None:
                if room.area is None:
                    room.area = row.area
                elif row.area != room.area:
                    errors.add(
                        row.number,
                        "建筑面积",
                        _("同一房屋的建筑面积前面已填写为%(value)s,此处不一致")
                        % {"value": room.area},
                    )
        person = row.person
        if person is None:
            continue
        key = (row.room_key, person.name, _phone_key(person.phone))
        if key in seen_people:
            errors.add(
                row.number,
                "姓名",
                _("与第%(row)s行重复:同一房屋中姓名和电话都相同") % {"row": seen_people[key]},
            )
            continue
        seen_people[key] = row.number
        if person.id_number:
            id_key = (row.room_key, person.id_type, person.id_number.upper())
            if id_key in seen_ids:
                errors.add(
                    row.number,
                    "证件号码",
                    _("与第%(row)s行的证件号码重复") % {"row": seen_ids[id_key]},
                )
                continue
            seen_ids[id_key] = row.number
        room.people.append(row)
    return rooms


@dataclass
class _Plan:
    rooms: dict[tuple, _Room]
    estates: dict[str, Estate | None]  # None: to be created
    buildings: dict[tuple[str, str], Building | None]


def _check_against_database(office, rooms: dict[tuple, _Room], errors: _Errors) -> _Plan:
    """Find what exists already; an existing room must match the file (see module doc)."""
    names = {key[0] for key in rooms}
    estates = {e.name: e for e in Estate.objects.filter(office=office, name__in=names)}
    buildings = {
        (b.estate.name, b.number.upper()): b
        for b in Building.objects.filter(estate__in=estates.values()).select_related("estate")
    }
    households = {
        (h.unit.building_id, h.unit.entrance.upper(), h.unit.room_number.upper()): h
        for h in Household.objects.filter(unit__building__in=buildings.values()).select_related(
            "unit"
        )
    }
    units_without_household = {
        (building_id, entrance.upper(), room.upper())
        for building_id, entrance, room in Unit.objects.filter(
            building__in=buildings.values(), household__isnull=True
        ).values_list("building_id", "entrance", "room_number")
    }
    registered = {
        (r["household_id"], r["name"], r["phone"])
        for r in Resident.objects.filter(
            household__unit__building__in=buildings.values(), moved_out_on__isnull=True
        ).values("household_id", "name", "phone")
    }

    plan = _Plan(
        rooms=rooms,
        estates={name: estates.get(name) for name in names},
        buildings={key[:2]: buildings.get(key[:2]) for key in rooms},
    )
    for key, room in rooms.items():
        building = buildings.get(key[:2])
        room.building = building
        if building is None:
            continue
        unit_key = (building.pk, key[2], key[3])
        if unit_key in units_without_household:
            errors.add(
                room.first_row.number,
                "房号",
                _("系统中该房屋没有住户档案,无法导入,请联系系统管理员"),
            )
            continue
        household = households.get(unit_key)
        if household is None:
            continue
        room.household = household
        _check_existing_room(room, household, errors)
        for row in room.people:
            person = row.person
            if (household.pk, person.name.strip(), _phone_key(person.phone)) in registered:
                errors.add(
                    row.number,
                    "姓名",
                    _(
                        "%(unit)s已登记了同名同电话的住户成员“%(name)s”。"
                        "导入不会重复登记或修改已有成员,请删除此行"
                    )
                    % {"unit": household.unit.label, "name": person.name},
                )
    return plan


def _check_existing_room(room: _Room, household: Household, errors: _Errors) -> None:
    unit = household.unit
    row = room.first_row
    label = unit.label
    if unit.floor != row.floor:
        errors.add(
            row.number,
            "楼层",
            _("系统中%(unit)s为%(value)s层,与此处不一致;导入不修改已有房屋")
            % {"unit": label, "value": unit.floor},
        )
    if room.area is not None and unit.area != room.area:
        value = unit.area if unit.area is not None else _("未登记")
        errors.add(
            row.number,
            "建筑面积",
            _("系统中%(unit)s的建筑面积为%(value)s,与此处不一致;导入不修改已有房屋,请留空")
            % {"unit": label, "value": value},
        )
    if household.occupancy != row.occupancy:
        if household.occupancy == OccupancyStatus.VACANT:
            room.update_occupancy = True
        else:
            errors.add(
                row.number,
                "使用状态",
                _("系统中%(unit)s为“%(value)s”,与此处不一致;导入只能修改空置房屋的使用状态")
                % {"unit": label, "value": household.get_occupancy_display()},
            )


# --- Applying --------------------------------------------------------------------------------


def _apply(*, actor, office, file_name: str, rows: list[_Row], plan: _Plan) -> ImportResult:
    counts = dict.fromkeys(
        (
            "estates_created",
            "buildings_created",
            "units_created",
            "households_created",
            "residents_created",
            "households_updated",
        ),
        0,
    )
    first_row_of = {}
    for row in rows:
        first_row_of.setdefault(row.estate, row.number)
        first_row_of.setdefault((row.estate, row.building), row.number)

    with transaction.atomic():
        for name, estate in plan.estates.items():
            if estate is None:
                with _at_row(first_row_of[name], "小区"):
                    plan.estates[name] = services.estate_create(
                        actor=actor, office=office, name=name
                    )
                counts["estates_created"] += 1
        for (estate_name, number), building in plan.buildings.items():
            if building is None:
                with _at_row(first_row_of[(estate_name, number)], "楼栋"):
                    plan.buildings[(estate_name, number)] = services.building_create(
                        actor=actor, estate=plan.estates[estate_name], number=number
                    )
                counts["buildings_created"] += 1
        for key, room in plan.rooms.items():
            row = room.first_row
            with _at_row(row.number, "房号"):
                if room.household is None:
                    room.household = services.unit_create_with_household(
                        actor=actor,
                        building=plan.buildings[key[:2]],
                        entrance=row.entrance,
                        floor=row.floor,
                        room_number=row.room,
                        area=room.area,
                        occupancy=row.occupancy,
                    )
                    counts["units_created"] += 1
                    counts["households_created"] += 1
                elif room.update_occupancy:
                    services.household_update(
                        actor=actor, household=room.household, occupancy=row.occupancy
                    )
                    counts["households_updated"] += 1
            for person_row in room.people:
                with _at_row(person_row.number, "姓名"):
                    services.resident_add(
                        actor=actor, household=room.household, person=person_row.person
                    )
                counts["residents_created"] += 1
        result = ImportResult(file_name=file_name, rows=len(rows), **counts)
        audit_record(
            type=AuditEventType.IMPORT_APPLIED,
            actor=actor,
            obj=office,
            office=office,
            data={"file_name": file_name, "rows": len(rows), **counts},
        )
    return result


@contextmanager
def _at_row(row: int, column: str):
    """A service refusing a row mid-apply rolls everything back and names the row. Refusals
    of authority (403) and scope (404) pass through unchanged."""
    try:
        yield
    except ApplicationError as exc:
        if isinstance(exc, PermissionDeniedError) or exc.status_code != 400:
            raise
        errors = _Errors()
        errors.add(row, column, exc.message)
        raise errors.as_error() from exc
