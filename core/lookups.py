"""`field__in_constants=[...]`: an IN list written into the SQL as literals.

Django passes every value as a parameter. With server-side prepared statements (settings:
DB_PREPARE_THRESHOLD) PostgreSQL then plans a statement once for any parameters — and a
generic plan cannot use a partial index whose condition names the values (the open queue's
`sr_open_queue`, `status IN (…open statuses…)`): it fell back to sorting every request of
the office, so PostgreSQL re-planned the query on every page instead. Written as constants,
the condition matches the index in the generic plan too (docs/performance.md).

Only for fixed enumerations from the code (TextChoices values): anything but letters, digits
and underscores is refused, so nothing a user typed can reach the SQL text.
"""

import re

from django.db.models import CharField
from django.db.models.lookups import In

_SAFE = re.compile(r"^[A-Za-z0-9_]+$")


@CharField.register_lookup
class InConstants(In):
    lookup_name = "in_constants"

    def process_rhs(self, compiler, connection):
        values = sorted({str(value) for value in self.rhs})
        unsafe = [value for value in values if not _SAFE.match(value)]
        if unsafe or not values:
            raise ValueError(f"in_constants takes code constants only, not {unsafe or values!r}")
        return "(" + ", ".join(f"'{value}'" for value in values) + ")", []

    def get_prep_lookup(self):
        return list(self.rhs)
