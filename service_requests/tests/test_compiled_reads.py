"""core.compiled: the hot reads whose SQL is built once per process (issue #3 performance)
must answer exactly what the ORM answers, for every shape of their values, and fall back to
the ORM whenever substituting a value is not provably safe."""

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from core import compiled
from core.testing import make_household, make_staff
from service_requests import console_selectors
from service_requests.choices import Category
from service_requests.models import Deadline, RequestEvent, ServiceRequest
from service_requests.services import request_dispatch
from service_requests.tests.test_console import intake


@pytest.fixture(autouse=True)
def fresh_plans():
    compiled.clear()
    yield
    compiled.clear()


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_request_page_equals_the_orm_with_and_without_a_household(
    office, household, receptionist, engineering
):
    at_home = intake(receptionist, office, household=household, category=Category.REPAIR)
    request_dispatch(
        actor=receptionist, request=at_home, version=at_home.version, department=engineering
    )
    public = intake(receptionist, office, household=None, location="地下车库B2入口")
    for sr in (at_home, public, at_home):  # the second read of a shape reuses its plan
        page = console_selectors.request_page_get(user=receptionist, pk=sr.pk)
        orm = ServiceRequest.objects.get(pk=sr.pk)
        own = [f.attname for f in ServiceRequest._meta.concrete_fields]
        assert _fields(page, own) == _fields(orm, own)
        if orm.household_id:
            assert page.household.unit.label == orm.household.unit.label
            assert (
                page.household.unit.building.estate.name == orm.household.unit.building.estate.name
            )
            assert page.assigned_department.name == engineering.name
        else:
            assert page.household is None and page.assigned_department is None
        assert page.policy_version_id == orm.policy_version_id


def test_request_page_keeps_the_scope_for_every_number_of_offices(office, household, receptionist):
    """A staff member of one office, of two offices, and of another office: the office list's
    length is part of the plan's shape, and a request outside the scope is still "not found"."""
    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    other_office = type(office).objects.create(
        company=office.company, name="另一个管理处", code="other-office"
    )
    two_offices = make_staff("cs_staff", offices=[other_office, office])
    elsewhere = make_staff("cs_staff", offices=[other_office])
    assert console_selectors.request_page_get(user=receptionist, pk=sr.pk).pk == sr.pk
    assert console_selectors.request_page_get(user=two_offices, pk=sr.pk).pk == sr.pk
    with pytest.raises(Http404):
        console_selectors.request_page_get(user=elsewhere, pk=sr.pk)
    with pytest.raises(Http404):
        console_selectors.request_page_get(user=receptionist, pk="12abc")


def test_deadlines_and_events_follow_the_request(office, household, receptionist, engineering):
    first = intake(receptionist, office, household=household, category=Category.REPAIR)
    second = intake(
        receptionist, office, household=make_household(household.unit.building, room="0802")
    )
    request_dispatch(
        actor=receptionist, request=first, version=first.version, department=engineering
    )
    for sr in (first, second, first):
        assert [d.pk for d in console_selectors.request_deadlines(sr)] == list(
            Deadline.objects.filter(request=sr)
            .order_by("due_at", "round")
            .values_list("pk", flat=True)
        )
        events = console_selectors.request_events(sr)
        assert [(e.pk, e.type, e.data) for e in events] == [
            (e.pk, e.type, e.data)
            for e in RequestEvent.objects.filter(request=sr).order_by("at", "id")
        ]
        assert all(timezone.is_aware(e.at) for e in events)


def test_a_changing_time_gives_the_orm_answer_each_time(office, household, receptionist):
    """The overdue tab's "now" is the value substituted (PostgreSQL); where the backend writes a
    datetime as text (SQLite) the plan is refused and the ORM answers — the same rows either way."""
    from service_requests.selectors import RequestFilters

    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    due = ServiceRequest.objects.get(pk=sr.pk).next_deadline_at
    filters = RequestFilters(queue="overdue")
    for now in (due - datetime.timedelta(minutes=1), due + datetime.timedelta(minutes=1)):
        rows = console_selectors.queue_page(
            user=receptionist, filters=filters, now=now, offset=0, limit=30
        )
        expected = list(
            console_selectors.queue_list(user=receptionist, filters=filters, now=now)[:30]
        )
        assert rows == expected
    assert [row[0] for row in rows] == [sr.pk]
    if connection.vendor == "postgresql":  # the time went in as a parameter: the plan is used
        assert all(plan is not compiled._UNCOMPILABLE for plan in compiled._plans.values())


def test_a_transformed_value_falls_back_to_the_orm(office, household, receptionist):
    """`icontains` wraps the value in %…%: a plan would bake in the placeholder, so none is
    kept and each call is answered by the ORM."""
    sr = intake(receptionist, office, household=household, category=Category.REPAIR)

    def build(text):
        return ServiceRequest.objects.filter(description__icontains=text).values_list(
            "pk", flat=True
        )

    assert compiled.compiled_list("contains", build, text=sr.description[:4]) == [sr.pk]
    assert compiled.compiled_list("contains", build, text="没有这样的内容") == []


def test_plans_are_bounded(office, household, receptionist, monkeypatch):
    monkeypatch.setattr(compiled, "MAX_PLANS", 2)
    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    for n in range(5):
        got = compiled.compiled_list(
            ("bounded", n),
            lambda pk: ServiceRequest.objects.filter(pk=pk).values_list("pk"),
            pk=sr.pk,
        )
        assert got == [(sr.pk,)]
    assert len(compiled._plans) == 2


def test_the_hot_reads_are_compiled_not_answered_by_the_fallback(office, household, receptionist):
    """A plan that silently fell back would cost the ORM's full price on every page (an int
    placeholder outside a field's range once made Django answer "nothing" without SQL)."""
    from organization.backends import RolePermissionBackend

    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    assert RolePermissionBackend().get_user(receptionist.pk) == receptionist
    page = console_selectors.request_page_get(user=receptionist, pk=sr.pk)
    console_selectors.request_deadlines(page)
    console_selectors.request_events(page)
    keys = {key[2]: plan for key, plan in compiled._plans.items()}
    for name in ("auth-user", "request-page", "request-deadlines", "request-events"):
        assert keys[name] is not compiled._UNCOMPILABLE, name
