"""A medical emergency is finished only with its checklist (SOP.md §2 急救; 000 篇3 §4.2.1):
every step is recorded — done, or recorded as not needed with its reason — before the request
is resolved, closed or referred; for short-term nursing a relative stays, a carer is never
alone with the patient (§4.2.1 c). The office may turn the rule off
(`emergency.checklist_before_resolve`)."""

import datetime

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, api_client
from policies.services import policy_update
from service_requests import services
from service_requests.choices import Category, Channel, EventType, Status
from service_requests.emergency import emergency_step_done, emergency_step_skip
from service_requests.models import EmergencyStep, RequestEvent, ServiceRequest
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at, medical_intake

NOW = at(2026, 11, 23, 10, 0)
REQUESTS = "/api/v1/requests/"


def minutes(n):
    return NOW + datetime.timedelta(minutes=n)


def medical(office, household, actor, *branches):
    return medical_intake(office, household, actor, *branches, now=NOW)


def step(request, code) -> EmergencyStep:
    return request.emergency_steps.get(code=code)


def written(request) -> tuple:
    """What a refusal must leave as it was."""
    request = ServiceRequest.objects.get(pk=request.pk)
    return (
        request.status,
        request.version,
        request.resolved_at,
        request.closed_at,
        RequestEvent.objects.filter(request=request).count(),
    )


def resolve(actor, request, **kwargs):
    request.refresh_from_db()
    return services.request_resolve(
        actor=actor,
        request=request,
        version=request.version,
        result="已由120送医",
        now=minutes(30),
        **kwargs,
    )


def test_a_nursing_case_is_not_resolved_while_no_relative_is_recorded(
    office, household, receptionist
):
    """000 篇3 §4.2.1(c): the carer is never alone with the patient. The refusal names the open
    steps (the relative who stays among them) and writes nothing."""
    request = medical(office, household, receptionist, "nursing")
    emergency_step_done(
        actor=receptionist, step=step(request, "carer_assigned"), detail="保安王强", now=minutes(5)
    )
    before = written(request)
    with pytest.raises(ApplicationError) as exc:
        resolve(receptionist, request)
    assert exc.value.code == "emergency_steps_open"
    assert "急救步骤尚未完成,不能登记处理结果" in exc.value.message
    assert "短时护理:病人亲属在场陪同(护理人员不得单独与病人在一起)" in exc.value.message
    assert "保安值班干部到场巡查" in exc.value.message
    assert "保安班长安排护理人员" not in exc.value.message  # done
    assert "SOP.md §2 急救" in exc.value.message
    assert [s["code"] for s in exc.value.extra["open_steps"]] == [
        "relative_present",
        "duty_officer_inspected",
    ]
    assert written(request) == before


def test_every_step_done_or_not_needed_lets_the_case_be_resolved_and_closed(
    office, household, receptionist
):
    request = medical(office, household, receptionist, "nursing")
    emergency_step_done(
        actor=receptionist, step=step(request, "carer_assigned"), detail="保安王强", now=minutes(5)
    )
    emergency_step_done(
        actor=receptionist,
        step=step(request, "relative_present"),
        detail="女儿张丽",
        now=minutes(6),
    )
    emergency_step_skip(
        actor=receptionist,
        step=step(request, "duty_officer_inspected"),
        reason="护理半小时即由家属接手,无需巡查",
        now=minutes(7),
    )
    resolve(receptionist, request)
    assert request.status == Status.RESOLVED
    services.request_confirm(
        actor=receptionist, request=request, version=request.version, channel="phone"
    )
    services.request_close(actor=receptionist, request=request, version=request.version)
    assert request.status == Status.CLOSED


def test_a_step_recorded_as_not_needed_needs_its_reason_and_is_on_the_timeline(
    office, household, receptionist
):
    request = medical(office, household, receptionist, "call_120")
    gate = step(request, "gate_ready")
    for reason in ("", "   "):
        with pytest.raises(ApplicationError, match="请填写不需要此步骤的原因") as exc:
            emergency_step_skip(actor=receptionist, step=gate, reason=reason)
        assert list(exc.value.field_errors) == ["reason"]
    with pytest.raises(ApplicationError, match="原因不能超过200字,现有201字"):
        emergency_step_skip(actor=receptionist, step=gate, reason="x" * 201)
    gate.refresh_from_db()
    assert gate.skipped_at is None and gate.skip_reason == ""
    assert not request.events.filter(type=EventType.EMERGENCY_STEP_SKIPPED).exists()

    emergency_step_skip(actor=receptionist, step=gate, reason="住户自行驾车送医", now=minutes(3))
    gate.refresh_from_db()
    assert (gate.skipped_at, gate.skipped_by, gate.skip_reason) == (
        minutes(3),
        receptionist,
        "住户自行驾车送医",
    )
    assert gate.done_at is None  # not done: recorded as not needed
    event = request.events.get(type=EventType.EMERGENCY_STEP_SKIPPED)
    assert (event.actor, event.internal_note, event.data["step"]) == (
        receptionist,
        "住户自行驾车送医",
        "gate_ready",
    )
    # Recorded once: neither ticked nor recorded again afterwards.
    with pytest.raises(ApplicationError, match="该步骤已登记为不需要"):
        emergency_step_done(actor=receptionist, step=gate)
    with pytest.raises(ApplicationError, match="该步骤已登记为不需要"):
        emergency_step_skip(actor=receptionist, step=gate, reason="再次")
    done = step(request, "called_120")
    emergency_step_done(actor=receptionist, step=done)
    with pytest.raises(ApplicationError, match="该步骤已完成"):
        emergency_step_skip(actor=receptionist, step=done, reason="x")


def test_only_those_who_may_tick_steps_record_one_as_not_needed(
    office, household, receptionist, technician
):
    """The technician of a department the case was not dispatched to may not touch it."""
    request = medical(office, household, receptionist, "nursing")
    carer = step(request, "carer_assigned")
    with pytest.raises(PermissionDeniedError, match="登记急救步骤"):
        emergency_step_skip(actor=technician, step=carer, reason="不需要")
    carer.refresh_from_db()
    assert carer.skipped_at is None


def test_closing_or_referring_is_refused_while_steps_are_open(
    office, household, receptionist, emergency_center
):
    """A case resolved before the rule existed (its steps left open) is not closed; a referral
    ends the request like a close and is refused too."""
    request = medical(office, household, receptionist, "call_120")
    ServiceRequest.objects.filter(pk=request.pk).update(status=Status.CONFIRMED)
    request.refresh_from_db()
    before = written(request)
    with pytest.raises(ApplicationError, match="急救步骤尚未完成,不能关闭") as exc:
        services.request_close(actor=receptionist, request=request, version=request.version)
    assert "拨打120:了解病情后帮助拨打120" in exc.value.message
    assert written(request) == before

    other = medical(office, household, receptionist, "escort")
    before = written(other)
    with pytest.raises(ApplicationError, match="不能转介外部单位") as exc:
        services.request_refer(
            actor=receptionist,
            request=other,
            version=other.version,
            party=emergency_center,
            resident_told="已联系120急救中心",
        )
    assert "送医院:通知保安部安排两名人员待命" in exc.value.message
    assert written(other) == before


def test_an_office_that_turned_the_rule_off_resolves_with_open_steps(
    office, household, receptionist, manager
):
    """The rule is the office's policy (SOP.md: every rule a policy default), read from the
    version the request was opened under."""
    policy_update(
        actor=manager,
        office=office,
        changes={"emergency.checklist_before_resolve": False},
        note="本处急救步骤由保安部另行登记",
    )
    request = medical(office, household, receptionist, "nursing")
    resolve(receptionist, request)
    assert request.status == Status.RESOLVED


def test_other_categories_are_not_held_by_a_checklist(office, household, receptionist):
    repair = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
        ),
        now=NOW,
    )
    resolve(receptionist, repair)
    assert repair.status == Status.RESOLVED


# --- Console -----------------------------------------------------------------------------------


def test_console_refuses_to_resolve_naming_the_open_steps_then_records_not_needed(
    client, office, household, receptionist
):
    request = medical(office, household, receptionist, "nursing")
    assert client.login(username=receptionist.username, password=PASSWORD)
    before = written(request)
    response = client.post(
        reverse("service_requests:request_action", args=[request.pk, "resolve"]),
        {"resolve-version": request.version, "resolve-result": "已护理完毕"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "急救步骤尚未完成,不能登记处理结果" in page
    assert "病人亲属在场陪同" in page
    assert written(request) == before

    inspection = step(request, "duty_officer_inspected")
    url = reverse("service_requests:emergency_step_skip", args=[request.pk, inspection.pk])
    refused = client.post(url, {"reason": ""})
    assert "请填写不需要此步骤的原因" in refused.content.decode()
    inspection.refresh_from_db()
    assert inspection.skipped_at is None
    page = client.post(url, {"reason": "家属全程陪同,无需巡查"}, follow=True).content.decode()
    assert "已登记不需要" in page and "家属全程陪同,无需巡查" in page
    inspection.refresh_from_db()
    assert inspection.skipped_by == receptionist


# --- API ---------------------------------------------------------------------------------------


def test_api_refuses_to_resolve_with_open_steps_and_records_not_needed(
    office, household, receptionist
):
    desk = api_client(receptionist)
    body = {
        "category": "a_medical",
        "channel": "phone",
        "description": "老人晕倒",
        "household": household.pk,
        "contact_phone": "13812345678",
        "emergency_help": ["nursing"],
    }
    created = desk.post(REQUESTS, body, format="json").json()
    assert created["emergency_steps"][0]["skipped_at"] is None
    url = f"{REQUESTS}{created['id']}/"
    refused = desk.post(
        f"{url}resolve/", {"version": created["version"], "result": "已处理"}, format="json"
    )
    assert refused.status_code == 400
    error = refused.json()
    assert error["code"] == "emergency_steps_open"
    assert "病人亲属在场陪同" in error["message"]
    assert [s["code"] for s in error["detail"]["open_steps"]] == [
        "carer_assigned",
        "relative_present",
        "duty_officer_inspected",
    ]
    assert ServiceRequest.objects.get(pk=created["id"]).status == Status.RECEIVED

    ids = {s["code"]: s["id"] for s in created["emergency_steps"]}
    missing = desk.post(f"{url}emergency-steps/{ids['carer_assigned']}/skip/", {}, format="json")
    assert missing.status_code == 400 and list(missing.json()["detail"]) == ["reason"]
    for code in ids:
        r = desk.post(
            f"{url}emergency-steps/{ids[code]}/skip/",
            {"reason": "120已将病人送医,无需护理"},
            format="json",
        )
        assert r.status_code == 200, r.json()
    skipped = r.json()["emergency_steps"][-1]
    assert skipped["skipped_at"] and skipped["skipped_by_name"] == "张婷"
    assert skipped["skip_reason"] == "120已将病人送医,无需护理" and skipped["done_at"] is None
    detail = desk.get(url).json()
    resolved = desk.post(
        f"{url}resolve/", {"version": detail["version"], "result": "已处理"}, format="json"
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == Status.RESOLVED


def test_the_rule_is_an_office_policy_with_its_clause(office):
    from policies.rules import RULES
    from policies.selectors import policy_for_office

    rule = RULES["emergency.checklist_before_resolve"]
    assert rule.kind == "boolean" and rule.default is True
    assert rule.clause.startswith("SOP.md §2 急救") and "000 篇3 §4.2.1" in rule.clause
    assert policy_for_office(office).value(rule.key).value is True


def test_a_cancelled_emergency_takes_no_more_step_records(
    office, household, receptionist, supervisor
):
    """SOP.md §2 记录: a cancelled (or closed, referred) request's checklist is kept as it
    ended; ticking or skipping a step afterwards is refused and writes nothing."""
    request = medical(office, household, receptionist, "call_120")
    request.refresh_from_db()
    services.request_cancel(
        actor=supervisor,
        request=request,
        version=request.version,
        reason="重复来电",
        now=minutes(5),
    )
    open_step = request.emergency_steps.filter(done_at__isnull=True).first()
    before = written(request)
    with pytest.raises(ApplicationError, match="不能再登记急救步骤"):
        emergency_step_done(actor=receptionist, step=open_step, detail="", now=minutes(6))
    with pytest.raises(ApplicationError, match="不能再登记急救步骤"):
        emergency_step_skip(actor=receptionist, step=open_step, reason="已取消", now=minutes(6))
    open_step.refresh_from_db()
    assert open_step.done_at is None and open_step.skipped_at is None
    assert written(request) == before
