"""English is the console's second language (LANGUAGES = zh-hans, en).

Source strings are Simplified Chinese; the English text lives in locale/en/LC_MESSAGES/django.po
and is compiled to django.mo (both committed). After adding or changing a Chinese string, run
`make messages`, translate the new entries in django.po (empty msgstr or `#, fuzzy`), and run
`make messages` again to compile.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.testing import (
    PASSWORD,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")

MENU_IN_CHINESE = [
    "工作台",
    "住户查询",
    "资料导入",
    "小区楼栋",
    "部门与外部单位",
    "员工",
    "作业规程策略",
]


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def household(office):
    building = make_building(make_estate(office), "3")
    return make_household(building, "1502", entrance="2", residents=[owner("张伟", "13812345678")])


def switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


# --- Pages in English ----------------------------------------------------------------------


def test_login_page_reads_in_english(client, db):
    switch_to_english(client)
    text = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in text
    assert "Log in to EstateDesk" in text and "Username" in text and "Password" in text
    assert "登录物业客服台" not in text and "用户名" not in text


def test_wrong_password_is_reported_in_english(client, db):
    switch_to_english(client)
    response = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert "Incorrect username or password" in response.content.decode()


def test_workbench_menu_reads_in_english(client, office):
    login(client, make_staff("cs_supervisor", offices=[office], name="张婷"))
    switch_to_english(client)
    response = client.get(reverse("core:home"))
    menu = [item["label"] for item in response.context["console_menu"]]
    assert menu[0] == "Workbench"
    for label in ["Household search", "Data import", "Estates & buildings", "Staff", "SOP policy"]:
        assert label in menu
    assert not set(MENU_IN_CHINESE) & set(menu)
    text = response.content.decode()
    assert "Log out" in text and "退出" not in text


def test_household_search_reads_in_english(client, office, household):
    login(client, make_staff("cs_staff", offices=[office]))
    switch_to_english(client)
    text = client.get(reverse("estates:household_list"), {"q": "3-2-1502"}).content.decode()
    assert "Search by room: building 3, room 1502" in text
    assert "1 household(s) found" in text
    assert "Current residents" in text and "Phone" in text
    assert "找到 1 户" not in text and "在住人员" not in text
    assert "张伟" in text  # data stays as entered


def test_chinese_stays_the_default(client, office):
    login(client, make_staff("cs_staff", offices=[office]))
    text = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans">' in text and "工作台" in text and "Workbench" not in text


# --- The catalogue -------------------------------------------------------------------------


def _unquote(line: str) -> str:
    """The string literal on a .po line: C escapes (\\n, \\", \\\\) read as Python's do."""
    return ast.literal_eval(line[line.index('"') : line.rindex('"') + 1])


def read_catalogue(path: Path = CATALOGUE) -> list[dict]:
    """Parse a .po file with the standard library: one dict per live (non-obsolete) entry, with
    msgid, msgid_plural, msgstr (a list; one item per plural form), fuzzy and the source line."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"msgid": None, "msgid_plural": None, "msgstr": [], "fuzzy": False, "where": ""}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                field = None
                continue
            if line.startswith("#,"):
                entry["fuzzy"] = "fuzzy" in line
            elif line.startswith("#:") and not entry["where"]:
                entry["where"] = line[2:].split()[0] if line[2:].split() else ""
            elif line.startswith("#"):
                continue
            elif line.startswith("msgctxt"):
                field = "msgctxt"
            elif line.startswith("msgid_plural"):
                field, entry["msgid_plural"] = "msgid_plural", _unquote(line)
            elif line.startswith("msgid"):
                field, entry["msgid"] = "msgid", _unquote(line)
            elif line.startswith("msgstr"):
                field = "msgstr"
                entry["msgstr"].append(_unquote(line))
            elif line.startswith('"') and field in ("msgid", "msgid_plural"):
                entry[field] += _unquote(line)
            elif line.startswith('"') and field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
        if entry["msgid"]:  # skips the header (msgid "") and fully obsolete blocks
            entries.append(entry)
    return entries


def test_the_catalogue_header_is_english_with_plural_forms():
    header = CATALOGUE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: en\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header


def test_every_string_in_the_catalogue_has_an_english_translation_run_make_messages_and_translate_the_new_ones():  # noqa: E501
    """Fails when someone adds a Chinese string without translating it. Fix: `make messages`,
    fill in every empty msgstr (and review/remove every `#, fuzzy` - gettext ignores fuzzy
    entries) in locale/en/LC_MESSAGES/django.po, then `make messages` again and commit .po + .mo."""
    entries = read_catalogue()
    assert len(entries) > 600, "the catalogue looks truncated; run `make messages`"
    untranslated = [
        f"{e['where']}: {e['msgid']}"
        for e in entries
        if e["fuzzy"] or not e["msgstr"] or not all(s.strip() for s in e["msgstr"])
    ]
    assert not untranslated, (
        f"{len(untranslated)} string(s) have no English translation (empty or fuzzy) in "
        f"{CATALOGUE.relative_to(settings.BASE_DIR)}; translate them and run `make messages`:\n"
        + "\n".join(untranslated)
    )


def test_translations_keep_every_placeholder():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*[\w.]+\s*\}\}")
    broken = [
        e["msgid"]
        for e in read_catalogue()
        for s in e["msgstr"]
        if s and sorted(placeholder.findall(e["msgid"])) != sorted(placeholder.findall(s))
    ]
    assert not broken, "placeholders differ between msgid and msgstr:\n" + "\n".join(broken)


def test_the_committed_mo_file_is_compiled_from_the_current_po_file():
    """The .mo is committed so servers need no gettext tools; `make messages` recompiles it."""
    with COMPILED.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = [
        e["msgid"]
        for e in read_catalogue()
        if not e["fuzzy"] and e["msgstr"] and e["msgstr"][0]
        if e["msgid_plural"] is None and compiled.gettext(e["msgid"]) != e["msgstr"][0]
    ]
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale[:20])


def test_django_uses_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("工作台") == "Workbench"
        assert translation.gettext("住户查询") == "Household search"
        assert translation.gettext("EstateDesk 物业客服台") == "EstateDesk"
    with translation.override("zh-hans"):
        assert translation.gettext("工作台") == "工作台"


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, db):
    """Brief principle 5: zh-hans is the default whatever the browser's language."""
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()


def test_api_clients_may_ask_for_english(client, db):
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "登录" not in response.json()["message"]
