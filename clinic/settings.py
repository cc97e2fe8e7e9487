"""Limber settings: one module, driven by environment variables.

Local runs need no configuration at all (DEBUG on, SQLite, console e-mail).
With DEBUG off the app refuses to start unless the secrets and hosts a real
deployment needs are given; there are no production secret defaults.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if DEBUG:
    # A fixed, obviously local key: sessions survive restarts of `make run`.
    SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

# The address people use to reach Limber, for links in e-mails, printed sheets and QR
# codes (they outlive the request, so they cannot come from its Host header).
SITE_URL = os.environ.get("SITE_URL", "").strip() or (
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    if DEBUG
    else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
)

# How many reverse proxies in front of Limber append to X-Forwarded-For (0: none, the
# peer's address is the client's). The lockout, the rate limits and the audit log all
# read the client's address through clinic.network with this one number.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "clinic",
    "programs",
    "patients",
]

MIDDLEWARE = [
    # First: every request gets an id and one log line, whatever happens after.
    "clinic.request_log.RequestLogMiddleware",
    # Before anything reads the database (the session): see clinic/deadline.py.
    "clinic.deadline.RequestDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "clinic.middleware.LineBreaksMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.SessionTimeoutMiddleware",
    "clinic.middleware.RequireTwoFactorMiddleware",
    "clinic.middleware.AccountPagesLanguageMiddleware",
    "clinic.middleware.NoStoreMiddleware",
    "clinic.middleware.ClearDeviceOnSignOutMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.access",
            ],
            # Every form's {% csrf_token %} carries the page's stamp too.
            "builtins": ["clinic.templatetags.stamped_forms"],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL
# with persistent connections that are health-checked before reuse.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Within each request's database deadline (REQUEST_DEADLINE, clinic/postgresql_backend).
    DATABASES["default"]["ENGINE"] = "clinic.postgresql_backend"
    # A database that hangs (rather than refusing) fails a request in seconds instead of
    # holding a web worker until gunicorn's 30 s timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5
    )
# A request still waiting on PostgreSQL after this many seconds has that wait cut, and
# fails with the 500 page (clinic/deadline.py): a hung server otherwise holds the web
# worker until gunicorn's timeout (gunicorn.conf.py, 30 s), which must stay longer than
# this plus 2 s (a connection being opened as the deadline comes).
REQUEST_DEADLINE = env_float("REQUEST_DEADLINE", 20.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open between requests like PostgreSQL's, and dropped when `restore` swaps in
    # another file (clinic/sqlite_backend). An idle connection holds no lock in WAL mode.
    DATABASES["default"]["ENGINE"] = "clinic.sqlite_backend"
    # The tests' database is in memory, as Django makes it for SQLite; said here because
    # pytest-django knows SQLite by the engine's name only (else it makes a file name).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        # Writers wait up to this many seconds for each other instead of failing.
        "timeout": 20,
        # Take the write lock when a transaction starts: two transactions that read and
        # then write can no longer deadlock into "database is locked".
        "transaction_mode": "IMMEDIATE",
        # Readers never wait for the writer (WAL), and commits stay durable enough for a
        # clinic's own machine (NORMAL: safe against app crashes, not power cuts mid-write).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "clinic.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt while an account+address pair is locked out, then
    # while the account as a whole has had too many failures (from any address).
    "axes.backends.AxesStandaloneBackend",
    "clinic.security.AccountThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail login, no public sign-up (clinics invite people).
ACCOUNT_ADAPTER = "clinic.adapters.AccountAdapter"
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_FORMS = {"login": "clinic.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = False
# A changed password ends every session of the user, this one included.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Limber: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed sign-ins are counted by django-axes per account AND address (below), so one
# clinic's shared address cannot lock everyone out and no one can lock out a stranger.
# The other e-mail-sending actions are limited here, per address and per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": False,
    "request_login_code": "10/m/ip,3/15m/key",
    "reset_password": "10/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Patients who forget passwords sign in with a one-time code sent by e-mail.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3

# Two-factor sign-in (TOTP with recovery codes) for clinic staff, via allauth.mfa.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Limber"
MFA_ADAPTER = "clinic.adapters.MFAAdapter"
# The two-factor code forms count wrong codes in the database (clinic.two_factor).
MFA_FORMS = {
    "activate_totp": "clinic.two_factor.ActivateTOTPForm",
    "authenticate": "clinic.two_factor.AuthenticateForm",
    "reauthenticate": "clinic.two_factor.ReauthenticateForm",
}
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG)
# Key for TOTP secrets at rest (Fernet, url-safe base64 of 32 bytes). Locally derived
# from SECRET_KEY; in production give its own, and keep it out of database backups.
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "")
if not DEBUG and not MFA_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "MFA_ENCRYPTION_KEY must be set when DEBUG is off; the README shows how to make one."
    )

# Lockout: 5 failures for one account from one address, then 15 minutes of refusal.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "clinic.security.attempted_login"
AXES_CLIENT_IP_CALLABLE = "clinic.network.limit_address"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without restarting its 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions end after this much inactivity (seconds), and at the latest after 12 hours.
IDLE_TIMEOUT_STAFF = env_int("IDLE_TIMEOUT_STAFF", 15 * 60)
IDLE_TIMEOUT_PATIENT = env_int("IDLE_TIMEOUT_PATIENT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)

INVITATION_MAX_AGE_DAYS = 7
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day, in seconds

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pt", _("Portuguese")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("zh-hans", _("Chinese (simplified)")),
    ("ar", _("Arabic")),
]
# The languages whose patient-facing text is complete: the patient area, e-mails, the
# handout and the built-in exercise library (clinic.languages). A patient who prefers
# another language keeps that preference and sees English with a short notice, until
# the language is added here (README, "Languages").
PATIENT_LANGUAGES_COMPLETE = ("en", "es")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    # Files are written under a temporary name and renamed into place (clinic/storage.py).
    "default": {"BACKEND": "clinic.storage.AtomicFileSystemStorage"},
    # Whitenoise's compressed, hashed files in production; each address worked out once.
    "staticfiles": {
        "BACKEND": (
            "clinic.storage.StaticFiles"
            if DEBUG
            else "clinic.storage.CompressedManifestStaticFiles"
        )
    },
}

# Django's form rendering, with its widget templates drawn in Python (why: in the module).
FORM_RENDERER = "clinic.lib.form_renderer.FormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Limber <no-reply@limber.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is off.")

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12  # the absolute cap; idle limits are enforced by middleware
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp): our own scripts and styles only, no inline code,
# never framed. htmx runs under it (its inline indicator styles are turned off in base.html).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- REST API and FHIR export (/api/v1/, /fhir/R4/) ----------------------------------
# Clinic API tokens only (clinic.api): no session or basic auth, JSON only (no browsable
# API), deny by default, one error body. Calls per token per minute before 429.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["clinic.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.api.auth.TokenCapability"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["clinic.api.parsers.JsonParser"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "clinic.api.paging.Page",
    "EXCEPTION_HANDLER": "clinic.api.framework.error_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Limber API",
    "DESCRIPTION": (
        "A clinic's patients, programs, exercise logs, measures and questionnaires. "
        "Every call needs a clinic API token: Authorization: Bearer <token>."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.api.schema.add_error_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SideEnum": "programs.models.Side",
        "ProgramStatusEnum": "programs.models.Program.Status",
        "PatientStatusEnum": "patients.models.Patient.Status",
    },
}

# --- Background tasks ---------------------------------------------------------
# Django's task framework (the django-tasks backport; built into Django 6). The embedded
# default keeps tasks in the database: `manage.py db_worker` runs them, and several
# workers on several machines share one PostgreSQL. TASKS_BACKEND=rq keeps them in Redis
# (REDIS_URL) instead, run by `manage.py rqworker`. Queues: "renders" (PDFs), "email",
# and "default" (sweeps, reminders).
TASK_QUEUES = ["default", "email", "renders"]
# How long any Redis call (cache or task queue) may wait for a Redis that is down or hung.
REDIS_TIMEOUT = env_float("REDIS_TIMEOUT", 1.0)


def redis_url_with_timeouts(url: str) -> str:
    """`url` with REDIS_TIMEOUT as its socket timeouts unless it sets its own: django-rq
    takes nothing but the URL, and without them a hung Redis held a request that queued
    a task for ever. rq's workers raise the read timeout for their blocking waits."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name in ("socket_timeout", "socket_connect_timeout"):
        query.setdefault(name, str(REDIS_TIMEOUT))
    return urlunsplit(parts._replace(query=urlencode(query)))


if os.environ.get("TASKS_BACKEND", "database") == "rq":
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {
        name: {"URL": redis_url_with_timeouts(os.environ["REDIS_URL"])} for name in TASK_QUEUES
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# A PDF job still queued after this many seconds was lost (its worker killed, the queue
# wiped): the next download starts a new one instead of waiting for it. Well above a
# render's time limit plus the time other renders queued before it may take.
RENDER_JOB_STALE_SECONDS = env_int("RENDER_JOB_STALE_SECONDS", 600)
# PDFs are rendered by the task worker, each in a child process of its own (clinic/lib/pdf.py):
# one that takes longer than PDF_RENDER_TIMEOUT seconds is stopped, and one that needs more
# than PDF_RENDER_MEMORY_MB of address space beyond what it inherits from the worker (a
# handout of 30 exercises needs about 150) fails. Either way the task gets an error,
# never part of a PDF.
PDF_RENDER_TIMEOUT = env_float("PDF_RENDER_TIMEOUT", 20.0)
PDF_RENDER_MEMORY_MB = env_int("PDF_RENDER_MEMORY_MB", 1024)

# --- Cache --------------------------------------------------------------------
# Used for allauth's rate limits and the drawn pictures of handouts (lockouts, TOTP
# counters and spent codes are kept in the database), so it must be shared by every
# worker process: Redis when REDIS_URL is set, else a database table (created by
# `manage.py createcachetable`). Local runs and tests use memory.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # A Redis that is down or hung costs about a second, then is skipped for a few
            # seconds; nothing correct depends on it (clinic/cache.py).
            "BACKEND": "clinic.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "retry_on_timeout": False,
            },
        }
    }
elif not DEBUG:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "limber_cache",
        }
    }

# --- Logging ------------------------------------------------------------------
# One line per request (clinic.request_log: route, status, duration, request id, the
# user's and clinic's opaque ids), JSON in production (LOG_FORMAT=json, the default when
# DEBUG is off). Query strings and the secrets of one-time links are cut out of every
# logged request line and path; names and e-mail addresses are never logged.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "clinic.log_redaction.RedactRequests"},
        "context": {"()": "clinic.request_log.RequestContextFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "clinic.request_log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact", "context"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own request loggers keep their handlers but pass through the filters.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # WeasyPrint reports every layout step at INFO; only its warnings are useful.
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
    },
}

# Periodic work: one scheduler process (`manage.py run_scheduler`) only enqueues these
# tasks on their cron times (in TIME_ZONE); the task worker runs them.
PERIODIC_TASKS = [
    ("patients.tasks.daily_sweep", "15 5 * * *"),
    ("patients.tasks.questionnaires_ask", "12 * * * *"),
    ("clinic.tasks.housekeeping", "45 3 * * *"),
    ("patients.tasks.documents_purge", "15 4 * * *"),
    ("patients.tasks.reminders_send_due", "*/15 * * * *"),
    ("clinic.tasks.emails_resume", "7,22,37,52 * * * *"),
    ("patients.tasks.caseload_figures_refresh", "2 * * * *"),
    # Day names, not numbers: APScheduler counts weekdays from Monday = 0, cron from Sunday.
    ("patients.tasks.digests_send", "0 7 * * mon"),
]
