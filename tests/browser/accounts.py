"""Logging in and switching user in a browser test: the console's login form, as a person
would use it."""

from playwright.sync_api import expect

from core.testing import PASSWORD


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def switch_user(page, username: str, password: str = PASSWORD) -> None:
    """Another member of staff sits down at the same browser."""
    page.context.clear_cookies()
    log_in(page, username, password)
