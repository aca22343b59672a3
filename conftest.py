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


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the default language (zh-hans): a test that switched to English
    must not leave the thread's language set for the next one (services' messages use it)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
