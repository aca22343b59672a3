"""`make run` loads the demo office into an empty database: it must keep working."""

import pytest
from django.contrib.auth import authenticate

from estates.demo import DEMO_PASSWORD, demo_accounts, load_demo_data
from estates.models import Household
from organization.choices import RoleCode
from service_requests.demo import load_demo_requests
from service_requests.models import ServiceRequest


@pytest.mark.django_db
def test_small_demo_office_loads_with_an_account_for_every_role():
    result = load_demo_data(buildings=1, floors=3)
    assert result["households"] == Household.objects.count() == 12
    accounts = {a.username for a in demo_accounts()}
    assert set(RoleCode.values) - {"resident"} <= accounts
    for username in accounts:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert load_demo_requests(days=2, per_day=3) == ServiceRequest.objects.count() > 0
    from duty.demo import load_demo_duty
    from duty.models import Roster

    office = Household.objects.first().office
    assert load_demo_duty(office) >= 28
    assert Roster.objects.get(office=office).is_published


@pytest.mark.django_db
def test_demo_refuses_a_database_with_data():
    load_demo_data(buildings=1, floors=1)
    with pytest.raises(RuntimeError):
        load_demo_data(buildings=1, floors=1)
