"""core.api.fast_input: the plan's answer is DRF's answer, for good and bad bodies alike (issue
#3). Every body is validated twice — by the serializer with its plan and by the same fields
through DRF alone — and the two must agree on valid/invalid, the validated data and the
errors."""

import itertools
import random

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.api.fast_input import FastInputSerializer, _make_plan
from core.testing import make_building, make_estate, make_household, make_office, make_staff


class Fields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    label = serializers.ChoiceField(
        choices=[("x", "X")], required=False, allow_blank=True, default=""
    )
    text = serializers.CharField(max_length=10)
    raw = serializers.CharField(max_length=5, trim_whitespace=False, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", min_length=2)
    flag = serializers.BooleanField(required=False, default=False)
    maybe = serializers.CharField(required=False, allow_null=True, default=None)
    when = serializers.DateTimeField(required=False, allow_null=True, default=None)
    picks = serializers.ListField(
        child=serializers.ChoiceField(choices=["p", "q"]), required=False, default=list
    )
    some = serializers.ListField(
        child=serializers.ChoiceField(choices=["p", "q"]), required=False, allow_empty=False
    )


class FastFields(FastInputSerializer, Fields):
    pass


VALUES = {
    "kind": ["a", "b", "c", "", " a", 1, None, True, ["a"]],
    "label": ["x", "", "y", None, 0],
    "text": [
        "报修",
        "  水管漏水  ",
        "",
        "   ",
        "x" * 10,
        "x" * 11,
        12,
        1.5,
        True,
        None,
        "a\x00b",
        "a\ud800b",
        ["t"],
        {"t": 1},
    ],
    "raw": ["ab", " ab ", "   ", "", "abcdef", "  abcd", None, 3],
    "note": ["好的", "", "x", "  x  ", None, False],
    "flag": [True, False, "true", 1, 0, None, "no"],
    "maybe": ["有", "", None, " ", 7],
    "when": [None, "2026-12-01T10:00:00+08:00", "not a date", ""],
    "picks": [[], ["p"], ["p", "q", "p"], ["r"], "p", None, [None], ["p", 1], ("p",)],
    "some": [["q"], [], None, ["x"]],
}


def _answer(serializer):
    if serializer.is_valid():
        return True, dict(serializer.validated_data)
    return False, serializer.errors


def _same(body):
    fast, slow = _answer(FastFields(data=body)), _answer(Fields(data=body))
    assert fast == slow, body


def test_the_plan_describes_every_field():
    plan = _make_plan(FastFields)
    assert plan is not None and [step[0] for step in plan] == list(Fields._declared_fields)


@pytest.mark.parametrize("field", list(VALUES))
def test_each_value_alone_gets_drfs_answer(field):
    base = {"kind": "a", "text": "报修"}
    for value in VALUES[field]:
        _same({**base, field: value})
    body = dict(base)
    body.pop(field, None)
    _same(body)  # the field left out: its default, or DRF's "required"


def test_random_bodies_get_drfs_answer():
    rng = random.Random(20261203)
    for _ in range(3000):
        body = {field: rng.choice(values) for field, values in VALUES.items() if rng.random() < 0.7}
        if rng.random() < 0.1:
            body["unknown"] = "ignored by both"
        _same(body)


def test_a_plainly_valid_body_does_not_bind_drfs_fields():
    serializer = FastFields(data={"kind": "b", "text": " 门禁坏了 ", "picks": ["q"]})
    assert serializer.is_valid()
    assert serializer.validated_data == {
        "kind": "b",
        "label": "",
        "text": "门禁坏了",
        "note": "",
        "flag": False,
        "maybe": None,
        "when": None,
        "picks": ["q"],
    }
    assert "_fields" not in serializer.__dict__  # DRF's bound fields were never built


def test_what_the_plan_cannot_describe_always_goes_through_drf():
    class WithNumber(FastInputSerializer):
        count = serializers.IntegerField()

    class WithFieldCheck(FastInputSerializer):
        text = serializers.CharField()

        def validate_text(self, value):
            if value == "坏":
                raise serializers.ValidationError("不行")
            return value

    class WithValidators(FastInputSerializer):
        text = serializers.CharField(validators=[lambda value: None])

    class WithSource(FastInputSerializer):
        text = serializers.CharField(source="other")

    for cls in (WithNumber, WithFieldCheck, WithValidators, WithSource):
        assert _make_plan(cls) is None, cls
    refused = WithFieldCheck(data={"text": "坏"})
    assert not refused.is_valid() and refused.errors == {"text": ["不行"]}
    assert WithNumber(data={"count": "3"}).is_valid()


def test_form_data_and_partial_updates_go_through_drf():
    from django.http import QueryDict

    form = QueryDict("kind=a&text=%E6%8A%A5%E4%BF%AE&flag=true")
    assert _answer(FastFields(data=form)) == _answer(Fields(data=form))
    partial = FastFields(data={"text": "只改这个"}, partial=True)
    assert partial.is_valid() and dict(partial.validated_data) == {"text": "只改这个"}


@pytest.mark.django_db
def test_the_intake_body_gets_drfs_answer_with_households_in_and_out_of_scope():
    """The API intake's serializer (service_requests.api.serializers.IntakeSerializer): its
    household is checked in the user's scope by both paths alike."""
    from service_requests.api.serializers import IntakeSerializer

    class DrfOnly(IntakeSerializer):
        _fast_plan = None

    office = make_office("阳光家园管理处")
    home = make_household(make_building(make_estate(office), "3"), "1502")
    elsewhere = make_household(
        make_building(make_estate(make_office("翠湖花园管理处", company=office.company)), "1"),
        "101",
    )
    request = APIRequestFactory().post("/api/v1/requests/")
    request.user = make_staff("cs_staff", offices=[office])
    context = {"request": request}
    assert _make_plan(IntakeSerializer) is not None
    households = [home.pk, elsewhere.pk, 999_999, str(home.pk), None, True, 2**70, -1]
    bodies = [
        {"category": category, "channel": "phone", "description": text, "household": household}
        for category, text, household in itertools.product(
            ["b_repair", "a_medical", "z"], ["漏水", ""], households
        )
    ]
    bodies.append({"category": "b_repair", "channel": "phone", "description": "漏水"})
    bodies.append(
        {
            "category": "a_medical",
            "channel": "visit",
            "description": "晕倒",
            "household": home.pk,
            "emergency_help": ["escort", "call_120"],
            "is_major": True,
            "contact_phone": "138",
        }
    )
    for body in bodies:
        fast = IntakeSerializer(data=body, context=context)
        slow = DrfOnly(data=body, context=context)
        fast_answer, slow_answer = _answer(fast), _answer(slow)
        if fast_answer[0]:  # households are model instances: compare what they are
            for answer in (fast_answer, slow_answer):
                household = answer[1].get("household")
                answer[1]["household"] = getattr(household, "pk", household)
        assert fast_answer == slow_answer, body
