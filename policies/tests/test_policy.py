"""The SOP is data: each office's policy, with clauses, defaults and versions (brief principle 1;
issue #3 "Policy")."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, make_office, make_staff
from policies.rules import RULES, Duration
from policies.selectors import policy_for_office, policy_version_get
from policies.services import policy_update
from policies.tests.conftest import edit_form_data

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_every_rule_cites_its_sop_clause():
    assert RULES
    for rule in RULES.values():
        assert rule.clause.startswith("SOP.md §"), rule.key
        assert rule.label, rule.key


def test_defaults_are_the_sop_numbers(office):
    """SOP.md §2 快速反应: reply within 5 minutes; 篇12: oral consultation within 2 hours;
    003 §5.2: repair date no more than 3 days out."""
    policy = policy_for_office(office)
    assert policy.number == 0
    assert policy.duration("request.first_reply") == Duration(5, "minutes")
    assert policy.duration("consultation.oral_reply") == Duration(2, "hours")
    assert policy.duration("repair.promised_date_max") == Duration(3, "calendar_days")
    assert policy.roles("request.escalation_roles") == ("cs_supervisor", "office_manager")


def test_working_day_durations_skip_the_holiday(office):
    start = datetime.datetime(2026, 9, 30, 16, tzinfo=SHANGHAI)
    assert Duration(2, "working_days").after(start) == datetime.datetime(
        2026, 10, 9, 16, tzinfo=SHANGHAI
    )
    assert Duration(2, "calendar_days").after(start) == datetime.datetime(
        2026, 10, 2, 16, tzinfo=SHANGHAI
    )


def test_manager_changes_a_rule_and_old_versions_stay(office):
    manager = make_staff("office_manager", offices=[office])
    v1 = policy_update(
        actor=manager,
        office=office,
        changes={"consultation.written_reply": Duration(2, "working_days")},
        note="按公司规程改为工作日",
    )
    v2 = policy_update(
        actor=manager,
        office=office,
        changes={"request.first_reply": Duration(3, "minutes")},
        note="提速",
    )
    assert (v1.number, v2.number) == (1, 2)
    current = policy_for_office(office)
    assert current.duration("consultation.written_reply") == Duration(2, "working_days")
    assert current.duration("request.first_reply") == Duration(3, "minutes")
    assert policy_version_get(v1.pk).duration("request.first_reply") == Duration(5, "minutes")


def test_only_the_office_manager_may_change_policy(office):
    supervisor = make_staff("cs_supervisor", offices=[office])
    with pytest.raises(PermissionDeniedError, match="无权修改作业规程策略"):
        policy_update(
            actor=supervisor,
            office=office,
            changes={"request.first_reply": Duration(3, "minutes")},
            note="x",
        )
    assert policy_for_office(office).number == 0


def test_another_offices_manager_cannot_change_it(office):
    other_manager = make_staff("office_manager", offices=[make_office("翠湖花园管理处")])
    with pytest.raises(ApplicationError) as exc:
        policy_update(
            actor=other_manager,
            office=office,
            changes={"request.first_reply": Duration(3, "minutes")},
            note="x",
        )
    assert exc.value.status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"request.backdate_limit": Duration(2, "working_days")}, "不能以该单位计算"),
        ({"request.escalation_roles": ()}, "至少需要一个岗位"),
        ({"request.escalation_roles": ("janitor",)}, "未知的岗位"),
        ({"retention.help_register": 500}, "之间的整数"),
        ({"no.such.rule": 1}, "未知的规则"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(office, changes, message):
    manager = make_staff("office_manager", offices=[office])
    with pytest.raises(ApplicationError, match=message):
        policy_update(actor=manager, office=office, changes=changes, note="x")
    assert policy_for_office(office).number == 0


def test_console_shows_rules_with_clauses_and_manager_edits(client, office):
    manager = make_staff("office_manager", offices=[office])
    assert client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("policies:policy_detail")).content.decode()
    assert "首次答复时限" in page and "SOP.md §2 快速反应" in page and "5 分钟" in page
    assert "尚未修改" in page and "第 0 版" not in page  # no version saved yet: the defaults
    form = client.get(reverse("policies:policy_edit")).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"request.first_reply__value": 3, "note": "提速"})
    response = client.post(reverse("policies:policy_edit"), data, follow=True)
    assert "已保存为第1版" in response.content.decode()
    assert "现行第 1 版" in client.get(reverse("policies:policy_detail")).content.decode()
    assert policy_for_office(office).duration("request.first_reply") == Duration(3, "minutes")
    # Only the changed rule is stored; the rest remain SOP defaults.
    assert list(policy_for_office(office).version.rules) == ["request.first_reply"]


def test_console_refuses_a_missing_note_in_chinese(client, office):
    manager = make_staff("office_manager", offices=[office])
    assert client.login(username=manager.username, password=PASSWORD)
    form = client.get(reverse("policies:policy_edit")).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    response = client.post(reverse("policies:policy_edit"), data)
    assert "该字段是必填项" in response.content.decode()
    assert policy_for_office(office).number == 0


def test_front_desk_sees_policy_but_cannot_edit(client, office):
    staff = make_staff("cs_staff", offices=[office])
    assert client.login(username=staff.username, password=PASSWORD)
    assert client.get(reverse("policies:policy_detail")).status_code == 200
    assert client.get(reverse("policies:policy_edit")).status_code == 403


def test_yes_no_rules_are_edited_and_validated(office):
    """Boolean rules (e.g. what counts as important unfinished work at handover, SOP.md §6)."""
    boolean_rules = [rule for rule in RULES.values() if rule.kind == "boolean"]
    if not boolean_rules:
        pytest.skip("no yes/no rule registered")
    rule = boolean_rules[0]
    manager = make_staff("office_manager", offices=[office])
    policy_update(actor=manager, office=office, changes={rule.key: not rule.default}, note="调整")
    assert policy_for_office(office).value(rule.key).value is (not rule.default)
    with pytest.raises(ApplicationError, match="应为“是”或“否”"):
        policy_update(actor=manager, office=office, changes={rule.key: "yes"}, note="x")


def test_saving_over_a_version_saved_meanwhile_is_refused_and_undoes_nothing(client, office):
    """Two managers open the edit page of version 0; the first shortens the first reply to 3
    minutes. The second, who changed the written-consultation limit, submits every rule as he
    read it: saving that would silently put the first reply back to 5 minutes. He is told in
    Chinese that the policy changed meanwhile and nothing is saved (a policy version is a
    record of who changed what, SOP.md "every number is a policy default")."""
    first, second = (make_staff("office_manager", offices=[office]) for _ in range(2))
    assert client.login(username=second.username, password=PASSWORD)
    stale = edit_form_data(client)
    assert stale["base_version"] == 0
    policy_update(
        actor=first,
        office=office,
        changes={"request.first_reply": Duration(3, "minutes")},
        note="提速",
    )
    stale.update({"consultation.written_reply__value": 3, "note": "书面咨询放宽"})
    response = client.post(reverse("policies:policy_edit"), stale)
    page = response.content.decode()
    assert response.status_code == 200
    assert "已被他人修改" in page and "现行为第1版" in page
    policy = policy_for_office(office)
    assert policy.number == 1
    assert policy.duration("request.first_reply") == Duration(3, "minutes")
    assert policy.duration("consultation.written_reply") == Duration(2, "calendar_days")
    # Opened again, the form starts from version 1 and saves.
    fresh = edit_form_data(client)
    fresh.update({"consultation.written_reply__value": 3, "note": "书面咨询放宽"})
    response = client.post(reverse("policies:policy_edit"), fresh, follow=True)
    assert "已保存为第2版" in response.content.decode()
    policy = policy_for_office(office)
    assert policy.duration("request.first_reply") == Duration(3, "minutes")
    assert policy.duration("consultation.written_reply") == Duration(3, "calendar_days")


def test_the_service_refuses_a_stale_base_version(office):
    manager = make_staff("office_manager", offices=[office])
    policy_update(
        actor=manager,
        office=office,
        changes={"request.first_reply": Duration(3, "minutes")},
        note="a",
    )
    with pytest.raises(ApplicationError) as exc:
        policy_update(
            actor=manager,
            office=office,
            changes={"request.first_reply": Duration(4, "minutes")},
            note="b",
            base_number=0,
        )
    assert exc.value.code == "stale_version" and exc.value.status_code == 409
    assert policy_for_office(office).duration("request.first_reply") == Duration(3, "minutes")
