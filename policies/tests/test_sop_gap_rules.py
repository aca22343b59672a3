"""The help desk's rules added for the SOP variants (SOP.md §2, §4; ../shared/seeds) on the
policy console: each is shown with its default and clause, written through the form in the
variant's values, and a value it cannot take is refused with nothing saved. What the values do
to requests is proved in service_requests/tests/test_sop_gap_rules.py."""

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from policies.rules import Duration
from policies.selectors import policy_for_office
from policies.services import policy_update
from policies.tests.conftest import edit_form_data


@pytest.mark.parametrize(
    ("key", "shown", "clause"),
    [
        ("emergency.report_roles", "客服主管", "000 篇12 二.2"),
        ("emergency.medical_notify_roles", "保安班长", "000 篇3 §4.2.1 b"),
        ("request.completion_max", "3 自然日", "003 §5.2"),
        ("request.acknowledge_within", "15 分钟", "003 §4.2.1.1"),
        # Who may reply is a set of roles, not an order (policies/tests/test_roles_rules.py).
        (
            "consultation.written_reply_roles",
            "客服主管、经理助理、管理处经理",
            "000 篇12 三.1",
        ),
    ],
)
def test_the_policy_page_shows_each_rule_with_its_default_and_clause(
    client, office, manager, key, shown, clause
):
    client.force_login(manager)
    html = client.get(reverse("policies:policy_detail")).content.decode()
    assert key in html and clause in html
    assert str(policy_for_office(office).value(key).display) == shown


@pytest.mark.parametrize(
    ("key", "value"),
    [
        # 000 篇12 二.2: 向中控室及客服人员汇报,同时向主任汇报.
        ("emergency.report_roles", ("cs_supervisor", "office_manager")),
        ("emergency.medical_notify_roles", ("security_shift_leader", "office_manager")),
        # 003 §5.2 三天; 002 篇10 保洁24小时内完成; or working days.
        ("request.completion_max", Duration(24, "hours")),
        ("request.completion_max", Duration(3, "working_days")),
        # 003 §5.2 立即: read strictly.
        ("request.acknowledge_within", Duration(5, "minutes")),
        ("request.acknowledge_within", Duration(1, "hours")),
        # 000 篇12 三.1 相关主管人员: the engineering supervisor too.
        ("consultation.written_reply_roles", ("cs_supervisor", "engineering_supervisor")),
    ],
)
def test_each_variant_is_written_through_the_console(client, office, manager, key, value):
    client.force_login(manager)
    data = edit_form_data(client)
    if isinstance(value, Duration):
        data.update({f"{key}__value": value.value, f"{key}__unit": value.unit})
    else:
        for level in range(3):
            data[f"{key}__{level}"] = value[level] if level < len(value) else ""
    data["note"] = "按本公司规程"
    response = client.post(reverse("policies:policy_edit"), data, follow=True)
    assert response.status_code == 200
    assert policy_for_office(office).value(key).value == value


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # 立即 is minutes or hours, never days.
        ({"request.acknowledge_within": Duration(1, "calendar_days")}, "不能以该单位计算"),
        # A completion in days or hours, never minutes.
        ({"request.completion_max": Duration(30, "minutes")}, "不能以该单位计算"),
        ({"emergency.report_roles": ()}, "至少需要一个岗位"),
        ({"emergency.medical_notify_roles": ()}, "至少需要一个岗位"),
        ({"consultation.written_reply_roles": ("boss",)}, "未知的岗位:boss"),
    ],
)
def test_a_value_the_rule_cannot_take_is_refused_and_nothing_is_saved(
    office, manager, changes, message
):
    with pytest.raises(ApplicationError, match=message):
        policy_update(actor=manager, office=office, changes=changes, note="调整")
    assert policy_for_office(office).number == 0


def test_the_console_refuses_an_empty_list_of_written_reply_roles(client, office, manager):
    """Nobody may answer written consultations is not a policy: the form says so with the
    rule's name, and the office stays on its version."""
    client.force_login(manager)
    data = edit_form_data(client)
    for level in range(3):
        data[f"consultation.written_reply_roles__{level}"] = ""
    data["note"] = "清空"
    response = client.post(reverse("policies:policy_edit"), data)
    assert response.status_code == 200
    assert "“书面咨询书面答复岗位”至少需要一个岗位" in response.content.decode()
    assert "已保存为第" not in response.content.decode()
    assert policy_for_office(office).number == 0


def test_a_kinds_own_ladder_is_optional_on_the_console(client, office, manager):
    """000 篇12 二.2: the major report's own ladder (straight to the 主任) is written through the
    form; left empty — the default — it follows the general ladder, and the form saves the
    other rules without asking for it."""
    client.force_login(manager)
    data = edit_form_data(client)
    assert data["escalation.supervisor_report__0"] == ""
    data["escalation.supervisor_report__0"] = "office_manager"
    data["note"] = "重大情况直接报主任"
    client.post(reverse("policies:policy_edit"), data)
    policy = policy_for_office(office)
    assert policy.roles("escalation.supervisor_report") == ("office_manager",)
    assert policy.roles("escalation.first_reply") == ()

    data = edit_form_data(client)
    data["escalation.supervisor_report__0"] = ""
    data["note"] = "恢复按逾期升级顺序"
    client.post(reverse("policies:policy_edit"), data)
    policy = policy_for_office(office)
    assert policy.number == 2 and policy.roles("escalation.supervisor_report") == ()
    assert "escalation.supervisor_report" not in policy.version.rules
