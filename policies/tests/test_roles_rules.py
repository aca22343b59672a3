"""Roles rules: who is told, who may act, and who is chased when a limit passes (SOP.md §1 the
roles; §2 急救 通知保安班长, 报告主管; §2 咨询 主管书面答复; §2 主管→经理 逾期升级).

A set of roles (who is told, who may act) has no order and reads "客服主管、管理处经理"; an
escalation ladder is an order and reads "客服主管 → 管理处经理"; a kind's own ladder left empty
reads as the general ladder it follows. Every roles rule names roles of the office's staff
(never the resident), each once, and at least one unless it falls back to another rule; a value
that breaks this is refused with the rule's name, on the console and by the service, and nothing
is saved.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from core.exceptions import ApplicationError
from organization.choices import RoleCode
from policies.models import PolicyVersion
from policies.rules import RULES, STAFF_ROLE_CODES
from policies.selectors import policy_for_office
from policies.services import policy_update
from policies.tests.conftest import edit_form_data

ROLES_RULES = [key for key, rule in RULES.items() if rule.kind == "roles"]
LADDERS = [key for key in ROLES_RULES if RULES[key].ordered]
SETS = [key for key in ROLES_RULES if not RULES[key].ordered]
FALLING_BACK = [key for key in ROLES_RULES if RULES[key].falls_back_to]
NEVER_EMPTY = [key for key in ROLES_RULES if not RULES[key].falls_back_to]


def _set_levels(data: dict, key: str, roles) -> None:
    for level in range(3):
        data[f"{key}__{level}"] = roles[level] if level < len(roles) else ""


# --- Which rules are ladders ----------------------------------------------------------------


def test_only_the_escalation_ladders_are_an_order():
    """SOP.md §2 主管→经理 is an order (level 1 first, the next after the interval); 报告主管,
    通知保安班长 and 书面答复 name who is told or who may act, all at once."""
    assert set(LADDERS) == {"request.escalation_roles"} | {
        key for key in ROLES_RULES if key.startswith("escalation.")
    }
    assert {
        "emergency.report_roles",
        "emergency.medical_notify_roles",
        "consultation.written_reply_roles",
        "complaint.reopen_roles",
        "violations.litigation_roles",
    } <= set(SETS)


def test_only_a_kinds_own_ladder_may_be_empty_and_it_falls_back_to_the_general_one():
    """000 篇12 二.2, 003 §3.1: a kind's own ladder is optional; empty it is the general ladder
    (request.escalation_roles), which itself may not be empty."""
    assert [key for key in ROLES_RULES if key.startswith("escalation.")] == FALLING_BACK
    for key in FALLING_BACK:
        assert RULES[key].falls_back_to == "request.escalation_roles"
    general = RULES["request.escalation_roles"]
    assert general.ordered and not general.falls_back_to


# --- What the policy page shows -------------------------------------------------------------


def test_the_policy_page_shows_sets_with_commas_and_ladders_with_arrows(client, office, manager):
    """SOP.md §2: who may give the written reply (主管, 经理助理, 经理) is a set; the overdue
    ladder 主管 → 经理 is an order; an empty kind ladder says it follows the general one."""
    client.force_login(manager)
    page = client.get(reverse("policies:policy_detail")).content.decode()
    cells = re.findall(r"<td><b>(.*?)</b>", page)
    assert "客服主管、经理助理、管理处经理" in cells  # written reply, complaint reopening
    assert "总经理、分管副总经理" in cells  # violations.litigation_roles
    assert "客服主管 → 管理处经理" in cells  # request.escalation_roles
    assert cells.count("按“逾期升级顺序”:客服主管 → 管理处经理") == len(FALLING_BACK)
    assert not any("→" in cell and "、" in cell for cell in cells)
    assert "客服主管 → 经理助理" not in page


def test_an_empty_kind_ladder_shows_the_ladder_it_follows_in_this_version(office, manager):
    """000 篇12 二.2: an office sends a major report's overdue straight to the 主任 and its
    other limits up to company leadership (003 §3.1); the kinds left empty read as that
    general ladder, the one set reads as its own."""
    policy_update(
        actor=manager,
        office=office,
        changes={
            "request.escalation_roles": ("cs_supervisor", "office_manager", "general_manager"),
            "escalation.supervisor_report": ("office_manager", "general_manager"),
        },
        note="重大情况直接报主任,其余上报公司",
    )
    policy = policy_for_office(office)
    assert policy.value("escalation.supervisor_report").display == "管理处经理 → 总经理"
    assert (
        policy.value("escalation.first_reply").display
        == "按“逾期升级顺序”:客服主管 → 管理处经理 → 总经理"
    )


def test_roles_read_in_english(office):
    """The English console: a set is joined with commas, an empty ladder names the general
    ladder in English, and no Chinese is left."""
    policy = policy_for_office(office)
    with translation.override("en"):
        written = policy.value("consultation.written_reply_roles").display
        ladder = policy.value("request.escalation_roles").display
        empty = policy.value("escalation.first_reply").display
        names = [str(RoleCode(code).label) for code in ("cs_supervisor", "office_manager")]
    assert written.count(", ") == 2 and "Office manager" in written
    assert ladder == " → ".join(names)
    assert "Escalation order when overdue" in empty and ladder in empty
    for text in (written, ladder, empty):
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text), text


# --- The service refuses ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ROLES_RULES)
def test_no_roles_rule_may_name_the_resident(office, manager, key):
    """SOP.md §1: a resident requests help, complains and is visited; telling one of an
    emergency, letting one reply to a consultation or chasing one with an overdue limit is no
    policy. Refused with the rule's name; nothing is saved."""
    label = str(RULES[key].label)
    with pytest.raises(ApplicationError) as refused:
        policy_update(
            actor=manager, office=office, changes={key: ("cs_supervisor", "resident")}, note="x"
        )
    assert refused.value.message == f"“{label}”不能包括“住户”:只能选择管理处员工担任的岗位"
    assert refused.value.field_errors == {key: [refused.value.message]}
    assert policy_for_office(office).number == 0


def test_the_resident_is_the_only_role_staff_cannot_hold():
    """organization.services refuses the household-scope role to staff; every other SOP role,
    company-wide ones (003 §3.1 上报公司领导) included, may be named."""
    assert set(RoleCode.values) - STAFF_ROLE_CODES == {"resident"}


@pytest.mark.parametrize("key", ROLES_RULES)
def test_a_role_named_twice_is_refused(office, manager, key):
    """SOP.md §2 主管→经理: each level of a ladder is a different role (the same people chased
    twice is a slip); in a set a repeated role means nothing. Nothing is saved."""
    with pytest.raises(ApplicationError, match="“客服主管”选了两次:每个岗位只能选一次"):
        policy_update(
            actor=manager,
            office=office,
            changes={key: ("cs_supervisor", "office_manager", "cs_supervisor")},
            note="x",
        )
    assert policy_for_office(office).number == 0


@pytest.mark.parametrize("key", NEVER_EMPTY)
def test_a_set_or_the_general_ladder_may_not_be_empty(office, manager, key):
    """SOP.md §2 急救 (立即通知保安班长; 重大的立即向主管汇报), 咨询 (主管书面答复), 主管→经理:
    someone is always told, someone may always act, someone is always chased."""
    with pytest.raises(ApplicationError, match=re.escape(f"“{RULES[key].label}”至少需要一个岗位")):
        policy_update(actor=manager, office=office, changes={key: ()}, note="x")
    assert policy_for_office(office).number == 0


@pytest.mark.parametrize("key", FALLING_BACK)
def test_a_kinds_own_ladder_may_be_left_empty(office, manager, key):
    """000 篇12 二.2: empty, a kind's ladder is the general one; nothing is stored for it."""
    version = policy_update(actor=manager, office=office, changes={key: ()}, note="按逾期升级顺序")
    assert version.number == 1 and key not in version.rules


# --- The console refuses --------------------------------------------------------------------


def test_the_console_does_not_offer_the_resident(client, office, manager):
    """The manager picks among the staff's roles only."""
    client.force_login(manager)
    form = client.get(reverse("policies:policy_edit")).context["form"]
    for key in ROLES_RULES:
        offered = {code for code, _label in form.fields[f"{key}__0"].choices}
        assert "resident" not in offered
        assert offered - {""} == STAFF_ROLE_CODES


def test_the_console_refuses_the_resident_with_the_rules_name(client, office, manager):
    """SOP.md §2 急救 (立即通知保安部当班班长): a medical emergency's notice sent to the resident
    role is posted anyway (an old page, a crafted form); the page says which rule refuses it
    and why, and the office stays on its version."""
    client.force_login(manager)
    data = edit_form_data(client)
    _set_levels(data, "emergency.medical_notify_roles", ("security_shift_leader", "resident"))
    data["note"] = "通知住户"
    response = client.post(reverse("policies:policy_edit"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "“急救病人求助立即通知岗位”不能包括“住户”:只能选择管理处员工担任的岗位" in page
    assert "已保存为第" not in page
    assert policy_for_office(office).number == 0


def test_the_console_refuses_a_ladder_with_a_role_twice(client, office, manager):
    """SOP.md §2 主管→经理: a ladder supervisor → manager → supervisor is refused with the
    rule's name; nothing is saved."""
    client.force_login(manager)
    data = edit_form_data(client)
    _set_levels(
        data, "escalation.first_reply", ("cs_supervisor", "office_manager", "cs_supervisor")
    )
    data["note"] = "反复催办"
    page = client.post(reverse("policies:policy_edit"), data).content.decode()
    assert "““首次答复”逾期升级顺序”中“客服主管”选了两次:每个岗位只能选一次" in page
    assert policy_for_office(office).number == 0


def test_the_console_saves_a_set_whose_first_level_is_left_blank(client, office, manager):
    """Empty is judged on the whole rule, not on its first select: 保安班长 chosen in the second
    select is the set (保安班长) — the rule is not empty."""
    client.force_login(manager)
    data = edit_form_data(client)
    _set_levels(data, "emergency.medical_notify_roles", ("", "security_supervisor"))
    data["note"] = "改为通知保安部主管"
    client.post(reverse("policies:policy_edit"), data)
    policy = policy_for_office(office)
    assert policy.roles("emergency.medical_notify_roles") == ("security_supervisor",)


def test_a_resident_saved_before_it_was_refused_must_be_replaced(client, office, manager):
    """A version saved before this check may name the resident: the edit page shows it where
    it is, refuses to save it again, and saves once the manager picks a staff role."""
    PolicyVersion.objects.create(
        office=office,
        number=1,
        rules={"emergency.report_roles": ["cs_supervisor", "resident"]},
        note="旧版本",
        created_by=manager,
    )
    client.force_login(manager)
    data = edit_form_data(client)
    assert data["emergency.report_roles__1"] == "resident"
    data["note"] = "其他调整"
    page = client.post(reverse("policies:policy_edit"), data).content.decode()
    assert "“特别求助报告岗位”不能包括“住户”" in page
    assert policy_for_office(office).number == 1

    data["emergency.report_roles__1"] = "office_manager"
    client.post(reverse("policies:policy_edit"), data)
    policy = policy_for_office(office)
    assert policy.number == 2
    assert policy.roles("emergency.report_roles") == ("cs_supervisor", "office_manager")
