"""A complaint at the supervisor's desk (SOP.md §3; docs/complaints.md): the receptionist took
the call; the supervisor records the complaint, ticks the checklist and judges it — a bad
judgement, closing before the resident was told and approving an extension of a 重要 complaint
(the office manager's, complaint.extension.important_roles) are refused in Chinese and change
nothing; the office manager then approves it. Chromium via Playwright."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.choices import ExtensionStatus, Severity
from complaints.models import Complaint
from core.testing import (
    make_building,
    make_department,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from organization.choices import DepartmentKind
from service_requests.choices import Category, Channel, DeadlineKind
from service_requests.services import IntakeData, request_intake
from tests.browser.accounts import log_in, switch_user

pytestmark = pytest.mark.browser


@pytest.fixture
def call(transactional_db):
    """The complaint call as the receptionist took it: a category c request of 3-2-1502."""
    office = make_office("阳光家园管理处")
    household = make_household(
        make_building(make_estate(office, "阳光家园"), "3"),
        "1502",
        residents=[owner("张伟", "13812345678")],
    )
    make_department(office, "工程部", DepartmentKind.ENGINEERING)
    receptionist = make_staff("cs_staff", offices=[office], name="张婷")
    make_staff("cs_supervisor", offices=[office], name="李晓梅", username="supervisor")
    make_staff("office_manager", offices=[office], name="王立新", username="manager")
    return request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.COMPLAINT,
            channel=Channel.PHONE,
            description="维修工上门修水管后没有清理现场",
            household=household,
            contact_name="张伟",
            contact_phone="13812345678",
        ),
    )


def _form(page, name):
    return page.get_by_test_id(f"form-{name}")


def test_supervisor_records_and_judges_a_complaint_refusals_in_chinese(page, screenshot, call):
    log_in(page, "supervisor")
    page.goto(f"/complaints/request/{call.pk}/")  # 投诉处理 on the request page
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记投诉")
    page.locator("select[name=complained_department]").select_option(label="工程部")
    page.locator("textarea[name=what_happened]").fill("维修工修完水管后地上的水和泥没有清理就走了")
    page.locator("input[name=resident_demand]").fill("维修工道歉,以后修完清理现场")
    page.get_by_role("checkbox", name=re.compile("已代表被投诉部门向住户致歉")).check()
    page.get_by_role("button", name="登记").click()

    expect(page).to_have_url(re.compile(r"/complaints/\d+/$"))
    complaint = Complaint.objects.get(request=call)
    header = page.get_by_test_id("complaint-header")
    expect(header).to_contain_text(call.number)
    expect(header).to_contain_text("待界定")

    step = _form(page, "step")
    step.locator("select[name=step-code]").select_option(label="听清楚")
    step.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("听清楚 ✓")

    # Valid without a severity: refused, nothing written.
    judge = _form(page, "judge")
    judge.locator("select[name=judge-validity]").select_option(label="有效投诉")
    judge.locator("select[name=judge-valid_kind]").select_option(label="物业管理服务投诉")
    judge.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("refusal")).to_have_text("有效投诉须选择级别(重大、重要、轻微)")
    complaint.refresh_from_db()
    assert complaint.validity == "" and complaint.judged_at is None

    judge = _form(page, "judge")
    judge.locator("select[name=judge-validity]").select_option(label="有效投诉")
    judge.locator("select[name=judge-valid_kind]").select_option(label="物业管理服务投诉")
    judge.locator("select[name=judge-severity]").select_option(label="重要")
    judge.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("severity")).to_have_text("重要")
    expect(header).to_contain_text("待发表")

    # Closing before the resident was told the result (000 篇10 §4.6).
    _form(page, "close").get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("refusal")).to_have_text("尚未将处理结果通报住户,不能关闭投诉")
    complaint.refresh_from_db()
    assert complaint.closed_at is None

    # The supervisor asks for more time, then tries to approve it herself.
    received = timezone.localdate(complaint.received_at)
    later = f"{received + datetime.timedelta(days=6):%Y-%m-%d} 18:00"
    extension = _form(page, "extension")
    extension.locator("input[name=extension-new_due_at]").fill(later)
    extension.locator("input[name=extension-reason]").fill("配件须向厂家订购")
    extension.get_by_role("button", name="提交").click()
    requested = page.locator("li", has_text="申请延至")
    expect(requested).to_contain_text("待审批")
    page.get_by_role("button", name="审批").click()
    expect(page.get_by_test_id("refusal")).to_have_text("只有管理处经理可以审批该投诉的延期申请。")
    pending = complaint.extensions.get()
    assert pending.status == ExtensionStatus.PENDING
    screenshot("extension-refused")

    switch_user(page, "manager")
    page.goto(f"/complaints/{complaint.pk}/")
    page.locator("input[name=decide-note][placeholder='审批意见']").fill("同意")
    page.get_by_role("button", name="审批").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存")
    expect(page.locator("li", has_text="申请延至")).to_contain_text("已批准")
    pending.refresh_from_db()
    assert pending.status == ExtensionStatus.APPROVED
    resolve = complaint.request.deadlines.get(kind=DeadlineKind.COMPLAINT_RESOLVE)
    assert resolve.due_at == pending.new_due_at
    complaint.refresh_from_db()
    assert complaint.severity == Severity.IMPORTANT
