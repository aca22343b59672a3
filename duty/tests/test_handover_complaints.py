"""Open 重大 complaints are important unfinished work: they block the handover (000 篇2 §4.2.2
重要的工作未处理完毕,不允许交班; SOP.md §3 重大投诉), as a policy-controlled part of the rule
(duty.important.major_complaints)."""

import datetime

import pytest
from django.utils import timezone

from complaints.choices import Emergency, Severity, Validity, ValidKind
from complaints.services import ComplaintData, complaint_judge, complaint_record
from core.exceptions import ApplicationError
from core.testing import make_office, make_staff
from duty import services
from duty.models import Handover, HandoverItem
from duty.tests.builders import make_post, make_shift
from policies.services import policy_update
from service_requests.choices import Category, Channel
from service_requests.services import IntakeData, request_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office()


@pytest.fixture
def a(office):
    return make_staff("cs_staff", offices=[office], name="王一")


@pytest.fixture
def b(office):
    return make_staff("cs_staff", offices=[office], name="赵二")


@pytest.fixture
def incoming(office, a, b):
    now = timezone.now()
    make_post(office)
    make_shift(office, starts_at=now - datetime.timedelta(hours=15), assignee=a)
    return make_shift(office, starts_at=now + datetime.timedelta(minutes=10), assignee=b)


def _complaint(actor, office, emergency=""):
    request = request_intake(
        actor=actor,
        office=office,
        data=IntakeData(category=Category.COMPLAINT, channel=Channel.PHONE, description="电梯困人"),
    )
    return complaint_record(
        actor=actor,
        request=request,
        data=ComplaintData(what_happened="电梯困人半小时无人处理", emergency=emergency),
    )


def _ready_to_sign(handover, a, b):
    items = {i.pk: (i.quantity, "") for i in handover.post.items.all()}
    services.handover_count(actor=b, handover=handover, counts=items)
    services.handover_log_read(actor=b, handover=handover)
    services.handover_area_check(actor=b, handover=handover, abnormal=False, note="")
    services.handover_outgoing_checklist(actor=a, handover=handover, note="")


def test_open_major_complaint_blocks_the_handover(office, a, b, incoming):
    """An emergency complaint is 重大 from reception (002 篇1 §2(6)); while it is open the
    outgoing officer may not hand over, and the refusal names it; nothing is signed."""
    major = _complaint(a, office, emergency=Emergency.LIFT_TRAPPED)
    assert major.severity == Severity.MAJOR
    handover = services.handover_start(actor=b, shift=incoming)
    assert HandoverItem.objects.get(handover=handover, service_request=major.request).important
    _ready_to_sign(handover, a, b)
    with pytest.raises(ApplicationError, match="不允许交班") as refused:
        services.handover_sign(actor=a, handover=handover)
    assert refused.value.code == "important_open_work"
    assert major.request.number in refused.value.message
    assert Handover.objects.get(pk=handover.pk).outgoing_signed_at is None


def test_complaint_judged_major_during_the_shift_blocks_too(office, a, b, incoming):
    """A complaint carried over as ordinary work and judged 重大 before the signatures blocks
    the handover as well."""
    complaint = _complaint(a, office)
    handover = services.handover_start(actor=b, shift=incoming)
    assert not HandoverItem.objects.get(handover=handover).important
    complaint_judge(
        actor=a,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=Severity.MAJOR,
    )
    _ready_to_sign(handover, a, b)
    with pytest.raises(ApplicationError, match="不允许交班"):
        services.handover_sign(actor=a, handover=handover)


def test_office_policy_can_leave_major_complaints_out(office, a, b, incoming):
    """duty.important.major_complaints switched off: the open 重大 complaint is carried over
    but does not block."""
    manager = make_staff("office_manager", offices=[office], name="王经理")
    policy_update(
        actor=manager,
        office=office,
        changes={"duty.important.major_complaints": False},
        note="重大投诉由经理跟进",
    )
    major = _complaint(a, office, emergency=Emergency.FIRE)
    handover = services.handover_start(actor=b, shift=incoming)
    assert not HandoverItem.objects.get(handover=handover, service_request=major.request).important
    _ready_to_sign(handover, a, b)
    services.handover_sign(actor=a, handover=handover)
    assert Handover.objects.get(pk=handover.pk).outgoing_signed_at is not None
