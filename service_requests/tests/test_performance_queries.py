"""Query budgets of the hot paths (issue #3, docs/performance.md): API intake answers from what
it wrote instead of reading it back, and the deadline sweep costs the same few queries per
batch however many deadlines are in it. The budgets are upper bounds; raise one only with a
reason in the commit."""

import datetime

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import compiled
from core.testing import (
    api_client,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_resident_account,
    make_staff,
    make_superuser,
)
from policies.rules import Duration
from policies.services import policy_update
from service_requests.api.serializers import _household_with_address, _households_with_address
from service_requests.choices import Category, Channel
from service_requests.deadlines import sweep_deadlines
from service_requests.models import IdempotencyKey, RequestEvent, ServiceRequest
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

REQUESTS = "/api/v1/requests/"

# Warm (scope and permissions cached): token and user; the household in scope with its office,
# address and the office's current policy version; the request, its deadline, its event and the
# Idempotency-Key (no look-up first: a retry meets the stored key); two savepoint statements
# (in production, outside any transaction, the four writes are one statement with no BEGIN and
# COMMIT: see the last test). The staff name comes from the cached staff card. Before
# issue #3's work: 26; 19 before the intake's second round; 9 before the policy version came
# with the household.
INTAKE_QUERIES = 8


@pytest.fixture
def desk(receptionist):
    return api_client(receptionist)


def repair(home, **overrides):
    body = {
        "category": "b_repair",
        "channel": "phone",
        "description": "厨房水龙头漏水",
        "household": home.pk,
        "contact_name": "张伟",
        "contact_phone": "13812345678",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "reply_now": "已告知维修师傅下午上门",
            # back-dated within the policy's bound (24 h), whatever day the suite runs
            "received_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        },
        {"category": "d_consultation", "channel": "letter"},
        {
            "category": "a_medical",
            "is_major": True,
            "location": "3栋楼下花园",
            "emergency_help": ["escort", "call_120"],
        },
        {"household": None, "location": "地下车库B2入口"},
    ],
    ids=["repair", "replied-backdated", "written-consultation", "major-medical", "public-area"],
)
def test_the_intake_answer_is_the_request_as_it_reads_back(
    desk, household, supervisor, office, overrides
):
    """The 201 answer is built from what intake wrote; it must equal GET /requests/{id}/."""
    make_staff("security_shift_leader", offices=[office])
    response = desk.post(
        REQUESTS, repair(household, **overrides), format="json", headers={"Idempotency-Key": "a"}
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created == desk.get(f"{REQUESTS}{created['id']}/").json()
    assert created["timeline"] and created["deadlines"] is not None


def test_api_intake_query_budget(desk, household, django_assert_max_num_queries):
    desk.post(REQUESTS, repair(household), format="json", headers={"Idempotency-Key": "warm"})
    with django_assert_max_num_queries(INTAKE_QUERIES):
        response = desk.post(
            REQUESTS, repair(household), format="json", headers={"Idempotency-Key": "k"}
        )
    assert response.status_code == 201


def _queries_to_sweep(office, receptionist, count: int, start: datetime.datetime) -> int:
    for n in range(count):
        request_intake(
            actor=receptionist,
            office=office,
            data=IntakeData(category=Category.OTHER, channel=Channel.PHONE, description="借梯子"),
            now=start + datetime.timedelta(seconds=n),
        )
    with CaptureQueriesContext(connection) as queries:
        result = sweep_deadlines(now=start + datetime.timedelta(minutes=6))
    assert result.escalated == count
    return len(queries)


def test_a_sweep_batch_costs_the_same_queries_for_3_or_30_deadlines(
    office, receptionist, supervisor, manager
):
    few = _queries_to_sweep(office, receptionist, 3, at(2026, 11, 23, 10, 0))
    many = _queries_to_sweep(office, receptionist, 30, at(2026, 11, 23, 10, 7))
    assert many == few <= 16


def _as_read(household):
    """What the intake takes from a household: its fields, those of what it joins and which
    policy version is its office's current one."""
    unit = household.unit
    return (
        model_to_dict(household),
        (household.current_policy_id, household.current_policy_created_at),
        model_to_dict(household.office),
        model_to_dict(unit),
        model_to_dict(unit.building),
        model_to_dict(unit.building.estate),
    )


def test_the_household_reader_reads_what_the_queryset_reads(household, office):
    """The intake's household comes from SQL compiled once per scope (issue #3); it must be the
    household the scoped queryset finds, with the same joined rows, and nothing outside the
    scope."""
    foreign = make_household(
        make_building(make_estate(make_office("翠湖花园管理处", company=office.company)), "1"),
        "101",
    )
    users = [
        make_staff("cs_staff", offices=[office]),
        make_staff("general_manager", company=office.company),  # every office of the company
        make_superuser(),
        make_resident_account(household),
        make_staff("cs_staff"),  # no office: sees no household
    ]
    for user in users:
        for _round in range(2):  # compiled, then reused
            for pk in (household.pk, foreign.pk, 999_999):
                expected = _households_with_address(user=user).filter(pk=pk).first()
                read = _household_with_address(user=user, pk=pk)
                if expected is None:
                    assert read is None, (user, pk)
                else:
                    assert _as_read(read) == _as_read(expected), (user, pk)
    # The compiled SQL was used, not the fallback to the ORM.
    plans = [plan for key, plan in compiled._plans.items() if key[2][0] == "intake-household"]
    assert plans and any(plan is not compiled._UNCOMPILABLE for plan in plans)


def test_a_policy_saved_between_two_intakes_applies_to_the_second(desk, household, office, manager):
    """The policy version comes with the household's statement (issue #3), and is still read
    at every intake: a version the office manager saves applies to the next request at once
    (SOP.md §2 快速反应: the first-reply limit is the office's policy value), while the request
    opened before keeps the version it was opened under. A public-area report (no household)
    reads it by itself."""
    first = desk.post(REQUESTS, repair(household), format="json").json()
    policy_update(
        actor=manager,
        office=office,
        changes={"request.first_reply": Duration(10, "minutes")},
        note="夜间人手少,首次答复放宽到10分钟",
    )
    second = desk.post(REQUESTS, repair(household), format="json").json()
    public = desk.post(
        REQUESTS, repair(household, household=None, location="地下车库B2入口"), format="json"
    ).json()

    def first_reply_minutes(answer):
        received = datetime.datetime.fromisoformat(answer["received_at"])
        (due,) = [d["due_at"] for d in answer["deadlines"] if d["kind"] == "first_reply"]
        return (datetime.datetime.fromisoformat(due) - received) / datetime.timedelta(minutes=1)

    assert first_reply_minutes(first) == 5
    assert first_reply_minutes(second) == first_reply_minutes(public) == 10
    versions = dict(ServiceRequest.objects.values_list("pk", "policy_version__number"))
    assert versions[first["id"]] is None  # the SOP defaults: no version saved yet
    assert versions[second["id"]] == versions[public["id"]] == 1


@pytest.mark.parametrize("value", ["abc", True, 2**70, {"id": 1}, -1])
def test_a_household_id_that_is_no_id_is_refused(desk, household, value):
    response = desk.post(REQUESTS, repair(household, household=value), format="json")
    assert response.status_code == 400
    assert list(response.json()["detail"]) == ["household"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a data-modifying WITH")
@pytest.mark.django_db(transaction=True)
def test_an_everyday_intake_writes_in_one_statement_without_begin_or_commit():
    """Outside any transaction (as in production, no ATOMIC_REQUESTS) an everyday intake writes
    the request, its deadlines, its timeline event and its Idempotency-Key with one statement:
    token, household with its office's policy version, the write — no BEGIN, no COMMIT
    (issue #3). What it
    wrote is linked as the ORM would have written it, and a retry still meets the key."""
    office = make_office()
    household = make_household(make_building(make_estate(office), "3"), "1502")
    desk = api_client(make_staff("cs_staff", offices=[office]))
    body = repair(household, reply_now="已告知维修师傅下午上门")
    desk.post(REQUESTS, body, format="json", headers={"Idempotency-Key": "warm"})
    with CaptureQueriesContext(connection) as queries:
        response = desk.post(REQUESTS, body, format="json", headers={"Idempotency-Key": "one"})
    assert response.status_code == 201, response.json()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT", "SELECT", "WITH"], statements
    created = ServiceRequest.objects.get(pk=response.json()["id"])
    assert created.status == "replied" and created.office == office
    assert sorted(d.kind for d in created.deadlines.all()) == sorted(
        d["kind"] for d in response.json()["deadlines"]
    )
    assert [e.type for e in created.events.order_by("pk")] == [
        "request_received",
        "first_reply_given",
    ]
    assert [e["id"] for e in response.json()["timeline"]] == [
        e.pk for e in created.events.order_by("at", "pk")
    ]
    assert IdempotencyKey.objects.get(key="one").service_request_id == created.pk
    retry = desk.post(REQUESTS, body, format="json", headers={"Idempotency-Key": "one"})
    assert retry.status_code == 201 and retry.json()["id"] == created.pk
    assert retry["Idempotent-Replayed"] == "true"
    assert ServiceRequest.objects.count() == 2 and RequestEvent.objects.count() == 4
