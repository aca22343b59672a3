"""Query budgets of the hot paths (issue #3, docs/performance.md): API intake answers from what
it wrote instead of reading it back, and the deadline sweep costs the same few queries per
batch however many deadlines are in it. The budgets are upper bounds; raise one only with a
reason in the commit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing import api_client, make_staff
from service_requests.choices import Category, Channel
from service_requests.deadlines import sweep_deadlines
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

REQUESTS = "/api/v1/requests/"

# Token, scope (3), permissions (2), Idempotency-Key, household (checked in scope, then with its
# office and address), policy version, request, deadline, event, key, staff names; and four
# savepoint statements (in production two: the test wraps everything in a transaction).
# Before issue #3's work: 26.
INTAKE_QUERIES = 19


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
