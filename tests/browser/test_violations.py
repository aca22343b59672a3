"""A major violation in the browser (SOP.md §8; docs/violations.md): the receptionist (客服管理员)
is offered only persuasion — "其他员工只能劝导、教育,不得越权处罚" (000 篇4 §4.4.8) — while the
office manager signs the rectification notice; a deadline that is not after today is refused
in Chinese and nothing is written. Chromium via Playwright."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.testing import make_building, make_estate, make_household, make_office, make_staff, owner
from tests.browser.accounts import log_in, switch_user
from violations.choices import Measure, SubKind
from violations.models import ViolationNotice
from violations.services import CaseData, case_register

pytestmark = pytest.mark.browser


@pytest.fixture
def case(transactional_db):
    """A load-bearing wall being knocked through at 3-2-1602, registered by the centre."""
    office = make_office("阳光家园管理处")
    household = make_household(
        make_building(make_estate(office, "阳光家园"), "3"),
        "1602",
        residents=[owner("赵强", "13600002222")],
    )
    receptionist = make_staff("cs_staff", offices=[office], name="张婷", username="staff")
    make_staff("office_manager", offices=[office], name="王立新", username="manager")
    now = timezone.now()
    return case_register(
        actor=receptionist,
        office=office,
        data=CaseData(
            household=household,
            sub_kind=SubKind.RENOVATION_LOAD_BEARING,
            place="3栋2单元1602 室内",
            occurred_at=now - datetime.timedelta(minutes=30),
            description="装修巡查发现正在凿除客厅承重墙",
            reported_by="工程部 何师傅",
            harms_public_safety=True,
        ),
        now=now,
    )


def _action(page, heading):
    """The action form under its heading on the case page."""
    return page.locator("form", has=page.get_by_role("heading", name=heading, exact=True))


def test_staff_only_persuade_the_manager_signs_the_penalty(page, screenshot, case):
    log_in(page, "staff")
    page.goto(f"/violations/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("重大违章")
    expect(page.get_by_test_id("next-step")).to_have_text("下一步:即时劝导、教育")
    expect(page.get_by_test_id("ladder")).to_contain_text("须经管理处经理签署")
    expect(_action(page, "签署处理决定")).to_have_count(0)  # nothing to sign for staff

    persuade = _action(page, "即时劝导、教育")
    persuade.locator("textarea[name=persuade-reason]").fill("到场要求立即停工,说明承重墙不得拆改")
    persuade.locator("input[name=persuade-outcome]").fill("施工队已停工")
    persuade.get_by_role("button", name="记录").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存")
    expect(page.get_by_test_id("next-step")).to_have_text(
        "下一步:限期整改(整改通知书),须经管理处经理签署"
    )
    expect(_action(page, "签署处理决定")).to_have_count(0)
    screenshot("staff")

    switch_user(page, "manager")
    page.goto(f"/violations/{case.pk}/")
    sign = _action(page, "签署处理决定")
    kinds = sign.locator("select[name=measure-kind] option")
    expect(kinds).to_contain_text(["限期整改(整改通知书)", "赔偿经济损失"])
    expect(sign.locator("select[name=measure-kind]")).not_to_contain_text("申请仲裁或提起诉讼")

    today = timezone.localdate()
    sign.locator("select[name=measure-kind]").select_option(Measure.RECTIFICATION)
    sign.locator("textarea[name=measure-reason]").fill("承重墙开洞,限期恢复并出具加固方案")
    sign.locator("input[name=measure-deadline]").fill(today.isoformat())
    sign.get_by_role("button", name="签署并记录").click()
    expect(_action(page, "签署处理决定").get_by_role("alert")).to_contain_text("期限须晚于今天")
    assert not case.measures.filter(kind=Measure.RECTIFICATION).exists()

    sign = _action(page, "签署处理决定")
    sign.locator("input[name=measure-deadline]").fill(
        (today + datetime.timedelta(days=7)).isoformat()
    )
    sign.get_by_role("button", name="签署并记录").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存")
    measures = page.locator("table").first
    expect(measures).to_contain_text("限期整改(整改通知书)")
    expect(measures).to_contain_text("王立新")
    expect(page.get_by_text("违章整改通知书").first).to_be_visible()
    signed = case.measures.get(kind=Measure.RECTIFICATION)
    assert signed.decided_by.username == "manager" and signed.decided_as == "office_manager"
    assert ViolationNotice.objects.filter(case=case, kind="rectification").exists()
    screenshot("manager")
