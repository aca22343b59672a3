"""Flat input serializers whose plainly valid JSON bodies are checked without DRF's per-field
machinery (issue #3: DRF binding and running fourteen field objects was 12 % of an API intake's
instructions, more than the SQL statement that writes the request).

`FastInputSerializer.run_validation` first tries a *plan* made once per serializer class from its
declared fields: for each field, what a valid value looks like (a string within its length, a
choice, a real boolean, a list of choices, an absent value with its default). A body whose every
value matches gives the same validated data DRF would; at the first value the plan does not
recognise as plainly valid — a wrong type, a blank where no blank is allowed, a value too long,
a string DRF would coerce (`"true"`, `12`), a date — the whole body goes through DRF's own
validation, which gives its answer and its error messages. So the fast path never refuses
anything and never accepts anything DRF would refuse; `core/tests/test_fast_input.py` runs both
paths over a corpus of good and bad bodies and compares them.

A serializer class the plan cannot describe (a field class it does not know, a `source`, a
`validate_<field>` or `validate` method, extra validators) always goes through DRF. A field class
may take part by defining `fast_value(value, context)`: it returns the internal value of a
non-empty value, or raises `Slow` to hand the body to DRF.
"""

import re

from rest_framework import serializers
from rest_framework.fields import empty

# What DRF's CharField validators refuse besides the length: NUL and lone surrogates.
_PROHIBITED = re.compile("[\x00\ud800-\udfff]")


class Slow(Exception):
    """The value is not plainly valid: let DRF validate the body."""


def _char(field):
    expected = 2 + (field.max_length is not None) + (field.min_length is not None)
    if len(field.validators) != expected:
        return None
    trim, allow_blank = field.trim_whitespace, field.allow_blank
    max_length, min_length = field.max_length, field.min_length

    def check(value, context):
        if type(value) is not str:
            raise Slow
        if trim:
            value = value.strip()
        if value == "":
            if allow_blank:
                return ""
            raise Slow
        if (max_length is not None and len(value) > max_length) or (
            min_length is not None and len(value) < min_length
        ):
            raise Slow
        if _PROHIBITED.search(value):
            raise Slow
        return value

    return check


def _choice(field):
    if field.validators:
        return None
    values, allow_blank = field.choice_strings_to_values, field.allow_blank

    def check(value, context):
        if type(value) is not str:
            raise Slow
        if value == "" and allow_blank:
            return ""
        try:
            return values[value]
        except KeyError:
            raise Slow from None

    return check


def _boolean(field):
    if field.validators:
        return None

    def check(value, context):
        if type(value) is not bool:
            raise Slow
        return value

    return check


def _choice_list(field):
    child = field.child
    if field.validators or type(child) is not serializers.ChoiceField or child.allow_null:
        return None
    item = _choice(child)
    if item is None:
        return None
    allow_empty = field.allow_empty

    def check(value, context):
        if type(value) is not list or (not value and not allow_empty):
            raise Slow
        return [item(element, context) for element in value]

    return check


def _only_empty(field):
    """A field whose given values always go to DRF (e.g. a date: rare in the hot path)."""

    def check(value, context):
        raise Slow

    return check


_CHECKS = {
    serializers.CharField: _char,
    serializers.ChoiceField: _choice,
    serializers.BooleanField: _boolean,
    serializers.ListField: _choice_list,
    serializers.DateTimeField: _only_empty,
    serializers.DateField: _only_empty,
}


def _field_step(name: str, field):
    """(name, required, default, allow_null, check) for one field, or None if the plan cannot
    describe it."""
    if field.read_only or field.source not in (None, name):
        return None
    fast_value = getattr(field, "fast_value", None)
    if fast_value is not None:
        check = fast_value
    else:
        make = _CHECKS.get(type(field))
        check = make(field) if make is not None else None
    if check is None:
        return None
    default = field.default
    if callable(default) and getattr(default, "requires_context", False):
        return None
    return (name, field.required, default, field.allow_null, check)


def _make_plan(cls) -> tuple | None:
    if cls.validate is not serializers.Serializer.validate or getattr(
        getattr(cls, "Meta", None), "validators", None
    ):
        return None
    steps = []
    for name, field in cls._declared_fields.items():
        if hasattr(cls, f"validate_{name}"):
            return None
        step = _field_step(name, field)
        if step is None:
            return None
        steps.append(step)
    return tuple(steps)


class FastInputSerializer(serializers.Serializer):
    """A flat input serializer checked by its plan when the body is plainly valid (above)."""

    def run_validation(self, data=empty):
        if type(data) is dict and not self.partial:
            cls = type(self)
            plan = cls.__dict__.get("_fast_plan", empty)
            if plan is empty:
                plan = _make_plan(cls)
                cls._fast_plan = plan
            if plan is not None:
                try:
                    return self._run_plan(plan, data)
                except Slow:
                    pass
        return super().run_validation(data)

    def _run_plan(self, plan, data) -> dict:
        validated = {}
        context = self._context
        for name, required, default, allow_null, check in plan:
            value = data.get(name, empty)
            if value is empty:
                if required:
                    raise Slow
                if default is empty:
                    continue  # DRF leaves the field out (SkipField)
                validated[name] = default() if callable(default) else default
            elif value is None:
                if not allow_null:
                    raise Slow
                validated[name] = None
            else:
                validated[name] = check(value, context)
        return validated
