"""Short-lived caches of what hot console pages read on every request (issue #3,
docs/performance.md): a user's permissions and scope, an office's filter choices, queue counts.

Every entry lives in Django's default cache (local memory per process, settings.CACHES) under a
key that includes a *stamp* of its kind. A write that changes what an entry says (a role, an
office's buildings, a request) draws a new stamp, so this process stops reading the old entries
at once; another process (a second gunicorn worker) keeps reading its own copy until the entry's
timeout — the setting named with each kind — ends. That timeout is therefore the longest a change
can take to show everywhere. A timeout of 0 turns the kind's caching off.
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

# The stamps live in a plain dict of this process, like the entries they name (the cache is
# local memory per process): a page reads about seven of them, and the cache's locking and
# pickling of each cost more than the rest of reading an entry.
_stamps: dict[str, str] = {}


def stamp(kind: str) -> str:
    """The current stamp of a kind."""
    value = _stamps.get(kind)
    if value is None:
        value = _stamps.setdefault(kind, uuid.uuid4().hex)
    return value


def bump(kind: str) -> None:
    """Forget every entry of a kind in this process (a new stamp makes new keys)."""
    _stamps[kind] = uuid.uuid4().hex


def timeout(setting: str) -> int:
    return int(getattr(settings, setting, 0) or 0)


def cached(kind: str, key: str, setting: str, compute: Callable):
    """compute(), kept for settings.<setting> seconds under `key` and the kind's stamp."""
    seconds = timeout(setting)
    if seconds <= 0:
        return compute()
    full_key = f"{kind}:{stamp(kind)}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


# Entries that are immutable values (frozensets, frozen dataclasses): kept as they are in a
# plain dict of this process instead of Django's local-memory cache, which pickles a value on
# the way in and unpickles it on every read (issue #3: a user's permission set, scope and staff
# card are read on every page and API call, and unpickling them cost more than the rest of
# checking a permission). Same stamps, same timeouts; bounded like the cache.
_values: dict[str, tuple[float, object]] = {}
MAX_VALUES = 20_000


def cached_value(kind: str, key: str, setting: str, compute: Callable):
    """cached() for a value nobody changes (a frozenset, a frozen dataclass, a str, False):
    every reader gets the same object."""
    seconds = timeout(setting)
    if seconds <= 0:
        return compute()
    full_key = f"{kind}:{stamp(kind)}:{key}"
    entry = _values.get(full_key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    value = compute()
    remember({full_key: value}, seconds)
    return value


def recall(keys) -> dict:
    """The unexpired values kept under `keys` by remember() ({key: value}, missing ones left
    out): cache.get_many for immutable values, without unpickling."""
    now = time.monotonic()
    found = {}
    for key in keys:
        entry = _values.get(key)
        if entry is not None and entry[0] > now:
            found[key] = entry[1]
    return found


def remember(values: dict, seconds: int) -> None:
    """Keep each immutable value (a str, a frozenset…) under its key for `seconds`."""
    if seconds <= 0:
        return
    if len(_values) + len(values) > MAX_VALUES:
        _values.clear()  # old stamps' entries too; what is current is computed again
    expires = time.monotonic() + seconds
    for key, value in values.items():
        _values[key] = (expires, value)


def clear() -> None:
    """Forget every entry of this process, in the cache and the plain dict (tests)."""
    cache.clear()
    _values.clear()
