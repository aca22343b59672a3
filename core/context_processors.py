import functools
from html import escape

from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from core.menu import menu_for, menu_html
from core.urlcache import cached_url
from organization.scoping import staff_card


def _urls() -> dict[str, str]:
    """The top bar's links (each reversed once per process)."""
    names = {
        "home": "core:home",
        "set_language": "set_language",
        "unread_badge": "notifications:unread_badge",
        "inbox": "notifications:inbox",
        "logout": "logout",
    }
    return {key: cached_url(name) for key, name in names.items()}


@functools.cache
def _language_options(current: str, languages: tuple) -> SafeString:
    """The language picker's <option>s, each language named in itself."""
    options = []
    for code, _name in languages:
        selected = " selected" if code == current else ""
        name = escape(get_language_info(code)["name_local"])
        options.append(f'<option value="{escape(code)}"{selected}>{name}</option>')
    return SafeString("".join(options))


@functools.lru_cache(maxsize=16)
def _topbar_labels(language: str) -> tuple[str, str, str, str]:
    """The top bar's words in `language` (the active one), translated once per process."""
    # Translated outside the f-strings: makemessages does not read inside them.
    return _("EstateDesk 物业客服台"), _("语言"), _("通知"), _("退出")


def _topbar_html(request, urls: dict, token: str, user_name: str | None) -> SafeString:
    """The top bar (brand, language, inbox, who is signed in, sign out) — on every page, so
    written without the template engine. `user_name` None: nobody is signed in."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
    brand, language, inbox, log_out = _topbar_labels(get_language())
    parts = [
        '<header class="topbar">',
        f'<a class="brand" href="{urls["home"]}">{escape(brand)}</a>',
        '<span class="spacer"></span>',
        f'<form action="{urls["set_language"]}" method="post" class="no-print">{csrf}',
        f'<input name="next" type="hidden" value="{escape(request.get_full_path())}">',
        f'<select name="language" aria-label="{escape(language)}" '
        'onchange="this.form.submit()">'
        f"{_language_options(get_language(), tuple(settings.LANGUAGES))}</select></form>",
    ]
    if user_name is not None:
        parts += [
            f'<span class="inbox" hx-get="{urls["unread_badge"]}" hx-trigger="load, every 60s" '
            f'hx-swap="innerHTML"><a class="inbox-link" href="{urls["inbox"]}">'
            f"{escape(inbox)}</a></span>",
            f'<span class="who" data-testid="current-user">{escape(user_name)}</span>',
            f'<form action="{urls["logout"]}" method="post">{csrf}'
            f'<button type="submit">{escape(log_out)}</button></form>',
        ]
    parts.append("</header>")
    return SafeString("\n".join(parts))


def page_csrf_token(request) -> str:
    """The page's one CSRF token (get_token masks the secret anew on every call: 32 random
    characters from os.urandom); views that write forms themselves use this one too."""
    token = getattr(request, "_page_csrf_token", None)
    if token is None:
        token = request._page_csrf_token = get_token(request)
    return token


def console(request):
    urls = _urls()
    # One CSRF token per page: it replaces the lazy one of Django's csrf context processor, so
    # the top bar's forms, base.html's htmx header and every {% csrf_token %} share it instead
    # of masking the secret again (32 random characters from os.urandom each time).
    token = page_csrf_token(request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "csrf_token": token,
            "console_topbar_html": _topbar_html(request, urls, token, None),
        }
    card = staff_card(user)  # cached: the top bar needs no Staff query
    menu = menu_for(user, request.path)
    name = (card.name if card else "") or user.get_full_name() or user.username
    return {
        "csrf_token": token,
        "console_topbar_html": _topbar_html(request, urls, token, name),
        "console_menu": menu,
        "console_menu_html": menu_html(menu),
        "console_user_name": name,
    }
