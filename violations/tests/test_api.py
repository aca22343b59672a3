"""Resident violations through the API (issue #6): the scoped register with its filters, one
case on its ladder, registering a case, and recording a step through the same services the
console uses — a penalty by a role the policy does not name is a 403 naming who may sign, a
utility cut without its notice a 400 naming it, and neither writes anything."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.testing import api_client, make_building, make_household, make_staff, owner
from violations.choices import Kind, Measure, Severity, SubKind
from violations.models import CaseEvent, CaseMeasure, ViolationCase, ViolationNotice
from violations.tests.conftest import register

VIOLATIONS = "/api/v1/violations/"
NOT_FOUND = {"code": "not_found", "message": "未找到该记录", "detail": None}


def written() -> tuple[int, ...]:
    return (
        ViolationCase.objects.count(),
        CaseMeasure.objects.count(),
        CaseEvent.objects.count(),
        ViolationNotice.objects.count(),
    )


def now_register(actor, office, household, **kw):
    return register(actor, office, household, now=timezone.now(), **kw)


def step(client, case, **body):
    body.setdefault("reason", "多次劝导无效")
    return client.post(f"{VIOLATIONS}{case.pk}/steps/", body, format="json")


@pytest.fixture
def fee_case(receptionist, office, household):
    return now_register(
        receptionist,
        office,
        household,
        sub_kind=SubKind.FEE_REFUSAL,
        description="拒交物业服务费八个月",
        harms_office_finances=True,
        arrears_amount=Decimal("2360.00"),
    )


def test_the_register_is_scoped_and_filtered(
    receptionist, outsider, office, other_office, estate, household
):
    mine = now_register(receptionist, office, household)
    other_building = make_household(make_building(estate, "5"), "301", residents=[owner("李雷")])
    major = now_register(receptionist, office, other_building, harms_public_safety=True)
    theirs_home = make_household(
        make_building(make_estate_of(other_office), "1"), "101", residents=[owner("韩梅")]
    )
    now_register(outsider, other_office, theirs_home)

    client = api_client(receptionist)
    rows = client.get(VIOLATIONS).json()["results"]
    assert {row["id"] for row in rows} == {mine.pk, major.pk}
    major_rows = client.get(VIOLATIONS, {"severity": Severity.MAJOR}).json()["results"]
    assert [row["id"] for row in major_rows] == [major.pk]
    in_building = client.get(VIOLATIONS, {"building": household.unit.building_id}).json()
    assert [row["id"] for row in in_building["results"]] == [mine.pk]
    fees = client.get(VIOLATIONS, {"kind": Kind.FEE_REFUSAL, "status": "open"}).json()
    assert fees["count"] == 0
    bad = client.get(VIOLATIONS, {"severity": "huge"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def make_estate_of(office):
    from core.testing import make_estate

    return make_estate(office, "翠湖花园")


def test_register_through_the_api_and_read_the_case(receptionist, household):
    client = api_client(receptionist)
    response = client.post(
        VIOLATIONS,
        {
            "household": household.pk,
            "sub_kind": SubKind.HYGIENE_HOARDING,
            "place": "3栋2单元楼道",
            "occurred_at": (timezone.now() - timezone.timedelta(hours=1)).isoformat(),
            "description": "楼道堆放纸箱和旧家具,堵塞通行",
            "reported_by": "保安 王强",
            "persuaded_on_site": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    case = ViolationCase.objects.get()
    assert body["id"] == case.pk and body["number"] == case.number
    assert body["severity"] == Severity.GENERAL and body["status"] == "open"
    assert [m["kind"] for m in body["measures"]] == [Measure.PERSUASION]
    assert [rung["kind"] for rung in body["ladder"]][:2] == [
        Measure.PERSUASION,
        Measure.RECTIFICATION,
    ]
    assert body["ladder"][0]["done"] and body["ladder"][0]["current"]
    assert body["ladder"][1]["signed_by"] == "管理处经理"
    assert "限期整改" in body["next_step"] and "管理处经理" in body["next_step"]
    assert body["measures_offered"] == [{"kind": "persuasion", "label": "即时劝导、教育"}]
    assert body["timeline"][0]["type"] == "case_registered"
    assert client.get(f"{VIOLATIONS}{case.pk}/").json() == body

    missing = client.post(
        VIOLATIONS, {"household": household.pk, "sub_kind": "hygiene_order.litter"}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["message"] in {"请填写地点", "请填写发现时间", "请填写违章情况"}
    assert ViolationCase.objects.count() == 1


def test_a_household_of_another_office_is_refused_like_a_missing_one(outsider, household):
    response = api_client(outsider).post(
        VIOLATIONS, {"household": household.pk, "sub_kind": "hygiene_order.litter"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == {"household": ["住户不存在"]}
    assert not ViolationCase.objects.exists()


@pytest.mark.parametrize("role", ["cs_staff", "security_shift_leader"])
def test_a_penalty_by_a_role_the_policy_does_not_name_is_403_and_writes_nothing(
    role, receptionist, office, household
):
    case = now_register(receptionist, office, household, harms_residents=True)
    actor = make_staff(role, offices=[office])
    before = written()
    response = step(api_client(actor), case, kind=Measure.COMPENSATION, amount="200.00")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "须经管理处经理签署后生效" in body["message"]
    assert body["detail"] == {"missing": ["signature"]}
    assert written() == before


def test_a_security_guard_without_the_register_is_refused_too(receptionist, office, household):
    case = now_register(receptionist, office, household)
    guard = make_staff("security_guard", offices=[office])
    before = written()
    response = step(api_client(guard), case, kind=Measure.PUBLIC_CRITICISM)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert written() == before


def test_persuasion_by_anyone_and_a_penalty_signed_by_the_manager(
    receptionist, manager, office, household
):
    case = now_register(receptionist, office, household)
    persuaded = step(api_client(receptionist), case, kind=Measure.PERSUASION, outcome="答应清理")
    assert persuaded.status_code == 201
    deadline = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    signed = step(api_client(manager), case, kind=Measure.RECTIFICATION, deadline=deadline)
    assert signed.status_code == 201, signed.json()
    measures = signed.json()["measures"]
    assert [m["kind"] for m in measures] == [Measure.PERSUASION, Measure.RECTIFICATION]
    assert measures[1]["decided_as"] == "office_manager"
    assert measures[1]["notice"] == signed.json()["notices"][0]["id"]


def test_a_utility_cut_without_its_notice_is_400_naming_it_and_writes_nothing(
    fee_case, manager, covenant
):
    before = written()
    response = step(api_client(manager), fee_case, kind=Measure.UTILITY_CUT)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "prerequisite_missing"
    assert body["message"].startswith("不能停水停电,缺少:")
    assert "停水停电书面通知尚未送达住户" in body["message"]
    assert "本小区《业主公约》" not in body["message"]  # the covenant clause is recorded
    assert any("书面通知" in item for item in body["detail"]["missing"])
    assert written() == before


def test_another_offices_case_is_the_same_404_as_a_missing_one(
    receptionist, manager, outsider, office, household
):
    case = now_register(receptionist, office, household)
    client = api_client(make_staff("office_manager", offices=[outsider.staff.offices.get()]))
    for path in (f"{VIOLATIONS}{case.pk}/", f"{VIOLATIONS}999999/"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    before = written()
    for pk in (case.pk, 999999):
        response = client.post(
            f"{VIOLATIONS}{pk}/steps/", {"kind": "persuasion", "reason": "x"}, format="json"
        )
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert written() == before
    assert case.pk not in {row["id"] for row in client.get(VIOLATIONS).json()["results"]}


def test_schema_has_the_violations_endpoints_and_no_warnings(db, tmp_path):
    response = api_client().get("/api/schema/")
    assert b"/api/v1/violations/{id}/steps/" in response.content
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
