"""Reading an office's policy: `policy_for_office(office).duration("request.first_reply")`."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext

from policies.models import PolicyVersion
from policies.rules import RULES, Duration, Rule


@dataclass(frozen=True)
class RuleValue:
    rule: Rule
    value: object
    is_default: bool
    # An empty roles rule that falls back (Rule.falls_back_to): the rule that applies instead.
    fallback: "RuleValue | None" = None

    @property
    def display(self) -> str:
        """The value as the policy page and the request page show it: a ladder "客服主管 →
        管理处经理" (in order), a set of roles "客服主管、管理处经理" (no order), an empty
        ladder as the ladder it follows."""
        if self.rule.kind == "roles":
            return _roles_display(self)
        if self.rule.kind == "boolean":
            return gettext("是") if self.value else gettext("否")
        return str(self.value)


def _roles_display(rule_value: RuleValue) -> str:
    from organization.choices import RoleCode, role_names

    if not rule_value.value and rule_value.fallback is not None:
        return gettext("按“%(rule)s”:%(roles)s") % {
            "rule": rule_value.fallback.rule.label,
            "roles": rule_value.fallback.display,
        }
    if not rule_value.value:
        return "—"
    if rule_value.rule.ordered:
        return " → ".join(str(RoleCode(code).label) for code in rule_value.value)
    return role_names(rule_value.value)


class Policy:
    """One version of an office's policy, with the SOP defaults filled in."""

    def __init__(self, version: PolicyVersion | None):
        self.version = version
        self._stored = version.rules if version else {}

    @property
    def number(self) -> int:
        return self.version.number if self.version else 0

    def value(self, key: str) -> RuleValue:
        rule = RULES[key]
        if key not in self._stored:
            value, is_default = rule.default, True
        else:
            value, is_default = decode(rule, self._stored[key]), False
        if rule.falls_back_to and not value:
            return RuleValue(rule, value, is_default, self.value(rule.falls_back_to))
        return RuleValue(rule, value, is_default)

    def duration(self, key: str) -> Duration:
        value = self.value(key).value
        assert isinstance(value, Duration), key
        return value

    def roles(self, key: str) -> tuple[str, ...]:
        return tuple(self.value(key).value)

    def integer(self, key: str) -> int:
        return int(self.value(key).value)

    def all(self) -> list[RuleValue]:
        return [self.value(key) for key in RULES]


def decode(rule: Rule, raw) -> object:
    if rule.kind == "duration":
        return Duration(int(raw["value"]), raw["unit"])
    if rule.kind == "roles":
        return tuple(raw)
    if rule.kind == "integer":
        return int(raw)
    return bool(raw)


def encode(rule: Rule, value) -> object:
    if rule.kind == "duration":
        return value.as_json()
    if rule.kind == "roles":
        return list(value)
    return value


def current_version(office) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(office=office).order_by("-number").first()


# Policies by (version id, created_at): a PolicyVersion is never changed once written (a save
# makes a new version), so each process keeps the ones it has read. created_at tells apart two
# versions that reuse a primary key (tests roll back and start again).
_POLICIES: dict[tuple, Policy] = {}
_POLICIES_KEPT = 256


def with_current_policy(households):
    """The households with which policy version is their office's current one (its id and
    created_at as `current_policy_id` and `current_policy_created_at`), read by the same
    statement: an intake that loads its household needs no look-up of its own for the policy
    (current_policy's `household`; issue #3)."""
    current = PolicyVersion.objects.filter(office=OuterRef("office_id")).order_by("-number")
    return households.annotate(
        current_policy_id=Subquery(current.values("id")[:1]),
        current_policy_created_at=Subquery(current.values("created_at")[:1]),
    )


def current_policy(office, *, household=None) -> Policy:
    """policy_for_office for the hot path (API intake, issue #3): which version is current is
    read every time (a new version applies at once, in every process), the version itself only
    the first time this process meets it. A household of the office read with_current_policy
    in the same request brings which version is current: then nothing more is read."""
    if (
        household is not None
        and household.office_id == office.pk
        and hasattr(household, "current_policy_id")
    ):
        row = (household.current_policy_id, household.current_policy_created_at)
        if row[0] is None:
            return Policy(None)
    else:
        table = PolicyVersion._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, created_at FROM {table} WHERE office_id = %s "
                "ORDER BY number DESC LIMIT 1",
                [office.pk],
            )
            row = cursor.fetchone()
        if row is None:
            return Policy(None)
    key = tuple(row)
    policy = _POLICIES.get(key)
    if policy is None:
        policy = Policy(PolicyVersion.objects.get(pk=row[0]))
        if len(_POLICIES) >= _POLICIES_KEPT:
            _POLICIES.clear()
        _POLICIES[key] = policy
    return policy


def policy_for_office(office) -> Policy:
    return Policy(current_version(office))


def policy_of(record) -> Policy:
    """The policy a record (a request) was opened under: from its policy_version already
    joined where the record was read with it (a version is never changed), else read."""
    if record.policy_version_id is not None and "policy_version" in record._state.fields_cache:
        return Policy(record.policy_version)
    return policy_version_get(record.policy_version_id)


def policy_version_get(version_id: int | None) -> Policy:
    """The policy a record was opened under (version None: the SOP defaults)."""
    if version_id is None:
        return Policy(None)
    return Policy(PolicyVersion.objects.get(pk=version_id))


def policy_history(office):
    return (
        PolicyVersion.objects.filter(office=office).select_related("created_by").order_by("-number")
    )
