"""Who may sign which measure, and what the next step on the ladder requires (SOP.md §8).

The services refuse with these messages and the console offers only what they allow: one
function decides both, so a page never shows an action the service would refuse for the role.
Every "who may" is a roles rule of the office policy (violations/policy.py).
"""

from django.utils.translation import gettext as _

from organization.choices import RoleCode, RoleScope
from policies.selectors import Policy
from violations.choices import PERSUASION_MEASURES, Measure, Severity


def actor_roles(actor) -> dict[str, str]:
    """The actor's role codes with their scope (none for a superuser or a resident: the SOP
    gives the right to sign a penalty to roles, not to system administrators)."""
    staff = getattr(actor, "staff", None) if actor is not None else None
    if staff is None or not actor.is_authenticated:
        return {}
    if not hasattr(actor, "_violation_roles"):
        actor._violation_roles = dict(staff.roles.values_list("code", "scope"))
    return actor._violation_roles


def role_labels(codes) -> str:
    return "、".join(str(RoleCode(code).label) for code in codes if code in RoleCode.values)


def signing_roles(policy: Policy, case, kind: str) -> tuple[str, ...]:
    """The roles whose signature makes `kind` take effect on this case."""
    if kind == Measure.LITIGATION:
        return policy.roles("violations.litigation_roles")
    roles = policy.roles("violations.penalty_roles")
    # A utility cut is always the manager's decision (000 篇8 §4.5.5(e)); the general-case
    # variant (supervisor, 000 篇6 §4.4.8) covers the other measures.
    if case.severity == Severity.GENERAL and kind != Measure.UTILITY_CUT:
        roles = tuple(dict.fromkeys(roles + policy.roles("violations.penalty_roles_general")))
    return roles


def decision_refusal(actor, case, kind: str, policy: Policy) -> str | None:
    """Why the actor may not sign this measure on this case (None: they may)."""
    if kind in PERSUASION_MEASURES:
        return None
    held = actor_roles(actor)
    allowed = signing_roles(policy, case, kind)
    if kind == Measure.LITIGATION:
        # 000 篇8 §4.5.6: the company decides; the role must be a company-level one.
        if not any(held.get(code) == RoleScope.COMPANY for code in allowed):
            return _(
                "申请仲裁或提起诉讼须由公司决定(策略“%(rule)s”:%(roles)s),您的岗位无权签署"
            ) % {"rule": _("决定申请仲裁或提起诉讼的岗位(公司级)"), "roles": role_labels(allowed)}
        return None
    if not any(code in held for code in allowed):
        return _("“%(measure)s”须经%(roles)s签署后生效;其他员工只能劝导、教育,不得越权处罚") % {
            "measure": Measure(kind).label,
            "roles": role_labels(allowed),
        }
    return None


def may_decide(actor, case, kind: str, policy: Policy) -> bool:
    return decision_refusal(actor, case, kind, policy) is None
