"""The rules of SOP.md §8 (000 篇4, 6, 7, 8, 9; 002 篇6) in the office policy registry
(policies.rules), registered when the app loads, read through `policy_for_office(office)`.
Every "who may" and every number of the violations area is here, never in the services."""

from django.utils.translation import gettext_lazy as _

from policies.rules import Duration, Rule, register

register(
    Rule(
        "violations.general_handler_roles",
        "roles",
        ("cs_supervisor",),
        _("一般违章报送岗位"),
        "SOP.md §8; 000 篇6 §4.4.2, 篇8 §4.5.2(b)",
        _("一般违章登记后通知这些岗位,由其亲自或指定管理员到现场劝导"),
    )
)
register(
    Rule(
        "violations.major_handler_roles",
        "roles",
        ("office_manager",),
        _("重大违章报送岗位"),
        "SOP.md §8; 000 篇6 §4.4.2, 篇8 §4.5.2(a)",
        _("重大违章登记后通知这些岗位"),
    )
)
register(
    Rule(
        "violations.penalty_roles",
        "roles",
        ("office_manager",),
        _("可签发违章处理决定的岗位"),
        "SOP.md §8; 000 篇4 §4.4.7–4.4.8, 篇8 §4.5.8 (变体:篇8 §4.5.9 加分管副总)",
        _("处理意见经这些岗位签署后生效;其他员工只能劝导、教育。停水停电须由其中之一决定"),
    )
)
register(
    Rule(
        "violations.penalty_roles_general",
        "roles",
        ("office_manager",),
        _("一般违章另可签发处理决定的岗位"),
        "SOP.md §8; 000 篇6 §4.4.8, 篇9 §4(8), 篇8 §4.5.9 (客服主管)",
        _("一般违章除上一条岗位外,这些岗位也可签发(停水停电除外)"),
    )
)
register(
    Rule(
        "violations.litigation_roles",
        "roles",
        ("general_manager", "vice_president"),
        _("决定申请仲裁或提起诉讼的岗位(公司级)"),
        "SOP.md §8; 000 篇8 §4.5.6 (由公司作出决定)",
        _("须为全公司范围的岗位"),
    )
)
register(
    Rule(
        "violations.utility_cut_notice",
        "duration",
        Duration(3, "calendar_days"),
        _("停水停电书面通知提前时间"),
        "SOP.md §8; 000 篇8 §4.5.5(b), 篇4 §4.4.5, 篇6 §4.4.5",
        units=("hours", "calendar_days", "working_days"),
        minimum=1,
    )
)
register(
    Rule(
        "violations.utility_cut_visit",
        "duration",
        Duration(5, "minutes"),
        _("停水停电前再次登门告知提前时间"),
        "SOP.md §8; 000 篇8 §4.5.5(c)",
        units=("minutes", "hours"),
        minimum=1,
    )
)
register(
    Rule(
        "retention.violations_general",
        "integer",
        1,
        _("一般违章记录保存年限"),
        "SOP.md §8; 000 篇6 §4.5, 篇8 §4.6",
        minimum=1,
        maximum=50,
    )
)
register(
    Rule(
        "retention.violations_major",
        "integer",
        5,
        _("重大违章记录保存年限"),
        "SOP.md §8; 000 篇6 §4.5, 篇8 §4.6",
        minimum=1,
        maximum=50,
    )
)
register(
    Rule(
        "violations.photo_max_mb",
        "integer",
        10,
        _("违章照片大小上限(MB)"),
        "SOP.md §8 (住户违章事件记录表); 管理处自定",
        minimum=1,
        maximum=50,
    )
)
register(
    Rule(
        "violations.photos_max_count",
        "integer",
        10,
        _("每个违章事件的照片数上限"),
        "SOP.md §8; 管理处自定",
        minimum=1,
        maximum=50,
    )
)
