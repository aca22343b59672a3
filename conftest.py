"""Test settings shared by every app: development settings, a fast password hasher."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
