"""Sessions read from the database once and then from this process's cache (issue #3,
docs/performance.md): Django's cached_db, with the cached copy kept at most
settings.SESSION_CACHE_SECONDS instead of the session's whole age.

Why bounded: the cache is local to each process. Signing out deletes the session from the
database and from the signing-out process's cache; another process still holds its copy until
it expires, so a copied session cookie keeps working there for at most this many seconds after
sign-out (the browser itself forgets the cookie at once). With Django's cached_db that would be
the whole session age (a shift). A password change still ends sessions at once: the user row
is read from the database on every request and the session's hash is checked against it.
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore


class _BoundedCache:
    """The session cache with every timeout cut to `seconds`."""

    def __init__(self, cache, seconds: int):
        self._cache = cache
        self._seconds = seconds

    def _timeout(self, timeout):
        return self._seconds if timeout is None else min(timeout, self._seconds)

    def set(self, key, value, timeout=None, **kwargs):
        return self._cache.set(key, value, self._timeout(timeout), **kwargs)

    async def aset(self, key, value, timeout=None, **kwargs):
        return await self._cache.aset(key, value, self._timeout(timeout), **kwargs)

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __contains__(self, key):
        return key in self._cache


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _BoundedCache(self._cache, int(settings.SESSION_CACHE_SECONDS))
