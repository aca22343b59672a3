"""A call comes in (issue #3; SOP.md §2): the receptionist finds the household as the caller
reads out the room, picks the category with the keyboard, types what is wrong and submits;
the page shows the register number and the next deadline. Chromium via Playwright."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import (
    PASSWORD,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from service_requests.models import ServiceRequest
from tests.browser.accounts import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def reception(transactional_db):
    office = make_office("阳光家园管理处")
    b3 = make_building(make_estate(office, "阳光家园"), "3")
    target = make_household(b3, "1502", entrance="2", residents=[owner("张伟", "13812345678")])
    make_household(b3, "1502", entrance="1", residents=[owner("李娜", "13900001111")])
    user = make_staff("cs_staff", offices=[office], name="张婷")
    return user, target


def test_receptionist_records_a_repair_call_from_the_keyboard(page, screenshot, reception):
    user, target = reception
    log_in(page, user.username, PASSWORD)
    page.get_by_role("link", name="求助受理").click()
    expect(page).to_have_url(re.compile(r"/requests/new/$"))
    page.wait_for_function("() => window.htmx !== undefined")

    search = page.locator("#hq")
    expect(search).to_be_focused()  # the cursor is ready when the phone rings
    search.press_sequentially("3-2-1502", delay=30)
    picks = page.get_by_test_id("household-pick").locator("button.pick")
    expect(picks).to_have_count(1)
    expect(picks.first).to_contain_text("3栋2单元1502")
    search.press("Enter")  # picks the only household, does not submit
    expect(page.get_by_test_id("household-chosen")).to_contain_text("阳光家园 3栋2单元1502")
    expect(page.locator("#id_contact_name")).to_have_value("张伟")
    expect(page.locator("#id_contact_phone")).to_have_value("13812345678")

    # Focus is on the categories: one key chooses, and the SOP hint follows.
    page.keyboard.press("e")
    expect(page.get_by_test_id("special-banner")).to_be_visible()  # e is special: loud
    page.keyboard.press("b")
    expect(page.locator("input[name=category][value=b_repair]")).to_be_checked()
    expect(page.get_by_test_id("special-banner")).to_be_hidden()
    expect(page.get_by_test_id("category-help")).to_contain_text("一般不超过3 自然日")
    screenshot("filled")

    page.locator("#id_description").fill("厨房水龙头漏水")
    page.keyboard.press("Control+Enter")

    expect(page).to_have_url(re.compile(r"/requests/\d+/$"))
    sr = ServiceRequest.objects.get()
    expect(page).to_have_url(re.compile(rf"/requests/{sr.pk}/$"))
    assert sr.household_id == target.pk and sr.category == "b_repair"
    messages = page.locator("ul.messages")
    expect(messages).to_contain_text(f"已受理,登记号 {sr.number}")
    expect(messages).to_contain_text("下一时限:首次答复")
    expect(page.get_by_test_id("next-deadline")).to_contain_text("客服主管 → 管理处经理")
    screenshot("created")


def test_medical_emergency_shows_the_red_banner_and_help_choices(page, reception):
    user, _target = reception
    log_in(page, user.username, PASSWORD)
    page.goto("/requests/new/")
    page.get_by_role("heading", level=1).click()  # out of the search box
    page.keyboard.press("a")
    expect(page.get_by_test_id("special-banner")).to_be_visible()
    expect(page.get_by_label("拨打120", exact=True)).to_be_visible()
    expect(page.get_by_label("重大(须立即报告主管)")).to_be_visible()
    page.locator("#id_description").fill("老人突发胸痛")
    page.get_by_test_id("submit-intake").click()
    expect(page.get_by_test_id("error-contact_phone")).to_contain_text(
        "急救病人求助须先登记联系电话"
    )
    expect(page.get_by_test_id("special-banner")).to_be_visible()
    assert not ServiceRequest.objects.exists()
