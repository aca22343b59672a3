"""Registering a violation (SOP.md §8; 000 篇6 §4.4.2, 篇8 §4.3.7, §4.5.2): general vs major from
the three questions, who is told, photos checked by content, the 协调单 and its register, and
refusals that change nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.authz import ObjectNotFoundError
from core.exceptions import ApplicationError, PermissionDeniedError
from notifications.models import OutboxMessage
from violations import services
from violations.choices import EventType, Kind, Measure, Severity, SubKind
from violations.models import CaseEvent, CasePhoto, CoordinationSlip, ViolationCase
from violations.tests.conftest import NOW, PNG, register


def test_a_case_with_no_harm_is_general_and_goes_to_the_supervisor(
    receptionist, supervisor, manager, office, household
):
    """000 篇8 §4.3.7 (一般违章), §4.5.2(b): general → the supervisor."""
    case = register(receptionist, office, household)
    assert case.severity == Severity.GENERAL and case.kind == Kind.HYGIENE_ORDER
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {supervisor.pk}
    assert list(case.events.values_list("type", flat=True)) == [EventType.CASE_REGISTERED]


@pytest.mark.parametrize(
    "harm", ["harms_residents", "harms_office_finances", "harms_public_safety"]
)
def test_any_harm_makes_it_major_and_goes_to_the_manager(
    harm, receptionist, supervisor, manager, office, household
):
    """000 篇8 §4.3.7 (其他违规均视为重大违章), §4.5.2(a): major → the office manager."""
    case = register(receptionist, office, household, **{harm: True})
    assert case.severity == Severity.MAJOR
    assert set(OutboxMessage.objects.values_list("recipient", flat=True)) == {manager.pk}


def test_persuaded_on_site_is_the_first_step(receptionist, office, household):
    """000 篇4 §4.4.1: whoever sees it persuades at once, then reports it."""
    case = register(
        receptionist, office, household, sub_kind=SubKind.FEE_REFUSAL, persuaded_on_site=True
    )
    assert list(case.measures.values_list("kind", flat=True)) == [Measure.FEE_URGE]


def test_bad_input_is_refused_and_changes_nothing(receptionist, office, household):
    with pytest.raises(ApplicationError) as error:
        register(receptionist, office, household, place=" ", description="", sub_kind="x")
    assert set(error.value.field_errors) == {"place", "description", "sub_kind"}
    with pytest.raises(ApplicationError, match="不能晚于现在"):
        register(receptionist, office, household, occurred_at=NOW.replace(hour=12))
    assert not ViolationCase.objects.exists() and not OutboxMessage.objects.exists()


def test_a_role_without_the_permission_and_another_office_are_refused(
    office, other_office, household, outsider
):
    from core.testing import make_staff

    cleaner = make_staff("cleaning", offices=[office])
    with pytest.raises(PermissionDeniedError, match="登记住户违章"):
        register(cleaner, office, household)
    with pytest.raises(ObjectNotFoundError):
        register(outsider, office, household)
    with pytest.raises(ApplicationError, match="不属于本管理处"):
        register(outsider, other_office, household)
    assert not ViolationCase.objects.exists()


def test_photos_are_checked_by_content_and_a_bad_one_stores_nothing(
    receptionist, office, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"<html>not an image</html>", "image/jpeg")
    with pytest.raises(ApplicationError, match="不是允许的文件类型"):
        services.case_register(
            actor=receptionist,
            office=office,
            data=services.CaseData(
                household=household,
                sub_kind=SubKind.HYGIENE_FROM_HEIGHT,
                place="3栋楼下",
                occurred_at=NOW,
                description="高空抛物",
                reported_by="保洁 赵阿姨",
            ),
            photos=[SimpleUploadedFile("ok.png", PNG), fake],
            now=NOW,
        )
    assert not ViolationCase.objects.exists() and not CasePhoto.objects.exists()
    assert not list(tmp_path.rglob("*.png"))
    case = services.case_register(
        actor=receptionist,
        office=office,
        data=services.CaseData(
            household=household,
            sub_kind=SubKind.HYGIENE_FROM_HEIGHT,
            place="3栋楼下",
            occurred_at=NOW,
            description="高空抛物",
            reported_by="保洁 赵阿姨",
        ),
        photos=[SimpleUploadedFile("ok.png", PNG)],
        now=NOW,
    )
    photo = case.photos.get()
    assert photo.content_type == "image/png" and photo.file.name.endswith(".png")
    assert (tmp_path / photo.file.name).read_bytes() == PNG


def test_a_coordination_slip_is_numbered_per_office_and_year(receptionist, office, household):
    """000 篇4 §4.4.2(a): 发出《协调单》,并在《协调单登记表》上登记."""
    first = services.case_register(
        actor=receptionist,
        office=office,
        data=services.CaseData(
            household=household,
            sub_kind=SubKind.SECURITY_PARKING,
            place="地下车库消防通道",
            occurred_at=NOW,
            description="占用消防通道停车",
            reported_by="保安 王强",
        ),
        slip=services.SlipData(addressed_to="保安部", content="请通知车主移车"),
        now=NOW,
    )
    second = register(receptionist, office, household)
    slip = services.slip_issue(
        actor=receptionist, case=second, addressed_to="保洁部", content="清理楼道", now=NOW
    )
    assert [s.number for s in CoordinationSlip.objects.order_by("sequence")] == [
        "XT2026-0001",
        "XT2026-0002",
    ]
    assert first.coordination_slip.addressed_to == "保安部" and slip.case == second
    with pytest.raises(ApplicationError, match="已发出协调单"):
        services.slip_issue(actor=receptionist, case=second, addressed_to="x", content="y")


def test_the_timeline_is_append_only(receptionist, office, household):
    register(receptionist, office, household)
    event = CaseEvent.objects.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.all().delete()
