"""The receptionist's day in a real browser: log in, find a household as the caller reads out
the room number, open it (issue #2). Driven through Debian's Chromium (see conftest.py)."""

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

pytestmark = pytest.mark.browser


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


@pytest.fixture
def reception(transactional_db):
    """张伟 at 3-2-1502, with look-alike rooms nearby and the same room in another office."""
    office = make_office("阳光家园管理处")
    estate = make_estate(office, "阳光家园")
    b3 = make_building(estate, "3")
    b5 = make_building(estate, "5")
    target = make_household(b3, "1502", entrance="2", residents=[owner("张伟", "13812345678")])
    make_household(b3, "1502", entrance="1", residents=[owner("李娜", "13900001111")])
    make_household(b3, "1501", entrance="2", residents=[owner("赵强", "13600002222")])
    make_household(b5, "1502", entrance="2", residents=[owner("王芳", "13712340000")])
    other_office_b3 = make_building(make_estate(make_office("翠湖花园管理处"), "翠湖花园"), "3")
    make_household(other_office_b3, "1502", entrance="2", residents=[owner("张伟", "13800000000")])
    user = make_staff("cs_staff", offices=[office], name="张婷")
    return user, target


def test_receptionist_finds_household_as_they_type_and_opens_it(page, screenshot, reception):
    user, target = reception
    log_in(page, user.username, PASSWORD)
    expect(page.get_by_test_id("current-user")).to_have_text("张婷")

    page.goto("/households/")
    # The live search is htmx: if the script did not load, nothing below would happen.
    page.wait_for_function("() => window.htmx !== undefined")
    results = page.get_by_test_id("household-results")
    expect(results.locator("tbody tr")).to_have_count(4)  # every household of her office

    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.locator("#q").press_sequentially("3-2-1502", delay=30)  # typed, no Enter
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("3栋2单元1502")
    expect(results).to_contain_text("张伟")
    expect(results).to_contain_text("13812345678")
    expect(page.get_by_test_id("parsed-query")).to_contain_text("找到 1 户")
    assert page.evaluate("window.__sameDocument") is True, "the result came by a page reload"
    expect(page).to_have_url(re.compile(r"/households/\?q=3-2-1502(&|$)"))  # hx-push-url
    screenshot("search-result")

    results.get_by_role("link", name="3栋2单元1502").click()
    expect(page).to_have_url(re.compile(rf"/households/{target.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("阳光家园 · 3栋2单元1502")
    screenshot("household-detail")


def test_wrong_password_is_refused_in_chinese(page, screenshot, reception):
    user, _ = reception
    log_in(page, user.username, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_label("用户名", exact=True)).to_have_value(user.username)
    screenshot("refused")
