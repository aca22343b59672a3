"""A hot read's SQL, built by the ORM once per process and then only executed.

Building a QuerySet and compiling it to SQL costs more CPU than PostgreSQL spends running a
short indexed query: on the request page (issue #3, ≥ 200 req/s on 2 cores) the ORM's query
building was a third of the page. For the few reads every page view makes — the signed-in
user, a request with its joins, its deadlines and timeline, a queue page — `compiled_list`
asks the ORM once per process and *shape* for the SQL, with placeholder values (sentinels)
where the varying values go, and afterwards substitutes the real values into the same SQL.
The rows are turned into model instances or tuples exactly as the ORM does (the compiler's
converters, `Model.from_db`, select_related populators).

The ORM stays the source of truth: a `build` function returns an ordinary QuerySet, and
whenever the substitution cannot be proven safe (a sentinel that the ORM transformed rather
than passed through as a parameter, e.g. `icontains` wrapping it in `%…%`, or SQLite writing a
datetime as text; an iterable class this module does not know) the QuerySet is evaluated as
usual. `tests/test_compiled.py` compares both paths.

Values are passed by name: ints, strings, aware datetimes and tuples of ints (an `IN` list;
its length is part of the shape). Anything else in the key (a tab, a page number) goes into
`key`, which must name everything besides the values that changes the SQL.
"""

import datetime
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

# Plans are small (an SQL string and a compiler); the bound keeps a process that sees many
# shapes (filters, pages) from growing without limit.
MAX_PLANS = 512

_plans: OrderedDict = OrderedDict()
_lock = threading.Lock()
_counter = itertools.count(1)
_UNCOMPILABLE = object()


@dataclass
class _Plan:
    sql: str
    slots: list  # per parameter: the value's name, or None for a constant
    constants: list  # the constant parameters, where slots is None
    compiler: object
    converters: dict
    kind: str  # "models", "tuples", "flat"
    model: type | None = None
    init_list: list | None = None
    fields_range: tuple = (0, 0)
    populators: list | None = None
    annotations: tuple = ()  # (attribute name, column) of each annotation, as ModelIterable


def _sentinel(value):
    """A placeholder of the value's type that no real value equals, and a marker of it that
    shows when the ORM transformed it (then the plan is not used)."""
    n = next(_counter)
    if isinstance(value, bool):
        raise TypeError("booleans are part of the key, not values")
    if isinstance(value, int):
        # Negative and inside the 32-bit range: Django answers "nothing" without SQL for an
        # integer outside its field's range, which would leave no plan to reuse.
        s = -(2_000_000_000 + n % 100_000_000)
        return s, str(-s)
    if isinstance(value, str):
        s = f"\x00compiled-sentinel-{n}\x00"
        return s, s
    if isinstance(value, datetime.datetime):
        s = datetime.datetime(1901, 2, 3, 4, 5, 6, n % 999_999 + 1, tzinfo=datetime.UTC)
        return s, "1901"
    raise TypeError(f"unsupported compiled value {type(value).__name__}")


def _shape(values: dict) -> tuple:
    return tuple(
        (name, len(v) if isinstance(v, tuple) else type(v).__name__)
        for name, v in sorted(values.items())
    )


def _compile(build: Callable, values: dict, using: str):
    placeholders, by_sentinel, markers = {}, {}, []
    for name, value in values.items():
        if isinstance(value, tuple):
            items = []
            for index, item in enumerate(value):
                s, marker = _sentinel(item)
                items.append(s)
                by_sentinel[(type(s), s)] = (name, index)
                markers.append(marker)
            placeholders[name] = tuple(items)
        else:
            s, marker = _sentinel(value)
            placeholders[name] = s
            by_sentinel[(type(s), s)] = (name, None)
            markers.append(marker)
    queryset = build(**placeholders)
    iterable = queryset._iterable_class
    if queryset._known_related_objects or queryset._prefetch_related_lookups:
        return _UNCOMPILABLE
    if iterable is ModelIterable:
        kind = "models"
    elif iterable is ValuesListIterable:
        kind = "tuples"
    elif iterable is FlatValuesListIterable:
        kind = "flat"
    else:
        return _UNCOMPILABLE
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except Exception:  # EmptyResultSet and the like: let the ORM answer
        return _UNCOMPILABLE
    slots, constants, found = [], [], set()
    for param in params:
        hit = by_sentinel.get((type(param), param))
        if hit is not None:
            slots.append(hit)
            constants.append(None)
            found.add(hit)
        else:
            texts = (str(param), repr(param))
            if any(marker in text for marker in markers for text in texts):
                return _UNCOMPILABLE  # the ORM transformed a value: substitution unsafe
            slots.append(None)
            constants.append(param)
    if any(marker in sql for marker in markers):
        return _UNCOMPILABLE  # a value written into the SQL text itself
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    plan = _Plan(
        sql=sql,
        slots=slots,
        constants=constants,
        compiler=compiler,
        converters=compiler.get_converters(fields),
        kind=kind,
    )
    if kind == "models":
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        plan.model = klass_info["model"]
        plan.init_list = [f[0].target.attname for f in compiler.select[start:end]]
        plan.fields_range = (start, end)
        plan.populators = get_related_populators(klass_info, compiler.select, using)
        plan.annotations = tuple(compiler.annotation_col_map.items())
    return plan


def compiled_list(key, build: Callable, *, using: str = "default", **values) -> list:
    """list(build(**values)), with the SQL built once per process for `key` and the values'
    shape. `build` must return the same query for any values of the same shape."""
    connection = connections[using]
    plan_key = (using, connection.vendor, key, _shape(values))
    with _lock:
        plan = _plans.get(plan_key)
        if plan is not None:
            _plans.move_to_end(plan_key)
    if plan is None:
        plan = _compile(build, values, using)
        with _lock:
            _plans[plan_key] = plan
            while len(_plans) > MAX_PLANS:
                _plans.popitem(last=False)
    if plan is _UNCOMPILABLE:
        return list(build(**values))
    params = [
        _value(values, slot) if slot is not None else constant
        for slot, constant in zip(plan.slots, plan.constants, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()
    if plan.converters:
        rows = _convert(rows, plan.converters, connection)
    if plan.kind == "tuples":
        return [tuple(row) for row in rows]
    if plan.kind == "flat":
        return [row[0] for row in rows]
    start, end = plan.fields_range
    objects = []
    for row in rows:
        obj = plan.model.from_db(using, plan.init_list, row[start:end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, position in plan.annotations:
            setattr(obj, name, row[position])
        objects.append(obj)
    return objects


def _value(values: dict, slot: tuple):
    name, index = slot
    return values[name] if index is None else values[name][index]


def _convert(rows, converters: dict, connection) -> list:
    """SQLCompiler.apply_converters with this thread's connection (a plan is shared by the
    process's threads; its compiler keeps the connection it was built with)."""
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(row)
    return converted


def clear() -> None:
    """Forget every plan (tests that change the schema or the database)."""
    with _lock:
        _plans.clear()
