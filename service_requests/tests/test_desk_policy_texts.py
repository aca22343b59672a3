"""What the help desk's pages tell the receptionist follows the office's policy (found by the
help-desk acceptance review of 2026-12-03): the intake hints for everyday help (request.
completion_max; SOP.md §4, 003 §5.2 一般不应超过三天) and for a consultation (consultation.
written_reply_roles and .written_reply; SOP.md §2 咨询, 000 篇3 §4.3.1), and the request page
of a letter still waiting for its written reply says who gives it — the front desk, not offered
the step, is told whom to pass the letter to."""

from html import unescape

import pytest
from django.urls import reverse

from core.testing import make_office, make_staff
from policies.rules import Duration
from policies.services import policy_update
from service_requests.choices import Category, Channel
from service_requests.services import IntakeData, request_intake, request_reply
from service_requests.tests.conftest import at

FRIDAY = at(2026, 11, 27, 10, 0)

pytestmark = pytest.mark.django_db


def _set_policy(manager, office, changes: dict):
    return policy_update(actor=manager, office=office, changes=changes, note="按本公司规程")


def _intake_page(client, user) -> str:
    client.force_login(user)
    return unescape(client.get(reverse("service_requests:request_new")).content.decode())


def test_the_intake_hints_for_everyday_help_and_consultations_follow_the_policy(
    client, office, receptionist, manager
):
    """By default: everyday help within 3 calendar days, letters answered in writing by the
    supervisor, the assistant manager or the manager within 2 calendar days. Once the manager
    sets 24 hours and written replies by the manager alone, the hints say so; someone choosing
    among several offices is pointed to the rules."""
    page = _intake_page(client, receptionist)
    assert "不能当场解决的,告知住户解决时间,一般不超过3 自然日" in page
    assert "书面咨询由客服主管、经理助理、管理处经理在2 自然日内书面答复" in page
    assert "书面咨询由主管书面答复" not in page  # the hint written in the code

    _set_policy(
        manager,
        office,
        {
            "request.completion_max": Duration(24, "hours"),
            "consultation.written_reply_roles": ("office_manager",),
        },
    )
    page = _intake_page(client, receptionist)
    assert "告知住户解决时间,一般不超过24 小时" in page
    assert "告知住户解决时间,一般不超过3 自然日" not in page
    assert "书面咨询由管理处经理在2 自然日内书面答复" in page

    two_offices = make_staff("cs_staff", offices=[office, make_office("翠湖花园管理处")])
    page = _intake_page(client, two_offices)
    assert "一般不超过本管理处策略“一般求助处理完毕时限”" in page
    assert "书面咨询由本管理处策略“书面咨询书面答复岗位”所列岗位书面答复" in page
    assert "24 小时" not in page and "由管理处经理在" not in page


def _letter(actor, office, channel=Channel.LETTER):
    data = IntakeData(category=Category.CONSULTATION, channel=channel, description="来信咨询车位")
    return request_intake(actor=actor, office=office, data=data, now=FRIDAY)


def _note(client, user, request) -> str:
    client.force_login(user)
    html = client.get(reverse("service_requests:request_detail", args=[request.pk])).content
    page = unescape(html.decode())
    start = page.find('data-testid="written-reply-note"')
    return "" if start < 0 else page[start : page.index("</p>", start)]


def test_the_request_page_of_a_letter_says_who_gives_the_written_reply(
    client, office, receptionist, supervisor, manager
):
    """The front desk sees who answers the letter under which rule and whom to pass it to; the
    supervisor, who is offered the reply, is told the rule only. An oral consultation, and a
    letter once answered, show no such note; a letter keeps the roles of its policy version."""
    letter = _letter(receptionist, office)
    desk = _note(client, receptionist, letter)
    assert "书面咨询由客服主管、经理助理、管理处经理书面答复" in desk
    assert "书面咨询书面答复岗位" in desk and "000 篇3 §4.3.1" in desk
    assert "您的岗位不能登记书面答复,请将书面咨询报客服主管、经理助理、管理处经理。" in desk
    boss = _note(client, supervisor, letter)
    assert "书面咨询由客服主管、经理助理、管理处经理书面答复" in boss
    assert "您的岗位不能登记书面答复" not in boss

    _set_policy(manager, office, {"consultation.written_reply_roles": ("office_manager",)})
    assert "请将书面咨询报客服主管、经理助理、管理处经理" in _note(client, receptionist, letter)
    newer = _letter(receptionist, office, channel=Channel.EMAIL)
    assert "请将书面咨询报管理处经理。" in _note(client, receptionist, newer)
    assert "您的岗位不能登记书面答复" in _note(client, supervisor, newer)

    oral = _letter(receptionist, office, channel=Channel.PHONE)
    assert _note(client, receptionist, oral) == ""
    request_reply(actor=supervisor, request=letter, version=letter.version, reply="书面答复已寄出")
    assert _note(client, receptionist, letter) == ""
