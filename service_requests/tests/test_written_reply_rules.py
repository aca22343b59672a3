"""Who gives the written reply to a written consultation (SOP.md §2 咨询; 000 篇3 §4.3.1, 000 篇12
三.1): the roles of consultation.written_reply_roles under the request's policy version; everyone
else is told who may (authority is enforced)."""

import pytest
from django.urls import reverse

from core.exceptions import PermissionDeniedError
from core.testing import api_client, make_office, make_staff
from service_requests.choices import Category, Channel, DeadlineKind, Status
from service_requests.services import (
    request_reply,
)
from service_requests.tests.rules import (
    FRIDAY,
    deadline_of,
    fresh,
    intake_at,
    set_policy,
)

# --- 5. consultation.written_reply_roles: who gives the written reply ----------------------------


def _letter(actor, office, now=FRIDAY):
    return intake_at(actor, office, now=now, category=Category.CONSULTATION, channel=Channel.LETTER)


def test_the_front_desk_is_told_who_gives_the_written_reply(office, receptionist, supervisor):
    """000 篇3 §4.3.1 (客户服务中心主任/主管……书面形式回复,必要时请管理处主任): by default
    the supervisor, the assistant manager and the manager; the receptionist is refused with who
    may and the rule's clause, nothing is written, and the limit still runs."""
    letter = _letter(receptionist, office)
    with pytest.raises(PermissionDeniedError) as refused:
        request_reply(actor=receptionist, request=letter, version=letter.version, reply="答复")
    message = refused.value.message
    assert "只有客服主管、经理助理、管理处经理可以书面答复" in message
    assert "书面咨询书面答复岗位" in message and "000 篇3 §4.3.1" in message
    assert refused.value.code == "written_reply_role"
    letter.refresh_from_db()
    assert letter.first_replied_at is None and letter.status == Status.RECEIVED
    assert deadline_of(letter, DeadlineKind.WRITTEN_REPLY).is_open

    request_reply(actor=supervisor, request=letter, version=letter.version, reply="书面答复已寄出")
    assert deadline_of(letter, DeadlineKind.WRITTEN_REPLY).met_at is not None


def test_the_written_reply_roles_are_the_offices_and_earlier_letters_keep_theirs(
    office, receptionist, supervisor, manager
):
    """An office whose written replies come from the 主任 alone: the supervisor may still answer a
    letter received before the change, not one received after it; the manager may."""
    earlier = _letter(receptionist, office)
    set_policy(manager, office, {"consultation.written_reply_roles": ("office_manager",)})
    later = _letter(receptionist, office)
    with pytest.raises(PermissionDeniedError, match="只有管理处经理可以书面答复"):
        request_reply(actor=supervisor, request=later, version=later.version, reply="答复")
    request_reply(actor=supervisor, request=earlier, version=earlier.version, reply="答复")
    request_reply(actor=manager, request=later, version=later.version, reply="答复")
    assert fresh(later).status == Status.REPLIED


def test_a_related_supervisor_may_give_the_written_reply(office, receptionist, manager):
    """000 篇12 三.1 (报相关主管人员予以尽快书面答复): an office naming the engineering supervisor
    has them answer a written consultation about a technical matter, though their role holds no
    desk permission; an oral consultation stays the desk's."""
    engineer = make_staff("engineering_supervisor", offices=[office], name="工程部主管")
    set_policy(
        manager,
        office,
        {"consultation.written_reply_roles": ("cs_supervisor", "engineering_supervisor")},
    )
    letter = _letter(receptionist, office)
    request_reply(actor=engineer, request=letter, version=letter.version, reply="书面答复")
    oral = intake_at(receptionist, office, category=Category.CONSULTATION)
    with pytest.raises(PermissionDeniedError, match="答复住户"):
        request_reply(actor=engineer, request=oral, version=oral.version, reply="答复")


def test_a_written_reply_role_of_another_office_does_not_count(office, receptionist):
    """A supervisor of another office holds the role, but not for this office: not found (scope
    first), as for every other step."""
    stranger = make_staff("cs_supervisor", offices=[make_office("翠湖花园管理处")])
    letter = _letter(receptionist, office)
    with pytest.raises(Exception) as refused:
        request_reply(actor=stranger, request=letter, version=letter.version, reply="答复")
    assert refused.value.code == "not_found"


def test_the_api_refusal_names_who_may_reply(office, receptionist):
    """What an API client sees: 403 with the stable code and the Chinese message naming the
    roles."""
    letter = _letter(receptionist, office)
    response = api_client(receptionist).post(
        f"/api/v1/requests/{letter.pk}/reply/",
        {"version": letter.version, "reply": "答复"},
        format="json",
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "written_reply_role"
    assert "只有客服主管、经理助理、管理处经理可以书面答复" in body["message"]


def test_the_console_refusal_names_who_may_reply(client, office, receptionist, supervisor, manager):
    """What a supervisor sees on the console once the office gives written replies to the 主任
    only: the refusal page says who may and under which rule."""
    set_policy(manager, office, {"consultation.written_reply_roles": ("office_manager",)})
    letter = _letter(receptionist, office)
    client.force_login(supervisor)
    response = client.post(
        reverse("service_requests:request_action", args=[letter.pk, "reply"]),
        {"reply-version": letter.version, "reply-reply": "书面答复"},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "只有管理处经理可以书面答复" in html and "书面咨询书面答复岗位" in html
    assert fresh(letter).first_replied_at is None


def _offers_reply(client, user, request) -> bool:
    client.force_login(user)
    html = client.get(reverse("service_requests:request_detail", args=[request.pk])).content
    return b'data-action="reply"' in html


def test_the_request_page_offers_the_written_reply_to_whom_the_policy_names(
    client, office, receptionist, supervisor, manager
):
    """The 办理 panel follows the same rule as the service: with written replies given by the
    主任 and the engineering supervisor (000 篇12 三.1), the manager and the engineering
    supervisor are offered the reply to a letter, the customer-service supervisor and the front
    desk are not; an oral consultation is offered to the desk as before."""
    engineer = make_staff("engineering_supervisor", offices=[office], name="工程部主管")
    set_policy(
        manager,
        office,
        {"consultation.written_reply_roles": ("office_manager", "engineering_supervisor")},
    )
    letter = _letter(receptionist, office)
    assert _offers_reply(client, manager, letter)
    assert _offers_reply(client, engineer, letter)
    assert not _offers_reply(client, supervisor, letter)
    assert not _offers_reply(client, receptionist, letter)
    oral = intake_at(receptionist, office, category=Category.CONSULTATION)
    assert _offers_reply(client, receptionist, oral)
    request_reply(actor=manager, request=letter, version=letter.version, reply="书面答复")
    assert not _offers_reply(client, manager, fresh(letter))  # answered: no second reply


def test_resolving_or_referring_an_unanswered_letter_is_its_written_reply(
    office, receptionist, supervisor, emergency_center
):
    """Ending a written consultation that nobody has answered answers it: a result or a
    referral is the written reply, so the front desk is refused the same way (000 篇3 §4.3.1)
    and nothing is written; the supervisor may; once answered, the desk's usual steps apply."""
    from service_requests.services import request_refer, request_resolve

    letter = _letter(receptionist, office)
    with pytest.raises(PermissionDeniedError) as refused:
        request_resolve(actor=receptionist, request=letter, version=letter.version, result="已答复")
    assert refused.value.code == "written_reply_role"
    with pytest.raises(PermissionDeniedError):
        request_refer(
            actor=receptionist,
            request=letter,
            version=letter.version,
            party=emergency_center,
            resident_told="请拨打120",
        )
    letter = fresh(letter)
    assert letter.first_replied_at is None and letter.status == Status.RECEIVED
    request_resolve(actor=supervisor, request=letter, version=letter.version, result="书面答复")
    assert fresh(letter).status == Status.RESOLVED


def test_the_request_page_offers_ending_an_unanswered_letter_only_to_the_reply_roles(
    client, office, receptionist, supervisor
):
    """The 办理 panel does not offer 处理完毕 or 转介 on an unanswered letter to the front desk
    (the service would refuse it: ending it is its written reply); the supervisor is offered
    them."""
    letter = _letter(receptionist, office)
    url = reverse("service_requests:request_detail", args=[letter.pk])
    client.force_login(receptionist)
    desk = client.get(url).content
    assert b'data-action="resolve"' not in desk and b'data-action="refer"' not in desk
    client.force_login(supervisor)
    boss = client.get(url).content
    assert b'data-action="resolve"' in boss and b'data-action="refer"' in boss


def test_a_letters_page_asks_once_who_gives_the_written_reply(
    client, office, receptionist, supervisor, manager, django_assert_num_queries
):
    """The request page of a letter decides the reply, 处理完毕 and 转介 offers and its note
    from one check of the user's roles and the policy version joined with the request: the
    user, the request, that check, its timeline and its deadlines."""
    set_policy(manager, office, {"consultation.written_reply_roles": ("cs_supervisor",)})
    letter = _letter(receptionist, office)
    client.force_login(supervisor)
    url = reverse("service_requests:request_detail", args=[letter.pk])
    client.get(url)
    with django_assert_num_queries(5):
        page = client.get(url).content
    assert b'data-action="reply"' in page and b'data-action="resolve"' in page
