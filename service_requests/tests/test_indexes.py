"""The request tables' indexes (issue #3, docs/performance.md): every index is written on each
intake, so a foreign key that leads a composite index has no index of its own (migration
0011), and the composite indexes that serve its look-ups are there."""

import pytest
from django.db import connection

LEADING = {
    # table: {column: the composite index that leads with it}
    "service_requests_servicerequest": {
        "office_id": "sr_register",
        "assignee_id": "sr_assignee",
        "assigned_department_id": "sr_department",
    },
    "service_requests_deadline": {"request_id": "deadline_unique_kind_round"},
    "service_requests_requestevent": {"request_id": "sr_event_timeline"},
    "service_requests_idempotencykey": {"user_id": "idempotency_unique_key"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(LEADING))
def test_a_foreign_key_leading_a_composite_index_has_no_index_of_its_own(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = [
        tuple(info["columns"])
        for info in constraints.values()
        if info["index"] and not info["primary_key"]
    ]
    for column, composite in LEADING[table].items():
        assert (column,) not in indexed, f"{table}.{column} has an index of its own"
        assert constraints[composite]["columns"][0] == column
