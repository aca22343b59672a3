import functools
from html import escape

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language, get_language_info

from core.menu import menu_for
from organization.scoping import staff_card


def _menu_html(menu: list[dict]) -> SafeString:
    """The side menu's links, written without the template engine (it is on every page)."""
    return SafeString(
        "".join(
            '<a href="{}"{}>{}</a>'.format(
                escape(item["url"]),
                ' class="active"' if item["active"] else "",
                escape(str(item["label"])),
            )
            for item in menu
        )
    )


@functools.cache
def _urls(script_prefix: str) -> dict[str, str]:
    """The top bar's links, reversed once per process (and script prefix)."""
    names = {
        "home": "core:home",
        "set_language": "set_language",
        "unread_badge": "notifications:unread_badge",
        "inbox": "notifications:inbox",
        "logout": "logout",
    }
    return {key: reverse(name) for key, name in names.items()}


@functools.cache
def _language_options(current: str, languages: tuple) -> SafeString:
    """The language picker's <option>s, each language named in itself."""
    options = []
    for code, _name in languages:
        selected = " selected" if code == current else ""
        name = escape(get_language_info(code)["name_local"])
        options.append(f'<option value="{escape(code)}"{selected}>{name}</option>')
    return SafeString("".join(options))


def console(request):
    chrome = {
        "console_urls": _urls(get_script_prefix()),
        "language_options_html": _language_options(get_language(), tuple(settings.LANGUAGES)),
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return chrome
    card = staff_card(user)  # cached: the top bar needs no Staff query
    menu = menu_for(user, request.path)
    return {
        **chrome,
        "console_menu": menu,
        "console_menu_html": _menu_html(menu),
        "console_user_name": (card.name if card else "") or user.get_full_name() or user.username,
    }
