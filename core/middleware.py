"""Chinese first: the console is in Simplified Chinese unless the user chose another language."""

from django.conf import settings
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.middleware import get_user
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """The console ignores the browser's Accept-Language: an office PC with an English browser
    still shows Chinese (brief principle 5). The language menu sets a cookie that switches it.
    API clients may ask for English with Accept-Language."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` the user itself rather than a SimpleLazyObject around it
    (issue #3, docs/performance.md). Every console page reads the user; each attribute read
    through the lazy proxy costs two extra Python calls, and a queue page made about 300 of
    them. The user is still read at most once per request (get_user caches it), and a request
    without a session cookie (the API's token clients) costs no query: it is anonymous."""

    def process_request(self, request):
        super().process_request(request)
        request.user = get_user(request)
