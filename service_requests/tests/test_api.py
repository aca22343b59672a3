"""The help and report desk through the API (issue #3): intake with an Idempotency-Key (a retry
creates nothing twice), the queue and one request, every lifecycle step with the version it
read (a stale one is a 409 and changes nothing), who may act, and what a resident sees."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.utils import timezone

from core.testing import (
    api_client,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_resident_account,
    make_staff,
    owner,
)
from notifications.models import OutboxMessage
from service_requests import services
from service_requests.models import (
    Deadline,
    EmergencyStep,
    IdempotencyKey,
    RequestEvent,
    ServiceRequest,
)

REQUESTS = "/api/v1/requests/"
NOT_FOUND = {"code": "not_found", "message": "未找到该记录", "detail": None}


def repair_body(home, **overrides):
    body = {
        "category": "b_repair",
        "channel": "phone",
        "description": "厨房水龙头漏水",
        "household": home.pk,
        "contact_phone": "13812345678",
    }
    body.update(overrides)
    return body


def written() -> tuple[int, ...]:
    return (
        ServiceRequest.objects.count(),
        RequestEvent.objects.count(),
        Deadline.objects.count(),
        EmergencyStep.objects.count(),
        IdempotencyKey.objects.count(),
        OutboxMessage.objects.count(),
    )


def post(client, path, body, **headers):
    return client.post(path, body, format="json", headers=headers)


@pytest.fixture
def desk(receptionist):
    return api_client(receptionist)


@pytest.fixture
def created(desk, household):
    response = post(desk, REQUESTS, repair_body(household))
    assert response.status_code == 201, response.json()
    return response.json()


def act(client, request_json, step, **body):
    """POST a lifecycle step with the version the client read."""
    body.setdefault("version", request_json["version"])
    return post(client, f"{REQUESTS}{request_json['id']}/{step}/", body)


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


# --- Intake -------------------------------------------------------------------------------------


def test_intake_answers_201_with_its_deadlines(desk, household, office):
    """SOP.md §2 快速反应: a repair call opens a 5-minute first-reply deadline with its clause."""
    response = post(desk, REQUESTS, repair_body(household))
    assert response.status_code == 201
    body = response.json()
    assert (body["office"], body["household"]["id"]) == (office.pk, household.pk)
    assert body["household"]["label"] == "3栋2单元1502"
    assert (body["status"], body["version"], body["is_special"]) == ("received", 1, False)
    assert body["number"].startswith("QZ")
    deadlines = {d["kind"]: d for d in body["deadlines"]}
    assert set(deadlines) == {"first_reply", "repair_completion"}
    deadline = deadlines["first_reply"]
    assert deadline["state"] == "open"
    assert deadline["clause"].startswith("SOP.md §2") and deadline["met_at"] is None
    received = datetime.datetime.fromisoformat(body["received_at"])
    due = datetime.datetime.fromisoformat(deadline["due_at"])
    assert due - received == datetime.timedelta(minutes=5)
    assert [e["type"] for e in body["timeline"]] == ["request_received"]
    assert body["timeline"][0]["actor_name"] == "张婷"
    assert body["entered_by_name"] == "张婷"
    assert ServiceRequest.objects.get().contact_phone == "13812345678"


def test_public_area_report_goes_to_the_users_only_office(desk, office):
    body = {"category": "f_disaster", "channel": "rounds", "description": "地库水浸"}
    body |= {"location": "3栋地下车库", "is_major": True}
    response = post(desk, REQUESTS, body)
    assert response.status_code == 201, response.json()
    assert response.json()["office"] == office.pk and response.json()["household"] is None
    assert {d["kind"] for d in response.json()["deadlines"]} == {
        "first_reply",
        "supervisor_report",
    }


def test_a_user_of_two_offices_must_name_the_office(office):
    second = make_office("翠湖花园管理处", company=office.company)
    client = api_client(make_staff("cs_staff", offices=[office, second]))
    body = {"category": "g_other", "channel": "visit", "description": "借梯子"}
    refused = post(client, REQUESTS, body)
    assert refused.status_code == 400
    assert list(refused.json()["detail"]) == ["office"]
    response = post(client, REQUESTS, {**body, "office": second.pk})
    assert response.status_code == 201 and response.json()["office"] == second.pk


def test_retry_with_the_same_idempotency_key_creates_nothing(desk, household):
    """Issue #3: a retried request creates nothing twice; the retry answers 201 with the same
    request and `Idempotent-Replayed: true`, whatever the order of the body's keys."""
    body = repair_body(household)
    first = post(desk, REQUESTS, body, **{"Idempotency-Key": "call-0001"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    before = written()
    reordered = dict(reversed(list(body.items())))
    retry = post(desk, REQUESTS, reordered, **{"Idempotency-Key": "call-0001"})
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert written() == before
    assert ServiceRequest.objects.count() == IdempotencyKey.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(desk, household):
    first = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "k1"})
    before = written()
    response = post(
        desk,
        REQUESTS,
        repair_body(household, description="卫生间漏水"),
        **{"Idempotency-Key": "k1"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["detail"] == {"request": first.json()["id"]}
    assert written() == before


def test_keys_are_per_user_and_a_new_key_creates_a_new_request(desk, household, office):
    other = api_client(make_staff("cs_staff", offices=[office]))
    a = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "same"})
    b = post(other, REQUESTS, repair_body(household), **{"Idempotency-Key": "same"})
    c = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "other"})
    assert len({a.json()["id"], b.json()["id"], c.json()["id"]}) == 3


def test_a_refused_intake_stores_no_key_and_can_be_retried_fixed(desk, household):
    bad = post(desk, REQUESTS, repair_body(household, channel="pigeon"), **{"Idempotency-Key": "x"})
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "x"})
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 101])
def test_a_malformed_idempotency_key_is_refused(desk, household, key):
    response = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert list(response.json()["detail"]) == ["Idempotency-Key"]
    assert written()[0] == 0


def test_a_retry_meets_the_stored_key_and_everything_it_wrote_is_rolled_back(
    desk, household, monkeypatch
):
    """There is no look-up before the intake (issue #3): a retry writes its request, meets the
    key already stored, everything it wrote is rolled back and the first request returned."""
    first = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "race"})
    before = written()
    real = services.request_intake_records
    refused = []

    def intake(**kwargs):
        try:
            return real(**kwargs)
        except IntegrityError as exc:
            refused.append(exc)
            raise

    monkeypatch.setattr(services, "request_intake_records", intake)
    retry = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "race"})
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert len(refused) == 1
    assert written() == before


def test_a_retry_that_no_longer_passes_still_gets_its_request(desk, household, monkeypatch):
    """The retry of a back-dated call, now beyond the policy's bound (24 h), is the first call's
    request, not a refusal: the stored key answers when the body is refused."""
    now = timezone.now()
    body = repair_body(household, received_at=(now - datetime.timedelta(hours=23)).isoformat())
    first = post(desk, REQUESTS, body, **{"Idempotency-Key": "late"})
    assert first.status_code == 201
    before = written()
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))
    refused = post(desk, REQUESTS, body)  # without the key
    assert refused.status_code == 400 and list(refused.json()["detail"]) == ["received_at"]
    retry = post(desk, REQUESTS, body, **{"Idempotency-Key": "late"})
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert written() == before


def test_a_reused_key_with_another_invalid_body_is_422(desk, household):
    first = post(desk, REQUESTS, repair_body(household), **{"Idempotency-Key": "k2"})
    response = post(
        desk, REQUESTS, repair_body(household, channel="pigeon"), **{"Idempotency-Key": "k2"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == {"request": first.json()["id"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_on_postgresql_create_one_request(monkeypatch):
    """Real concurrency: both calls are inside their intake transaction before either writes;
    the unique key makes the second wait for the first, fail, roll back everything it wrote and
    answer with the first's request."""
    office = make_office()
    household = make_household(make_building(make_estate(office), "3"), "1502")
    user = make_staff("cs_staff", offices=[office])
    barrier = threading.Barrier(2, timeout=10)
    real = services.current_policy

    def both_inside(office, **kwargs):
        barrier.wait()  # both threads are in request_intake_records, nothing written yet
        return real(office, **kwargs)

    results = []

    def call():
        try:
            response = post(
                api_client(user), REQUESTS, repair_body(household), **{"Idempotency-Key": "both"}
            )
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    monkeypatch.setattr(services, "current_policy", both_inside)
    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2
    assert {status for status, _ in results} == {201}
    assert len({pk for _, pk in results}) == 1
    assert ServiceRequest.objects.count() == IdempotencyKey.objects.count() == 1
    assert RequestEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "a_medical", "contact_phone": ""}, "contact_phone"),
        ({"category": "a_medical", "contact_phone": "", "household": None}, "location"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"emergency_help": ["call_120"]}, "emergency_help"),
        ({"description": "  "}, "description"),
        ({"category": "z"}, "category"),
        ({"household": 999999}, "household"),
    ],
)
def test_intake_refusals_name_the_field_and_write_nothing(desk, household, overrides, field):
    response = post(desk, REQUESTS, repair_body(household, **overrides))
    assert response.status_code == 400, response.json()
    assert field in response.json()["detail"]
    assert written() == (0, 0, 0, 0, 0, 0)


def test_received_at_in_the_future_is_refused(desk, household):
    future = timezone.now() + datetime.timedelta(minutes=10)
    response = post(desk, REQUESTS, repair_body(household, received_at=future.isoformat()))
    assert response.status_code == 400
    assert response.json()["message"] == "受理时间不能晚于现在"
    assert written() == (0, 0, 0, 0, 0, 0)


def test_another_offices_household_is_refused_like_a_missing_one(desk, household, office):
    foreign = make_household(
        make_building(make_estate(make_office("翠湖花园管理处", company=office.company)), "1"),
        "101",
    )
    other = post(desk, REQUESTS, repair_body(household, household=foreign.pk))
    missing = post(desk, REQUESTS, repair_body(household, household=999999))
    assert other.status_code == missing.status_code == 400
    assert other.json()["detail"]["household"] == missing.json()["detail"]["household"]
    assert written() == (0, 0, 0, 0, 0, 0)


def test_roles_without_intake_rights_get_403(household, office):
    for role in ("cleaning", "technician"):
        client = api_client(make_staff(role, offices=[office]))
        response = post(client, REQUESTS, repair_body(household))
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert written()[0] == 0


# --- The lifecycle ------------------------------------------------------------------------------


def test_the_whole_lifecycle_through_the_api(desk, created, engineering, technician):
    tech = api_client(technician)
    r = ok(act(desk, created, "reply", reply="马上派工程部"))
    assert (r["status"], r["version"]) == ("replied", 2)
    assert r["deadlines"][0]["state"] == "met"
    r = ok(act(desk, r, "dispatch", department=engineering.pk, assignee=technician.pk))
    assert r["assigned_department"] == {"id": engineering.pk, "name": "工程部"}
    assert r["assignee"] == {"id": technician.pk, "name": "何师傅"}
    r = ok(act(tech, r, "acknowledge"))
    assert r["status"] == "acknowledged"
    promised = timezone.now() + datetime.timedelta(days=1)
    r = ok(act(tech, r, "appointment", promised_at=promised.isoformat()))
    assert "repair_completion" in {d["kind"] for d in r["deadlines"]}
    r = ok(act(tech, r, "start"))
    r = ok(act(tech, r, "resolve", result="更换阀芯", public_note="已修好"))
    assert r["status"] == "resolved" and r["result"] == "更换阀芯"
    r = ok(act(desk, r, "confirm", confirmation_channel="phone"))
    r = ok(act(desk, r, "follow-up", satisfaction="satisfied"))
    r = ok(act(desk, r, "close", note="归档"))
    assert (r["status"], r["version"]) == ("closed", 10)
    types = [e["type"] for e in r["timeline"]]
    assert types[0] == "request_received" and types[-1] == "request_closed"
    assert len(types) == 10


def test_refer_cancel_reopen_report_and_notes(desk, supervisor, created, emergency_center):
    r = ok(act(desk, created, "notes", internal_note="住户情绪激动"))
    assert r["version"] == created["version"]  # a note does not change the request
    r = ok(act(desk, r, "report-to-supervisor", note="已电话报告李主管"))
    r = ok(act(desk, r, "refer", party=emergency_center.pk, resident_told="已帮您联系120"))
    assert r["status"] == "referred" and r["referred_to"]["id"] == emergency_center.pk
    r = ok(act(desk, r, "reopen", reason="120未到,重新处理"))
    assert r["status"] == "in_progress"
    refused = act(desk, r, "cancel", reason="住户撤回")
    assert refused.status_code == 403  # 客服管理员 may not cancel (supervisor and up)
    r = ok(act(api_client(supervisor), r, "cancel", reason="住户撤回"))
    assert r["status"] == "cancelled" and r["cancel_reason"] == "住户撤回"


def test_a_stale_version_is_409_and_changes_nothing(desk, created, engineering):
    """Issue #3: updates carry the version they read; a stale update is refused."""
    ok(act(desk, created, "reply", reply="稍后答复"))  # someone else moved it to version 2
    before = written()
    response = act(desk, created, "dispatch", department=engineering.pk)  # still version 1
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["message"].startswith("该求助已被他人更新")
    request = ServiceRequest.objects.get()
    assert (request.status, request.version, request.assigned_department) == ("replied", 2, None)
    assert written() == before
    # A note is not an update: its version is optional, but a stale one is refused too.
    assert act(desk, created, "notes", internal_note="x").status_code == 409


def test_service_refusals_pass_through_with_their_code(desk, created):
    response = act(desk, created, "close")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"
    missing = act(desk, created, "reply")
    assert missing.status_code == 400 and list(missing.json()["detail"]) == ["reply"]
    no_version = post(desk, f"{REQUESTS}{created['id']}/start/", {})
    assert no_version.status_code == 400 and list(no_version.json()["detail"]) == ["version"]


def test_a_technician_acknowledges_through_the_api(desk, created, engineering, technician):
    """Roles with only work_on_request (技工) may take the steps of work dispatched to their
    department: the permission class does not stop them, the service lets them."""
    r = ok(act(desk, created, "dispatch", department=engineering.pk))
    response = act(api_client(technician), r, "acknowledge")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["timeline"][-1]["actor_name"] == "何师傅"


def test_a_cleaner_gets_403_on_work_not_dispatched_to_them(desk, created, engineering, office):
    r = ok(act(desk, created, "dispatch", department=engineering.pk))
    before = written()
    cleaner = api_client(make_staff("cleaning", offices=[office]))
    for step in ("acknowledge", "start", "notes"):
        response = act(cleaner, r, step, internal_note="看一下")
        assert response.status_code == 403, step
        assert response.json()["code"] == "permission_denied"
    assert ServiceRequest.objects.get().status == "dispatched"
    assert written() == before


def test_another_offices_staff_get_the_same_404_as_for_a_missing_request(created, office):
    other_office = make_office("翠湖花园管理处", company=office.company)
    client = api_client(make_staff("cs_supervisor", offices=[other_office]))
    missing = client.get(f"{REQUESTS}999999/")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    other = client.get(f"{REQUESTS}{created['id']}/")
    assert (other.status_code, other.json()) == (404, NOT_FOUND)
    for step in ("reply", "acknowledge", "cancel", "notes"):
        response = act(client, created, step, reply="x", reason="x", internal_note="x")
        assert (response.status_code, response.json()) == (404, NOT_FOUND), step
    assert client.get(REQUESTS, {"queue": "all"}).json()["count"] == 0
    assert ServiceRequest.objects.get().version == 1


def test_emergency_steps_are_ticked_through_the_api(desk, household):
    """000 篇3 §4.2.1 c: a carer is never alone with the patient — the relative is recorded."""
    body = repair_body(household, category="a_medical", emergency_help=["nursing"])
    r = post(desk, REQUESTS, body).json()
    steps = {s["code"]: s for s in r["emergency_steps"]}
    assert list(steps) == ["carer_assigned", "relative_present", "duty_officer_inspected"]
    url = f"{REQUESTS}{r['id']}/emergency-steps/{steps['relative_present']['id']}/done/"
    refused = post(desk, url, {})
    assert refused.status_code == 400 and list(refused.json()["detail"]) == ["detail"]
    done = post(desk, url, {"detail": "女儿张丽"})
    assert done.status_code == 200
    step = {s["code"]: s for s in done.json()["emergency_steps"]}["relative_present"]
    assert step["done_at"] and step["detail"] == "女儿张丽" and step["done_by_name"] == "张婷"
    # A step of another request is as missing under this one as an unknown step.
    second = post(desk, REQUESTS, body).json()
    foreign_step = second["emergency_steps"][0]["id"]
    for step_id in (foreign_step, 999999):
        url = f"{REQUESTS}{r['id']}/emergency-steps/{step_id}/done/"
        assert post(desk, url, {"detail": "x"}).json() == NOT_FOUND


# --- What a resident sees -----------------------------------------------------------------------


def test_a_resident_sees_their_request_without_internal_notes(desk, created, household):
    r = ok(act(desk, created, "notes", internal_note="住户曾多次投诉,注意语气"))
    r = ok(act(desk, r, "notes", public_note="师傅下午三点上门"))
    ok(act(desk, r, "reply", reply="已安排维修"))
    resident = api_client(make_resident_account(household, "张小伟"))

    listed = resident.get(REQUESTS, {"queue": "all"}).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    detail = resident.get(f"{REQUESTS}{created['id']}/").json()
    assert "住户曾多次投诉" not in str(detail)
    assert [e["public_note"] for e in detail["timeline"] if e["public_note"]] == [
        "师傅下午三点上门",
        "已安排维修",
    ]
    assert all(e["internal_note"] is None and e["actor_name"] is None for e in detail["timeline"])
    assert detail["deadlines"] is None and detail["result"] is None
    staff_view = desk.get(f"{REQUESTS}{created['id']}/").json()
    assert "住户曾多次投诉,注意语气" in [e["internal_note"] for e in staff_view["timeline"]]


def test_a_resident_cannot_see_or_touch_other_households_requests(desk, created, household):
    neighbour = make_household(household.unit.building, "1501", residents=[owner("邻居")])
    theirs = post(desk, REQUESTS, repair_body(neighbour)).json()
    resident = api_client(make_resident_account(household))
    response = resident.get(f"{REQUESTS}{theirs['id']}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert act(resident, theirs, "notes", public_note="x").status_code == 404
    assert [r["id"] for r in resident.get(REQUESTS).json()["results"]] == [created["id"]]
    # Their own request: reading yes, staff steps no, intake no (no add permission).
    assert act(resident, created, "reply", reply="x").status_code == 403
    assert post(resident, REQUESTS, repair_body(household)).status_code == 403


# --- The queue ----------------------------------------------------------------------------------


def test_queue_filters(desk, household, office):
    ok_ = post(desk, REQUESTS, repair_body(household))
    fire = post(
        desk,
        REQUESTS,
        {
            "category": "f_disaster",
            "channel": "phone",
            "description": "楼道冒烟",
            "location": "5栋",
        },
    )
    ids = {"repair": ok_.json()["id"], "fire": fire.json()["id"]}

    def listed(**params):
        response = desk.get(REQUESTS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert listed() == set(ids.values())
    assert listed(special_only="true") == {ids["fire"]}
    assert listed(category="b_repair") == {ids["repair"]}
    assert listed(q="冒烟") == {ids["fire"]}
    assert listed(q="5678") == {ids["repair"]}  # the end of the contact phone
    assert listed(building=household.unit.building_id) == {ids["repair"]}
    assert listed(queue="mine") == set()
    today = timezone.localdate()
    assert listed(received_from=today.isoformat(), received_to=today.isoformat()) == set(
        ids.values()
    )
    bad = desk.get(REQUESTS, {"queue": "everything"})
    assert bad.status_code == 400 and bad.json()["message"].startswith("queue: ")


def test_queue_runs_a_fixed_number_of_queries(
    desk, household, engineering, technician, django_assert_num_queries
):
    """A page of 25 rows costs what a page of 3 does (assignees' names in one query)."""

    def add(count):
        for _ in range(count):
            r = post(desk, REQUESTS, repair_body(household)).json()
            ok(act(desk, r, "dispatch", department=engineering.pk, assignee=technician.pk))

    add(3)
    desk.get(REQUESTS)  # warm the content-type cache, the user's scope and permissions
    # token+user, count, the page, the assignees' names (scope and permissions are cached for
    # AUTHZ_CACHE_SECONDS, organization/scoping.py)
    with django_assert_num_queries(4):
        assert len(desk.get(REQUESTS).json()["results"]) == 3
    add(22)
    with django_assert_num_queries(4):
        rows = desk.get(REQUESTS).json()["results"]
    assert len(rows) == 25
    assert {row["assignee"]["name"] for row in rows} == {"何师傅"}


def test_schema_has_the_requests_endpoints_and_no_warnings(db, tmp_path):
    response = api_client().get("/api/schema/")
    assert b"/api/v1/requests/{id}/emergency-steps/{step_id}/done/" in response.content
    assert b"Idempotency-Key" in response.content
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_a_resident_confirms_the_result_in_the_app(desk, created, household):
    """The resident's own confirmation (portal) is the one step a resident account may take."""
    resolved = ok(act(desk, created, "resolve", result="更换阀芯", public_note="已修好"))
    resident = api_client(make_resident_account(household))
    assert act(resident, resolved, "confirm", confirmation_channel="phone").status_code == 403
    confirmed = ok(act(resident, resolved, "confirm", confirmation_channel="portal"))
    assert confirmed["status"] == "confirmed" and confirmed["result"] is None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "received_from=2026-11-30&received_to=2026-11-01",
            "received_from",
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ("received_from=2026-11-31", "received_from", "起始日期“2026-11-31”无法识别"),
        ("received_to=tomorrow", "received_to", "结束日期“tomorrow”无法识别"),
    ],
)
def test_the_queue_refuses_a_reversed_or_unreadable_period(desk, created, query, field, message):
    """A period that ends before it starts is refused, not answered with an empty list; an
    unreadable date says so in Chinese; both name the field (core.periods)."""
    response = desk.get(f"{REQUESTS}?queue=all&{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_period" and message in body["message"]
    assert list(body["detail"]) == [field] and message in body["detail"][field][0]
    assert "results" not in body
