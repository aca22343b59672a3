"""Routes reversed once per process (and script prefix): the console's top bar, menu and hot
pages name the same few argument-less URLs on every request, and each reverse() walks the
URL resolver (issue #3, docs/performance.md)."""

import functools

from django.urls import get_script_prefix, reverse


@functools.cache
def _reversed(script_prefix: str, name: str) -> str:
    return reverse(name)


def cached_url(name: str) -> str:
    """reverse(name) for a route without arguments, computed once per process."""
    return _reversed(get_script_prefix(), name)
