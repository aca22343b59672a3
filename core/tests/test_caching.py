"""core.caching.cached_value: immutable entries kept without pickling, with the same stamps and
timeouts as the cache (a role change shows at once in this process, within the timeout in
another)."""

import pytest

from core import caching


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    return now


def test_a_value_is_computed_once_within_its_timeout_and_shared(settings, clock):
    settings.TEST_SECONDS = 30
    calls = []

    def compute():
        calls.append(1)
        return frozenset({"service_requests.add_servicerequest"})

    first = caching.cached_value("kind", "u1", "TEST_SECONDS", compute)
    clock[0] += 29
    assert caching.cached_value("kind", "u1", "TEST_SECONDS", compute) is first
    assert len(calls) == 1
    clock[0] += 2  # past the timeout: computed again
    caching.cached_value("kind", "u1", "TEST_SECONDS", compute)
    assert len(calls) == 2


def test_a_new_stamp_forgets_the_kind_at_once(settings, clock):
    settings.TEST_SECONDS = 30
    values = iter(["客服主管", "客服经理"])
    assert caching.cached_value("kind", "u1", "TEST_SECONDS", lambda: next(values)) == "客服主管"
    caching.bump("kind")  # e.g. a role changed in this process
    assert caching.cached_value("kind", "u1", "TEST_SECONDS", lambda: next(values)) == "客服经理"


def test_a_timeout_of_zero_caches_nothing(settings):
    settings.TEST_SECONDS = 0
    values = iter([1, 2])
    assert caching.cached_value("kind", "u1", "TEST_SECONDS", lambda: next(values)) == 1
    assert caching.cached_value("kind", "u1", "TEST_SECONDS", lambda: next(values)) == 2


def test_the_entries_are_bounded(settings, monkeypatch):
    settings.TEST_SECONDS = 30
    monkeypatch.setattr(caching, "MAX_VALUES", 3)
    for n in range(10):
        caching.cached_value("kind", f"u{n}", "TEST_SECONDS", lambda n=n: n)
    assert len(caching._values) <= 3
    assert caching.cached_value("kind", "u9", "TEST_SECONDS", lambda: "again") == 9


def test_remembered_values_are_recalled_until_they_expire(clock):
    caching.remember({"a": "<p>甲</p>", "b": "<p>乙</p>"}, 60)
    assert caching.recall(["a", "b", "c"]) == {"a": "<p>甲</p>", "b": "<p>乙</p>"}
    clock[0] += 61
    assert caching.recall(["a", "b"]) == {}
    caching.remember({"a": "x"}, 0)  # a timeout of 0 keeps nothing
    assert caching.recall(["a"]) == {}
