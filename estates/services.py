"""Writes of places and people. Each service checks authority and scope, validates, writes and
records its audit event in one transaction (docs/architecture.md)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.authz import require_office_in_scope, require_perm
from core.choices import AuditEventType
from core.exceptions import ApplicationError, validation_error_to_application_error
from core.validators import (
    normalize_other_id_document,
    normalize_phone,
    normalize_resident_id_card,
)
from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation
from estates.models import Building, Estate, Household, MoveIn, Resident, Unit


def normalize_id_document(id_type: str, id_number: str) -> str:
    """Validate an ID number for its document type; raise ValidationError with the reason."""
    if id_type not in IdDocumentType.values:
        raise ValidationError(_("证件类型无效"), code="id_type_invalid")
    if id_type == IdDocumentType.RESIDENT_ID_CARD:
        return normalize_resident_id_card(id_number)
    return normalize_other_id_document(id_number)


def _full_clean(instance, *, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_error_to_application_error(exc) from None


# --- Master data ------------------------------------------------------------------------------


@transaction.atomic
def estate_create(*, actor, office, name: str, address: str = "") -> Estate:
    require_perm(actor, "estates.add_estate", action=_("新建小区"))
    require_office_in_scope(actor, office.pk)
    estate = Estate(office=office, name=name.strip(), address=address.strip())
    _full_clean(estate)
    estate.save()
    audit_record(
        type=AuditEventType.MASTER_DATA_CHANGED,
        actor=actor,
        obj=estate,
        office=office,
        data={"created": "estate", "name": estate.name},
    )
    return estate


@transaction.atomic
def building_create(
    *, actor, estate: Estate, number: str, name: str = "", floors: int | None = None
) -> Building:
    require_perm(actor, "estates.add_building", action=_("新建楼栋"))
    require_office_in_scope(actor, estate.office_id)
    building = Building(
        estate=estate, number=number.strip().upper(), name=name.strip(), floors=floors
    )
    _full_clean(building)
    building.save()
    audit_record(
        type=AuditEventType.MASTER_DATA_CHANGED,
        actor=actor,
        obj=building,
        office=estate.office,
        data={"created": "building", "number": building.number},
    )
    return building


@transaction.atomic
def unit_create_with_household(
    *,
    actor,
    building: Building,
    entrance: str,
    floor: int,
    room_number: str,
    area: Decimal | None = None,
    occupancy: str = OccupancyStatus.VACANT,
) -> Household:
    """A new room and its (initially empty) household record."""
    require_perm(actor, "estates.add_household", action=_("新建房屋档案"))
    require_office_in_scope(actor, building.estate.office_id)
    unit = Unit(
        building=building,
        entrance=entrance.strip().upper(),
        floor=floor,
        room_number=room_number.strip().upper(),
        area=area,
    )
    _full_clean(unit)
    unit.save()
    office = building.estate.office
    household = Household(unit=unit, office=office, occupancy=occupancy)
    _full_clean(household, exclude=["unit", "office"])
    household.save()
    audit_record(
        type=AuditEventType.HOUSEHOLD_CREATED,
        actor=actor,
        obj=household,
        office=household.office,
        data={"unit": unit.label, "occupancy": occupancy},
    )
    return household


@transaction.atomic
def household_update(
    *, actor, household: Household, occupancy: str | None = None, notes: str | None = None
) -> Household:
    require_perm(actor, "estates.change_household", action=_("修改住户档案"))
    require_office_in_scope(actor, household.office_id)
    before = {"occupancy": household.occupancy, "notes": household.notes}
    if occupancy is not None:
        household.occupancy = occupancy
    if notes is not None:
        household.notes = notes
    _full_clean(household, exclude=["unit", "office"])
    household.save(update_fields=["occupancy", "notes"])
    after = {"occupancy": household.occupancy, "notes": household.notes}
    audit_record(
        type=AuditEventType.HOUSEHOLD_CHANGED,
        actor=actor,
        obj=household,
        office=household.office,
        data={"before": before, "after": after},
    )
    return household


# --- Residents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    """A person as entered at the counter, before validation."""

    name: str
    relation: str
    phone: str = ""
    id_type: str = IdDocumentType.RESIDENT_ID_CARD
    id_number: str = ""
    moved_in_on: datetime.date | None = None


def validate_person(person: PersonData) -> dict[str, list[str]]:
    """Return field errors for a person ({} when valid). Used by services and the importer."""
    errors: dict[str, list[str]] = {}
    if not person.name.strip():
        errors["name"] = [_("请填写姓名")]
    elif len(person.name.strip()) > 50:
        errors["name"] = [_("姓名不能超过50个字")]
    if person.relation not in ResidentRelation.values:
        errors["relation"] = [_("身份须为业主、租户或家庭成员")]
    if person.phone.strip():
        try:
            normalize_phone(person.phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    if person.id_number.strip():
        try:
            normalize_id_document(person.id_type, person.id_number)
        except ValidationError as exc:
            errors["id_number"] = list(exc.messages)
    elif person.id_type not in IdDocumentType.values:
        errors["id_type"] = [_("证件类型无效")]
    if person.moved_in_on and person.moved_in_on > timezone.localdate():
        errors["moved_in_on"] = [_("入住日期不能晚于今天")]
    return errors


def _resident_from_person(household: Household, person: PersonData) -> Resident:
    phone = normalize_phone(person.phone) if person.phone.strip() else ""
    id_number = (
        normalize_id_document(person.id_type, person.id_number) if person.id_number.strip() else ""
    )
    return Resident(
        household=household,
        name=person.name.strip(),
        relation=person.relation,
        phone=phone,
        phone_last4=phone[-4:] if phone else "",
        id_type=person.id_type,
        id_number=id_number,
        moved_in_on=person.moved_in_on,
    )


@transaction.atomic
def resident_add(*, actor, household: Household, person: PersonData) -> Resident:
    require_perm(actor, "estates.add_resident", action=_("登记住户成员"))
    require_office_in_scope(actor, household.office_id)
    errors = validate_person(person)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    resident = _resident_from_person(household, person)
    resident.save()
    audit_record(
        type=AuditEventType.RESIDENT_ADDED,
        actor=actor,
        obj=resident,
        office=household.office,
        data={"household": household.pk, "name": resident.name, "relation": resident.relation},
    )
    return resident


@transaction.atomic
def resident_move_out(*, actor, resident: Resident, moved_out_on: datetime.date) -> Resident:
    """迁出: the resident stays on record with the date; nothing is deleted."""
    require_perm(actor, "estates.change_resident", action=_("办理住户迁出"))
    require_office_in_scope(actor, resident.household.office_id)
    if resident.moved_out_on is not None:
        raise ApplicationError(_("该住户已于%(date)s迁出") % {"date": resident.moved_out_on})
    if moved_out_on > timezone.localdate():
        raise ApplicationError(
            _("迁出日期不能晚于今天"), field_errors={"moved_out_on": [_("迁出日期不能晚于今天")]}
        )
    if resident.moved_in_on and moved_out_on < resident.moved_in_on:
        raise ApplicationError(
            _("迁出日期不能早于入住日期"),
            field_errors={"moved_out_on": [_("迁出日期不能早于入住日期")]},
        )
    resident.moved_out_on = moved_out_on
    resident.save(update_fields=["moved_out_on"])
    audit_record(
        type=AuditEventType.RESIDENT_MOVED_OUT,
        actor=actor,
        obj=resident,
        office=resident.household.office,
        data={"household": resident.household_id, "moved_out_on": moved_out_on.isoformat()},
    )
    return resident


# --- Move-in (入住手续, SOP.md §1; 002 篇5) -------------------------------------------------


@dataclass(frozen=True)
class MoveInData:
    moved_in_on: datetime.date
    registration_form_received: bool
    access_card_numbers: tuple[str, ...] = ()
    key_count: int = 0
    key_description: str = ""
    lease_checked: bool = False
    lease_start: datetime.date | None = None
    lease_end: datetime.date | None = None
    notes: str = ""


def parse_card_numbers(raw: str) -> tuple[str, ...]:
    """Card numbers as typed: separated by commas, 、, spaces or new lines."""
    import re

    return tuple(part for part in re.split(r"[,,、;;\s]+", raw or "") if part)


def _move_in_errors(person: Resident | PersonData, data: MoveInData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not person.id_number:
        errors["id_number"] = [_("办理入住须核验证件并登记证件号码")]
    if not data.registration_form_received:
        errors["registration_form_received"] = [_("须收回住户填写的《住户登记表》")]
    if person.relation == ResidentRelation.TENANT:
        if not data.lease_checked:
            errors["lease_checked"] = [_("租户入住须核验租赁合同")]
        if not data.lease_start or not data.lease_end:
            errors["lease_end"] = [_("请填写租期起止日期")]
        elif data.lease_end <= data.lease_start:
            errors["lease_end"] = [_("租期结束日期须晚于开始日期")]
    if data.moved_in_on > timezone.localdate():
        errors["moved_in_on"] = [_("入住日期不能晚于今天")]
    if data.key_count < 0 or data.key_count > 50:
        errors["key_count"] = [_("钥匙把数应在0至50之间")]
    cards = data.access_card_numbers
    if len(set(cards)) != len(cards):
        errors["access_card_numbers"] = [_("门禁卡号有重复")]
    elif any(len(card) > 32 for card in cards):
        errors["access_card_numbers"] = [_("门禁卡号过长(最多32位)")]
    return errors


@transaction.atomic
def move_in_register(
    *,
    actor,
    household: Household,
    data: MoveInData,
    resident: Resident | None = None,
    new_person: PersonData | None = None,
) -> MoveIn:
    """Register a move-in for an existing resident of the household or a new person.

    SOP.md §1 (000 intro, 002 篇5): ID document, the lease if a tenant, the resident
    registration form, access cards and keys issued; who handled it and when.
    """
    require_perm(actor, "estates.add_movein", action=_("办理入住手续"))
    require_office_in_scope(actor, household.office_id)
    if (resident is None) == (new_person is None):
        raise ApplicationError(_("请选择已登记的住户成员,或填写新入住人员信息"))
    if resident is not None and resident.household_id != household.pk:
        raise ApplicationError(_("所选人员不属于该住户"))
    if resident is not None and resident.moved_out_on is not None:
        raise ApplicationError(_("所选人员已迁出,请登记为新入住人员"))

    errors: dict[str, list[str]] = {}
    if new_person is not None:
        errors.update(validate_person(new_person))
    person = resident or new_person
    if not errors:
        errors.update(_move_in_errors(person, data))
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)

    if resident is None:
        resident = _resident_from_person(household, new_person)
        resident.moved_in_on = data.moved_in_on
        resident.save()
        audit_record(
            type=AuditEventType.RESIDENT_ADDED,
            actor=actor,
            obj=resident,
            office=household.office,
            data={"household": household.pk, "name": resident.name, "relation": resident.relation},
        )
    elif resident.moved_in_on != data.moved_in_on:
        resident.moved_in_on = data.moved_in_on
        resident.save(update_fields=["moved_in_on"])

    move_in = MoveIn.objects.create(
        household=household,
        resident=resident,
        moved_in_on=data.moved_in_on,
        id_document_type=resident.id_type,
        id_document_number=resident.id_number,
        lease_checked=data.lease_checked,
        lease_start=data.lease_start,
        lease_end=data.lease_end,
        registration_form_received=data.registration_form_received,
        access_card_numbers=list(data.access_card_numbers),
        key_count=data.key_count,
        key_description=data.key_description.strip(),
        notes=data.notes.strip(),
        handled_by=actor,
        handled_at=timezone.now(),
    )
    new_occupancy = (
        OccupancyStatus.LET
        if resident.relation == ResidentRelation.TENANT
        else OccupancyStatus.OWNER_OCCUPIED
    )
    if household.occupancy != new_occupancy:
        before = household.occupancy
        household.occupancy = new_occupancy
        household.save(update_fields=["occupancy"])
        audit_record(
            type=AuditEventType.HOUSEHOLD_CHANGED,
            actor=actor,
            obj=household,
            office=household.office,
            data={"before": {"occupancy": before}, "after": {"occupancy": new_occupancy}},
        )
    audit_record(
        type=AuditEventType.MOVE_IN_REGISTERED,
        actor=actor,
        obj=household,
        office=household.office,
        data={
            "move_in": move_in.pk,
            "resident": resident.name,
            "cards": move_in.access_card_count,
            "keys": move_in.key_count,
        },
    )
    return move_in
