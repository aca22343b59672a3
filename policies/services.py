"""Changing an office's policy: only the office manager (SOP.md §1), validated per rule, saved
as a new version with who and why."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.authz import require_office_in_scope, require_perm
from core.choices import AuditEventType
from core.exceptions import ApplicationError
from organization.choices import RoleCode
from policies.models import PolicyVersion
from policies.rules import RULES, STAFF_ROLE_CODES, Duration
from policies.selectors import current_version, encode


def validate_rule_value(key: str, value) -> list[str]:
    """Chinese reasons why `value` is not acceptable for rule `key` ([] when it is)."""
    rule = RULES.get(key)
    if rule is None:
        return [_("未知的规则:%(key)s") % {"key": key}]
    if rule.kind == "duration":
        if not isinstance(value, Duration):
            return [_("时限格式无效")]
        if value.unit not in rule.units:
            return [_("“%(label)s”不能以该单位计算") % {"label": rule.label}]
        if not rule.minimum <= value.value <= rule.maximum:
            return [
                _("“%(label)s”应在%(min)s至%(max)s之间")
                % {"label": rule.label, "min": rule.minimum, "max": rule.maximum}
            ]
    elif rule.kind == "roles":
        return _roles_errors(rule, value)
    elif rule.kind == "boolean" and not isinstance(value, bool):
        return [_("“%(label)s”应为“是”或“否”") % {"label": rule.label}]
    elif rule.kind == "integer" and (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not rule.minimum <= value <= rule.maximum
    ):
        return [
            _("“%(label)s”应为%(min)s至%(max)s之间的整数")
            % {"label": rule.label, "min": rule.minimum, "max": rule.maximum}
        ]
    return []


def _roles_errors(rule, value) -> list[str]:
    """SOP.md §1 (who does what), §2 (报告主管, 通知保安班长, 主管书面答复, 主管→经理): a roles
    rule names at least one role of the office's staff, each once; only a rule that falls back
    to another (a kind's own escalation ladder) may be left empty."""
    if not value and not rule.optional:
        return [_("“%(label)s”至少需要一个岗位") % {"label": rule.label}]
    unknown = [code for code in value if code not in RoleCode.values]
    if unknown:
        return [_("未知的岗位:%(codes)s") % {"codes": "、".join(unknown)}]
    not_staff = [code for code in value if code not in STAFF_ROLE_CODES]
    if not_staff:
        return [
            _("“%(label)s”不能包括“%(role)s”:只能选择管理处员工担任的岗位")
            % {"label": rule.label, "role": RoleCode(not_staff[0]).label}
        ]
    repeated = [code for index, code in enumerate(value) if code in value[:index]]
    if repeated:
        return [
            _("“%(label)s”中“%(role)s”选了两次:每个岗位只能选一次")
            % {"label": rule.label, "role": RoleCode(repeated[0]).label}
        ]
    return []


class StalePolicyError(ApplicationError):
    """Another version was saved since the editor read the policy (HTTP 409)."""

    status_code = 409

    def __init__(self, current: int, base: int):
        super().__init__(
            _(
                "作业规程策略已被他人修改(您修改的是第%(base)s版,现行为第%(current)s版),"
                "本次修改未保存。请重新打开修改页面,在现行版本上修改。"
            )
            % {"base": base, "current": current},
            code="stale_version",
            extra={"current_version": current, "base_version": base},
        )


@transaction.atomic
def policy_update(
    *, actor, office, changes: dict, note: str = "", base_number: int | None = None
) -> PolicyVersion:
    """Save a new version with `changes` ({key: value}) applied on top of the current one.

    `base_number` is the version the editor read (the console form sends it): the form submits
    every rule, so saving it over a version someone else saved meanwhile would silently undo
    their changes; that is refused (StalePolicyError) and nothing is saved."""
    require_perm(actor, "policies.edit_office_policy", action=_("修改作业规程策略"))
    require_office_in_scope(actor, office.pk)
    errors = {
        key: msgs for key, value in changes.items() if (msgs := validate_rule_value(key, value))
    }
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    if not note.strip():
        raise ApplicationError(_("请填写修改说明"), field_errors={"note": [_("请填写修改说明")]})
    # Lock the office's versions so two managers saving at once get consecutive numbers.
    previous = (
        PolicyVersion.objects.select_for_update().filter(office=office).order_by("-number").first()
    )
    current_number = previous.number if previous else 0
    if base_number is not None and base_number != current_number:
        raise StalePolicyError(current_number, base_number)
    rules = dict(previous.rules) if previous else {}
    for key, value in changes.items():
        encoded = encode(RULES[key], value)
        if encoded == encode(RULES[key], RULES[key].default):
            rules.pop(key, None)  # back to the SOP default
        else:
            rules[key] = encoded
    version = PolicyVersion.objects.create(
        office=office,
        number=(previous.number if previous else 0) + 1,
        rules=rules,
        note=note.strip(),
        created_by=actor,
    )
    audit_record(
        type=AuditEventType.POLICY_CHANGED,
        actor=actor,
        obj=version,
        office=office,
        data={"changes": {k: encode(RULES[k], v) for k, v in changes.items()}, "note": note},
    )
    return version


__all__ = ["current_version", "policy_update", "validate_rule_value"]
