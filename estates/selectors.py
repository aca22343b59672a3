"""Reads of places and people, shared by the console, the API and exports.

Every selector takes the user and limits to their scope (organization.scoping); asking for an
object outside it raises Http404 exactly as for a missing one.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from core.validators import normalize_phone
from estates.choices import ResidentRelation
from estates.models import Building, Estate, Household, MoveIn, Resident, Unit
from organization.scoping import scope_for

# "3-2-1502", "3栋2单元1502", "3栋1502", "3#1502", "3 1502", "A座1502室"
_ROOM_PATTERN = re.compile(
    r"^(?P<building>[0-9A-Za-z]+)\s*(?:号楼|栋|幢|座|#|-|\s)\s*"
    r"(?:(?P<entrance>[0-9A-Za-z]+)\s*(?:单元|-)\s*)?"
    r"(?P<room>[0-9A-Za-z]+)\s*(?:室|号|房)?$"
)
# Owners first, then tenants, then family members: the order a receptionist reads them out.
_RELATION_ORDER = Case(
    When(relation=ResidentRelation.OWNER, then=Value(0)),
    When(relation=ResidentRelation.TENANT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "―": "-", "、": "-", "/": "-"})


@dataclass(frozen=True)
class ParsedQuery:
    """How the receptionist's few keystrokes were understood."""

    kind: str  # "room", "phone", "phone_or_room", "name", "empty"
    text: str
    building: str = ""
    entrance: str = ""
    room: str = ""
    phone: str = ""


def parse_household_query(raw: str) -> ParsedQuery:
    text = unicodedata.normalize("NFKC", raw or "").translate(_DASHES).strip()
    if not text:
        return ParsedQuery("empty", "")
    digits = re.sub(r"[\s\-()+]", "", text)
    if digits.isdigit() and len(digits) == 4:
        return ParsedQuery("phone_or_room", text, room=digits, phone=digits)
    if digits.isdigit() and len(digits) >= 7:
        try:
            return ParsedQuery("phone", text, phone=normalize_phone(text))
        except ValidationError:
            return ParsedQuery("phone", text, phone=digits)
    match = _ROOM_PATTERN.match(text)
    if match:
        return ParsedQuery(
            "room",
            text,
            building=match["building"].upper(),
            entrance=(match["entrance"] or "").upper(),
            room=match["room"].upper(),
        )
    if digits.isdigit():
        return ParsedQuery("phone_or_room", text, room=digits, phone=digits)
    return ParsedQuery("name", text)


def _query_filter(parsed: ParsedQuery) -> Q:
    current = Q(residents__moved_out_on__isnull=True)
    if parsed.kind == "room":
        q = Q(unit__building__number__iexact=parsed.building) & Q(
            unit__room_number__iexact=parsed.room
        )
        if parsed.entrance:
            q &= Q(unit__entrance__iexact=parsed.entrance)
        return q
    if parsed.kind == "phone":
        return current & Q(residents__phone=parsed.phone)
    if parsed.kind == "phone_or_room":
        return Q(unit__room_number=parsed.room) | (
            current & Q(residents__phone_last4=parsed.phone[-4:])
        )
    return current & Q(residents__name__contains=parsed.text)


def household_queryset(*, user) -> QuerySet[Household]:
    """Households the user may see."""
    scope = scope_for(user)
    qs = Household.objects.all()
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.filter(pk=scope.household_id)
    return qs.filter(office_id__in=scope.office_ids)


def household_list(
    *,
    user,
    query: str = "",
    estate_id: int | None = None,
    building_id: int | None = None,
    occupancy: str | None = None,
) -> QuerySet[Household]:
    """The household list and search, with what a list row shows, in a fixed few queries."""
    qs = household_queryset(user=user)
    parsed = parse_household_query(query)
    if parsed.kind != "empty":
        matching = Household.objects.filter(_query_filter(parsed)).values("pk")
        qs = qs.filter(pk__in=matching)
    if estate_id:
        qs = qs.filter(unit__building__estate_id=estate_id)
    if building_id:
        qs = qs.filter(unit__building_id=building_id)
    if occupancy:
        qs = qs.filter(occupancy=occupancy)
    return qs.select_related("unit__building__estate").prefetch_related(
        Prefetch(
            "residents",
            queryset=Resident.objects.filter(moved_out_on__isnull=True).order_by(
                _RELATION_ORDER, "pk"
            ),
            to_attr="current_residents",
        )
    )


def household_get(*, user, pk) -> Household:
    try:
        return (
            household_queryset(user=user)
            .select_related("unit__building__estate", "office")
            .get(pk=pk)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def household_residents(*, household: Household) -> QuerySet[Resident]:
    """Everyone ever registered in the household, current first."""
    return household.residents.order_by(
        F("moved_out_on").desc(nulls_first=True), _RELATION_ORDER, "pk"
    ).select_related("user")


def household_move_ins(*, household: Household) -> QuerySet[MoveIn]:
    return household.move_ins.select_related("resident", "handled_by", "handled_by__staff")


def estate_list(*, user) -> QuerySet[Estate]:
    scope = scope_for(user)
    qs = Estate.objects.select_related("office")
    if not scope.everything:
        qs = qs.filter(office_id__in=scope.office_ids)
    # An aggregate drops Meta.ordering (GROUP BY), so the order is spelled out for paging.
    return qs.annotate(building_count=Count("buildings", distinct=True)).order_by(
        "office__name", "name"
    )


def estate_get(*, user, pk) -> Estate:
    try:
        return estate_list(user=user).get(pk=pk)
    except (Estate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def building_list(*, user, estate_id: int | None = None) -> QuerySet[Building]:
    scope = scope_for(user)
    qs = Building.objects.select_related("estate")
    if not scope.everything:
        qs = qs.filter(estate__office_id__in=scope.office_ids)
    if estate_id:
        qs = qs.filter(estate_id=estate_id)
    return qs.annotate(unit_count=Count("units")).order_by("estate__name", "number")


def building_get(*, user, pk) -> Building:
    try:
        return building_list(user=user).get(pk=pk)
    except (Building.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def unit_list(*, user, building_id: int | None = None) -> QuerySet[Unit]:
    scope = scope_for(user)
    qs = Unit.objects.select_related("building__estate")
    if not scope.everything:
        qs = qs.filter(building__estate__office_id__in=scope.office_ids)
    if building_id:
        qs = qs.filter(building_id=building_id)
    return qs


def resident_queryset(*, user) -> QuerySet[Resident]:
    scope = scope_for(user)
    qs = Resident.objects.select_related("household__unit__building__estate")
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.filter(household_id=scope.household_id)
    return qs.filter(household__office_id__in=scope.office_ids)
