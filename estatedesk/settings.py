"""EstateDesk settings, read from the environment.

Development (`make run`) sets DJANGO_DEBUG=1 and uses the embedded SQLite database.
Production sets DJANGO_DEBUG=0 (the default), SECRET_KEY, ALLOWED_HOSTS and a PostgreSQL
DATABASE_URL; `manage.py check --deploy` is clean with those (see README, "Production").
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from estatedesk.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("ESTATEDESK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET = "django-insecure-estatedesk-development-only-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off (see README).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # EstateDesk apps, one per SOP area (docs/architecture.md)
    "core",
    "organization",
    "estates",
    "workdays",
    "policies",
    "notifications",
    "service_requests",
    "reception",
    "duty",
    "complaints",
    "violations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",  # Django's, request.user not lazy
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "estatedesk.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.console",
            ],
            "builtins": ["core.templatetags.console"],
        },
    },
]

WSGI_APPLICATION = "estatedesk.wsgi.application"

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default (WAL, immediate transactions so concurrent writers queue
# instead of failing); PostgreSQL is production and is tested in CI.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'estatedesk.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A "SELECT 1" before a request's first query notices a connection the server closed
        # (a restart) instead of failing that request; DB_CONN_HEALTH_CHECKS=0 saves the round
        # trip (docs/performance.md).
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, timestamps read by psycopg's C loader (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    # Server-side prepared statements: a page's queries have the same text on every request,
    # and PostgreSQL spends more CPU planning the queue's query (0.9 ms) than running it
    # (0.2 ms); a statement executed DB_PREPARE_THRESHOLD times on a connection is prepared
    # and then only executed (docs/performance.md). 0 turns it off — needed behind a
    # transaction-pooling PgBouncer, which cannot keep a connection's prepared statements.
    # Session settings for the web and worker connections (docs/performance.md):
    # - JIT off: PostgreSQL compiled a month-of-complaints query to machine code first, 50 ms
    #   of a 140 ms query that never paid back (DB_JIT=1 gives it back);
    # - no parallel workers per query (DB_PARALLEL_WORKERS): on the 2 cores an office has, the
    #   gunicorn workers are the parallelism; launching query workers made an indexed 5 ms
    #   report query a 23 ms parallel scan.
    # - a session left idle inside a transaction is ended after DB_IDLE_IN_TRANSACTION_SECONDS
    #   (longer than any e-mail's EMAIL_TIMEOUT), and the server probes an idle connection
    #   after 60 s: a worker whose host vanished without closing its connection releases the
    #   deadlines or outbox message it had claimed within minutes instead of the kernel's two
    #   hours, so the other workers take them over (docs/architecture.md, the worker).
    _session = [
        f"-c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', 0)}",
        "-c idle_in_transaction_session_timeout="
        f"{env_int('DB_IDLE_IN_TRANSACTION_SECONDS', 300) * 1000}",
        "-c tcp_keepalives_idle=60",
        "-c tcp_keepalives_interval=10",
        "-c tcp_keepalives_count=6",
    ]
    if not env_bool("DB_JIT", False):
        _session.append("-c jit=off")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_session)
    _prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5)
    if _prepare_threshold > 0:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_prepare_threshold
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # synchronous=FULL: in WAL mode NORMAL survives the program crashing but may lose the last
    # commits when the PC loses power or the system crashes; FULL syncs the log at every commit,
    # so a request the desk was told is recorded stays recorded (brief principle 2). One sync
    # per write is nothing at one office's pace.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["organization.backends.RolePermissionBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time: Chinese first --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # each in its own language
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Yearly archives of the registers (the help register: reception.archive). Back it up with the
# database; files are never served from here directly, only through the console's checks.
ARCHIVE_DIR = Path(env("ESTATEDESK_ARCHIVE_DIR", str(VAR_DIR / "archive")))

# Import files are read in memory; a larger file is refused with a clear message.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Security (production defaults; `manage.py check --deploy` is clean) ----------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)  # one shift
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Caches (docs/performance.md) ------------------------------------------------------------
# Local memory per process: no extra service to run. What is cached is short-lived and stamped
# (core/caching.py): a change is seen at once by the process that made it and by every other
# process within the timeouts below, which are the longest a change takes to show everywhere.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "estatedesk",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20000)},
    }
}
# A user's permissions and data scope (roles, offices): a role change takes effect within this.
AUTHZ_CACHE_SECONDS = env_int("AUTHZ_CACHE_SECONDS", 30)
# An office's filter and dispatch choices (buildings, departments, staff).
CONSOLE_CHOICES_CACHE_SECONDS = env_int("CONSOLE_CHOICES_CACHE_SECONDS", 300)
# The queue tabs' counts (the rows themselves are always read afresh).
QUEUE_COUNTS_CACHE_SECONDS = env_int("QUEUE_COUNTS_CACHE_SECONDS", 15)
# Sessions: the database, read once per process and then kept this long (core/sessions.py):
# after signing out, a copied session cookie can still work in another process this long.
SESSION_ENGINE = "core.sessions"
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 30)

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's with an expiry (API_TOKEN_MAX_AGE) in one fixed statement (issue #3)
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RoleModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# An API token older than this is refused (401 token_expired); a new one comes from logging in
# again, POST /api/v1/auth/token/rotate/ or `manage.py issue_api_token` (docs/api.md); 0 = never.
API_TOKEN_MAX_AGE = env_int("API_TOKEN_MAX_AGE_DAYS", 90) * 24 * 60 * 60  # seconds

SPECTACULAR_SETTINGS = {
    "TITLE": "EstateDesk 物业客服台 API",
    "DESCRIPTION": (
        "REST API of EstateDesk for apps and phone systems. Authenticate with "
        "`Authorization: Token <key>` (POST /api/v1/auth/token/). Errors are "
        '`{"code", "message", "detail"}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name with different choices (a request's status and an extension's,
    # the intake channel and how a complaint's resident was told) get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "service_requests.choices.Status",
        "RequestChannelEnum": "service_requests.choices.Channel",
        "ViolationKindEnum": "violations.choices.Kind",
        "ViolationSeverityEnum": "violations.choices.Severity",
        "ViolationStatusEnum": "violations.choices.Status",
        "ViolationMeasureEnum": "violations.choices.Measure",
        "ViolationNoticeKindEnum": "violations.choices.NoticeKind",
        "ViolationSubKindEnum": "violations.choices.SubKind",
        "ExtensionStatusEnum": "complaints.choices.ExtensionStatus",
        "ToldChannelEnum": "complaints.choices.ToldChannel",
        "ComplaintSeverityEnum": "complaints.choices.Severity",
        "ChecklistStepEnum": "complaints.choices.ChecklistStep",
    },
}

# Notifications by e-mail (the console inbox needs nothing). Development prints mails.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# A mail server that never answers must not hold the worker (and the outbox message it claimed)
# forever: after this many seconds the send counts as a failed attempt and is retried.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# The channels notifications go out on (notifications/channels.py): each reaches the users it
# has an address for. An SMS gateway or WeChat is one more class and its path here.
NOTIFICATION_CHANNELS = env_list(
    "NOTIFICATION_CHANNELS",
    ["notifications.channels.ConsoleChannel", "notifications.channels.EmailChannel"],
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "estatedesk@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
