"""The policy editing form: one input per rule, built from the registry."""

from django import forms
from django.utils.translation import gettext_lazy as _

from organization.choices import RoleCode
from policies.rules import DURATION_UNITS, RULES, STAFF_ROLE_CODES, Duration

ESCALATION_LEVELS = 3


class RoleChoiceField(forms.ChoiceField):
    """One level of a roles rule. Any SOP role is parsed, offered or not: whether the rule may
    name it, and whether the rule may be left empty, is policies.services.validate_rule_value's
    to say, with the rule's name in the reason (a resident, a role chosen twice, nobody)."""

    def valid_value(self, value):
        return value in RoleCode.values or super().valid_value(value)


class PolicyForm(forms.Form):
    note = forms.CharField(
        label=_("修改说明"), max_length=200, help_text=_("如:依据公司2026版规程调整")
    )

    # The version the manager is changing: saving over a newer one is refused (policy_update).
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_version"].initial = policy.number
        self.rule_rows = []
        for rule_value in policy.all():
            rule, value = rule_value.rule, rule_value.value
            names = []
            if rule.kind == "duration":
                self.fields[f"{rule.key}__value"] = forms.IntegerField(
                    label=rule.label,
                    min_value=rule.minimum,
                    max_value=rule.maximum,
                    initial=value.value,
                )
                self.fields[f"{rule.key}__unit"] = forms.ChoiceField(
                    label=_("单位"),
                    choices=[(u, DURATION_UNITS[u]) for u in rule.units],
                    initial=value.unit,
                )
                names = [f"{rule.key}__value", f"{rule.key}__unit"]
            elif rule.kind == "roles":
                # Staff roles are offered; a role already stored that no longer may be (a
                # resident, saved before that was refused) is shown so it can be replaced.
                offered = [
                    (code, label)
                    for code, label in RoleCode.choices
                    if code in STAFF_ROLE_CODES or code in value
                ]
                for level in range(ESCALATION_LEVELS):
                    name = f"{rule.key}__{level}"
                    self.fields[name] = RoleChoiceField(
                        label=rule.label,
                        required=False,
                        choices=[("", "—"), *offered],
                        initial=value[level] if level < len(value) else "",
                    )
                    names.append(name)
            elif rule.kind == "integer":
                self.fields[rule.key] = forms.IntegerField(
                    label=rule.label, min_value=rule.minimum, max_value=rule.maximum, initial=value
                )
                names = [rule.key]
            elif rule.kind == "boolean":
                self.fields[rule.key] = forms.BooleanField(
                    label=rule.label, required=False, initial=bool(value)
                )
                names = [rule.key]
            self.rule_rows.append(
                {
                    "rule_value": rule_value,
                    "fields": [self[n] for n in names],
                    # between the levels of a ladder (an order) an arrow
                    "ordered": rule.kind == "roles" and rule.ordered,
                }
            )

    def changes(self) -> dict:
        """The submitted value of every rule (the service stores only what differs)."""
        data = self.cleaned_data
        changes = {}
        for key, rule in RULES.items():
            if rule.kind == "duration":
                changes[key] = Duration(data[f"{key}__value"], data[f"{key}__unit"])
            elif rule.kind == "roles":
                levels = [data[f"{key}__{i}"] for i in range(ESCALATION_LEVELS)]
                changes[key] = tuple(code for code in levels if code)
            elif rule.kind in ("integer", "boolean"):
                changes[key] = data[key]
        return changes
