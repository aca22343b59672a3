"""Can an office's policy say what its variant of the SOP says? (SOP.md §2, §4; ../shared/seeds)

The office manager writes each variant through the console's policy form; the values are kept
in the units the SOP uses (minutes, hours, calendar days, working days); a unit a limit cannot be
measured in, or a ladder with nobody on it, is refused with the reason and nothing is saved.
What the saved values do to requests is proved in service_requests/tests/test_sop_variants.py.
"""

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from policies.rules import Duration
from policies.selectors import policy_for_office
from policies.services import policy_update
from policies.tests.conftest import edit_form_data


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        # 000 篇1/篇3/篇5/篇11 §4.1.2 a, 001: 请示后在5分钟内给予回复 (the default).
        ("request.first_reply", Duration(5, "minutes"), "5 分钟"),
        # 000 篇14/篇15 §4.1.2 a: 请示后即时给予回复.
        ("request.first_reply", Duration(0, "minutes"), "立即"),
        # 000 篇12 三.2: 口头咨询……在2小时内回复 (the default).
        ("consultation.oral_reply", Duration(2, "hours"), "2 小时"),
        # 000 篇3 §4.3.2 under the general rule §4.1.2 a: 5 minutes.
        ("consultation.oral_reply", Duration(5, "minutes"), "5 分钟"),
        # 000 篇3/篇5/篇11/篇14/篇15 §4.3.1, 001: 两日内书面回复 — calendar or working days.
        ("consultation.written_reply", Duration(2, "calendar_days"), "2 自然日"),
        ("consultation.written_reply", Duration(2, "working_days"), "2 工作日"),
        # 000 篇12 三.1: 尽快书面答复 — the office sets its own number.
        ("consultation.written_reply", Duration(1, "working_days"), "1 工作日"),
        # 003 §5.2: 一般不应超过三天 (the default), or counted in hours or working days.
        ("repair.promised_date_max", Duration(3, "calendar_days"), "3 自然日"),
        ("repair.promised_date_max", Duration(72, "hours"), "72 小时"),
        ("repair.promised_date_max", Duration(3, "working_days"), "3 工作日"),
        # 004 篇3 §4.5: 当天返给现场售后部门 (the default), or by the next working day.
        ("after_sales.slip_send", Duration(0, "calendar_days"), "0 自然日"),
        ("after_sales.slip_send", Duration(1, "working_days"), "1 工作日"),
        # 000 篇3 §4.2.2 (and 篇12 二.2 同时向主任汇报): 重大的……立即汇报.
        ("emergency.major_report", Duration(0, "minutes"), "立即"),
        # 000 篇3 §4.10, 篇14 §4.10, 001: 保存期两年.
        ("retention.help_register", 2, "2"),
    ],
)
def test_each_variant_is_written_through_the_console_and_shown_back(
    client, office, manager, key, value, shown
):
    """The manager writes the office's variant on the policy form; the policy page shows it
    with the rule's SOP clause."""
    client.force_login(manager)
    data = edit_form_data(client)
    if isinstance(value, Duration):
        data.update({f"{key}__value": value.value, f"{key}__unit": value.unit})
    else:
        data[key] = value
    data["note"] = "按本公司规程"
    response = client.post(reverse("policies:policy_edit"), data, follow=True)
    assert response.status_code == 200
    policy = policy_for_office(office)
    assert policy.value(key).value == value
    assert str(policy.value(key).display) == shown
    assert policy.value(key).rule.clause in response.content.decode()


@pytest.mark.parametrize(
    "ladder",
    [
        # SOP.md §2, 000 篇3 §4.2.2: 主管 → 经理 (the default); 篇14/15: 主任/主管 → 管理处主任.
        ("cs_supervisor", "office_manager"),
        # 000 篇12 二.2, 其它 (疑难问题报管理处主任): straight to the 主任.
        ("office_manager",),
        # 003 §3.1: 超出处理权限的……上报公司领导.
        ("cs_supervisor", "office_manager", "general_manager"),
    ],
)
def test_the_escalation_ladder_of_each_variant_is_written_through_the_console(
    client, office, manager, ladder
):
    """The ladder is up to three levels of SOP roles, in order, on the console's form."""
    client.force_login(manager)
    data = edit_form_data(client)
    for level in range(3):
        data[f"request.escalation_roles__{level}"] = ladder[level] if level < len(ladder) else ""
    data["note"] = "按本公司规程"
    client.post(reverse("policies:policy_edit"), data)
    assert policy_for_office(office).roles("request.escalation_roles") == ladder


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # 立即 is a clock limit: a major report cannot be "within 1 day".
        ({"emergency.major_report": Duration(1, "calendar_days")}, "不能以该单位计算"),
        # A promised repair date is days or hours out, never minutes.
        ({"repair.promised_date_max": Duration(30, "minutes")}, "不能以该单位计算"),
        # The 售后 slip is a day limit (当天): a clock unit would be read as a day.
        ({"after_sales.slip_send": Duration(4, "hours")}, "不能以该单位计算"),
        # Levels are minutes or hours apart.
        ({"request.escalation_interval": Duration(1, "working_days")}, "不能以该单位计算"),
        ({"after_sales.slip_send": Duration(31, "calendar_days")}, "应在0至30之间"),
        ({"request.escalation_roles": ()}, "至少需要一个岗位"),
        ({"request.escalation_roles": ("cs_supervisor", "boss")}, "未知的岗位:boss"),
    ],
)
def test_a_value_the_rule_cannot_take_is_refused_and_nothing_is_saved(
    office, manager, changes, message
):
    with pytest.raises(ApplicationError, match=message):
        policy_update(actor=manager, office=office, changes=changes, note="调整")
    assert policy_for_office(office).number == 0


def test_the_console_refuses_a_unit_and_keeps_the_current_version(client, office, manager):
    """Posted on the form, a unit the rule cannot take is refused (the form's own choices), and
    the office stays on the version it had."""
    client.force_login(manager)
    data = edit_form_data(client)
    data.update({"emergency.major_report__unit": "hours", "note": "改为小时"})
    response = client.post(reverse("policies:policy_edit"), data)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert "已保存为第" not in response.content.decode()
    assert policy_for_office(office).number == 0
