"""Shared by the policy tests: an office, its manager, and the edit form's current values."""

import pytest
from django.urls import reverse

from core.testing import make_office, make_staff


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def manager(office):
    return make_staff("office_manager", offices=[office])


def edit_form_data(client) -> dict:
    """What the policy edit page submits unchanged: every field's current value."""
    form = client.get(reverse("policies:policy_edit")).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    return {k: ("" if v is None else v) for k, v in data.items()}
