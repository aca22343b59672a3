"""Shared pytest fixtures (settings: estatedesk/test_settings.py)."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (core/caching.py, sessions, template fragments):
    primary keys are reused between tests, so an entry of one test could answer another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
