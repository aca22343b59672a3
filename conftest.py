"""Shared pytest fixtures (settings: estatedesk/test_settings.py)."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (core/caching.py, sessions, template fragments):
    primary keys are reused between tests, so an entry of one test could answer another."""
    from core import caching

    caching.clear()
    yield
    caching.clear()


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the default language (zh-hans): a test that switched to English
    must not leave the thread's language set for the next one (services' messages use it)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _is_transactional(request) -> bool:
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))


@pytest.fixture(autouse=True)
def _sop_roles_in_transactional_tests(request):
    """A transactional test flushes the database afterwards, roles included (they come from a
    data migration); the next transactional test would find no roles. Re-create them first."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    from organization.roles import sync_roles

    sync_roles()
    yield
