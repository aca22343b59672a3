"""Free text at each lifecycle step has a limit (service_requests.models NOTE_MAX_LENGTH for
replies, results, notes, what the resident was told, confirmation and visit comments;
REASON_MAX_LENGTH for reasons). The service refuses longer text, naming the field and the limit,
before anything is written — the console and the API the same way; nothing is cut. SOP.md §2:
every step is kept on the register as it was recorded (事事有着落,件件有回音)."""

import datetime

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client
from service_requests import services
from service_requests.choices import Category, Channel, Status
from service_requests.models import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, ServiceRequest
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)
LATER = NOW + datetime.timedelta(minutes=30)
NOTE_OVER = "漏" * (NOTE_MAX_LENGTH + 1)
REASON_OVER = "因" * (REASON_MAX_LENGTH + 1)


def minutes(n):
    return NOW + datetime.timedelta(minutes=n)


@pytest.fixture
def repair(office, household, receptionist):
    return request_intake(
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


def resolved(request, actor):
    services.request_resolve(
        actor=actor, request=request, version=request.version, result="已修好", now=minutes(10)
    )
    return request


def confirmed(request, actor):
    resolved(request, actor)
    services.request_confirm(
        actor=actor, request=request, version=request.version, channel="phone", now=minutes(20)
    )
    return request


def state(request) -> tuple:
    request = ServiceRequest.objects.get(pk=request.pk)
    return (request.status, request.version, request.result, request.events.count())


# (step, field, label, limit, prepare, call)
STEPS = [
    (
        "reply",
        "reply",
        "答复内容",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_reply(
            actor=u, request=r, version=r.version, reply=text, now=LATER
        ),
    ),
    (
        "dispatch",
        "note",
        "派工说明",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, e: services.request_dispatch(
            actor=u, request=r, version=r.version, department=e, note=text, now=LATER
        ),
    ),
    (
        "appointment",
        "reason",
        "更改原因",
        REASON_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_set_appointment(
            actor=u,
            request=r,
            version=r.version,
            promised_at=NOW + datetime.timedelta(days=1),
            reason=text,
            now=LATER,
        ),
    ),
    (
        "resolve result",
        "result",
        "处理结果",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_resolve(
            actor=u, request=r, version=r.version, result=text, now=LATER
        ),
    ),
    (
        "resolve, what the resident is told",
        "public_note",
        "告知住户",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_resolve(
            actor=u, request=r, version=r.version, result="已修好", public_note=text, now=LATER
        ),
    ),
    (
        "confirmation note",
        "note",
        "备注",
        NOTE_MAX_LENGTH,
        resolved,
        lambda r, u, text, _e: services.request_confirm(
            actor=u, request=r, version=r.version, channel="phone", note=text, now=LATER
        ),
    ),
    (
        "visit comment",
        "comment",
        "住户意见",
        NOTE_MAX_LENGTH,
        resolved,
        lambda r, u, text, _e: services.request_follow_up(
            actor=u, request=r, version=r.version, satisfaction="unsatisfied", comment=text
        ),
    ),
    (
        "close note",
        "note",
        "备注",
        NOTE_MAX_LENGTH,
        confirmed,
        lambda r, u, text, _e: services.request_close(
            actor=u, request=r, version=r.version, note=text, now=LATER
        ),
    ),
    (
        "reopen",
        "reason",
        "重新打开原因",
        REASON_MAX_LENGTH,
        resolved,
        lambda r, u, text, _e: services.request_reopen(
            actor=u, request=r, version=r.version, reason=text, now=LATER
        ),
    ),
    (
        "supervisor report",
        "note",
        "报告内容",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_report_to_supervisor(
            actor=u, request=r, note=text, now=LATER
        ),
    ),
    (
        "internal note",
        "internal_note",
        "内部备注",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_add_note(
            actor=u, request=r, internal_note=text, now=LATER
        ),
    ),
    (
        "note for the resident",
        "public_note",
        "告知住户",
        NOTE_MAX_LENGTH,
        None,
        lambda r, u, text, _e: services.request_add_note(
            actor=u, request=r, public_note=text, now=LATER
        ),
    ),
]


@pytest.mark.parametrize(
    ("field", "label", "limit", "prepare", "call"),
    [step[1:] for step in STEPS],
    ids=[step[0] for step in STEPS],
)
def test_over_long_text_is_refused_naming_the_field_and_nothing_is_written(
    repair, manager, engineering, field, label, limit, prepare, call
):
    if prepare:
        prepare(repair, manager)
    repair.refresh_from_db()
    before = state(repair)
    with pytest.raises(ApplicationError) as exc:
        call(repair, manager, "x" * (limit + 1), engineering)
    message = f"{label}不能超过{limit}字,现有{limit + 1}字"
    assert exc.value.message == message
    assert exc.value.field_errors == {field: [message]}
    assert state(repair) == before
    # At the limit it is taken, whole.
    repair.refresh_from_db()
    call(repair, manager, " " + "x" * limit + " ", engineering)
    assert state(repair) != before


def test_the_refer_text_for_the_resident_is_limited(repair, receptionist, emergency_center):
    before = state(repair)
    with pytest.raises(ApplicationError, match=f"已告知住户不能超过{NOTE_MAX_LENGTH}字") as exc:
        services.request_refer(
            actor=receptionist,
            request=repair,
            version=repair.version,
            party=emergency_center,
            resident_told=NOTE_OVER,
        )
    assert list(exc.value.field_errors) == ["resident_told"]
    assert state(repair) == before


def test_a_cancel_reason_is_kept_whole_or_refused_never_cut(repair, supervisor):
    """Before, the reason was cut to 200 characters in the column (the timeline kept it
    whole); the column now holds REASON_MAX_LENGTH and a longer reason is refused."""
    before = state(repair)
    with pytest.raises(ApplicationError, match=f"撤销原因不能超过{REASON_MAX_LENGTH}字") as exc:
        services.request_cancel(
            actor=supervisor, request=repair, version=repair.version, reason=REASON_OVER
        )
    assert list(exc.value.field_errors) == ["reason"]
    assert state(repair) == before
    reason = "住户来电撤销:" + "邻居已帮忙修好," * 40
    assert 200 < len(reason) <= REASON_MAX_LENGTH
    services.request_cancel(actor=supervisor, request=repair, version=repair.version, reason=reason)
    assert ServiceRequest.objects.get(pk=repair.pk).cancel_reason == reason


def test_the_answer_given_at_intake_is_limited_too(office, household, receptionist):
    with pytest.raises(ApplicationError, match=f"当场答复不能超过{NOTE_MAX_LENGTH}字") as exc:
        request_intake(
            actor=receptionist,
            office=office,
            data=IntakeData(
                category=Category.CONSULTATION,
                channel=Channel.PHONE,
                description="咨询物业费缴费方式",
                household=household,
                reply_now=NOTE_OVER,
            ),
        )
    assert "reply_now" in exc.value.field_errors
    assert not ServiceRequest.objects.exists()


# --- Console and API agree ------------------------------------------------------------------------


def test_console_refuses_an_over_long_result_and_cancel_reason_in_chinese(
    client, repair, supervisor
):
    assert client.login(username=supervisor.username, password=PASSWORD)
    before = state(repair)
    url = reverse("service_requests:request_action", args=[repair.pk, "resolve"])
    page = client.post(
        url, {"resolve-version": repair.version, "resolve-result": NOTE_OVER}
    ).content.decode()
    assert f"处理结果不能超过{NOTE_MAX_LENGTH}字,现有{NOTE_MAX_LENGTH + 1}字" in page
    url = reverse("service_requests:request_action", args=[repair.pk, "cancel"])
    page = client.post(
        url, {"cancel-version": repair.version, "cancel-reason": REASON_OVER}
    ).content.decode()
    assert f"撤销原因不能超过{REASON_MAX_LENGTH}字,现有{REASON_MAX_LENGTH + 1}字" in page
    assert state(repair) == before


def test_api_refuses_over_long_text_with_code_message_and_field(repair, receptionist):
    desk = api_client(receptionist)
    url = f"/api/v1/requests/{repair.pk}/"
    before = state(repair)
    response = desk.post(
        f"{url}resolve/",
        {"version": repair.version, "result": "已修好", "public_note": NOTE_OVER},
        format="json",
    )
    message = f"告知住户不能超过{NOTE_MAX_LENGTH}字,现有{NOTE_MAX_LENGTH + 1}字"
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": message,
        "detail": {"public_note": [message]},
    }
    response = desk.post(f"{url}notes/", {"internal_note": NOTE_OVER}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "internal_note": [f"内部备注不能超过{NOTE_MAX_LENGTH}字,现有{NOTE_MAX_LENGTH + 1}字"]
    }
    assert state(repair) == before
    assert ServiceRequest.objects.get(pk=repair.pk).status == Status.RECEIVED
