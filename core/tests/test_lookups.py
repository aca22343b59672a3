"""core.lookups.in_constants: the same rows as __in, values written as SQL constants (so a
prepared statement's generic plan can use a partial index), and nothing but code constants."""

import pytest
from django.contrib.auth.models import Group

from core.lookups import InConstants


@pytest.mark.django_db
def test_in_constants_selects_what_in_selects():
    for name in ("received", "closed", "in_progress"):
        Group.objects.create(name=name)
    wanted = ["received", "in_progress", "nobody"]
    assert set(Group.objects.filter(name__in_constants=wanted).values_list("name", flat=True)) == {
        "received",
        "in_progress",
    }
    sql, params = Group.objects.filter(name__in_constants=wanted).query.sql_with_params()
    assert "'in_progress'" in sql and "in_progress" not in params


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["x' OR '1'='1", "带空格 的值", ""])
def test_in_constants_refuses_anything_but_code_constants(value):
    with pytest.raises(ValueError):
        list(Group.objects.filter(name__in_constants=["received", value]))
    assert InConstants.lookup_name == "in_constants"
