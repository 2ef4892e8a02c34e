"""socialrx settings: one file, driven by the environment (see docs/operations.md)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from socialrx.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("SOCIALRX_TESTING", default=False)

# In production SECRET_KEY must be set; for a laptop demo (DEBUG on) a fixed
# development key is acceptable because nothing real is stored.
SECRET_KEY = env_secret(
    "SECRET_KEY",
    required=not (DEBUG or TESTING),
    dev_default="django-insecure-socialrx-development-only-key-do-not-use-in-production",
)
# Earlier keys, comma-separated, still accepted while SECRET_KEY is rotated (signatures,
# recovery code hashes, two-factor secrets): docs/operations.md#sign-in.
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in env_secret("SECRET_KEY_FALLBACKS", required=False).split(",")
    if key.strip()
]
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "idempotency",
    "directory",
    "places",
    "people",
    "referrals",
    "casework",
    "outcomes",
    "matching",
    "insight",
    "records",
    "trials",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "web.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "web.middleware.RequestIdMiddleware",
    "socialrx.api_limits.ApiBodyLimitMiddleware",
    "socialrx.input_guard.NulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # A 403 to a signed-in user is audited; staff who need two-factor sign-in reach nothing
    # else until they have it (accounts.middleware, docs/operations.md).
    "accounts.middleware.RefusedAccessAuditMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socialrx.urls"
WSGI_APPLICATION = "socialrx.wsgi.application"

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
                "web.context_processors.navigation",
            ],
        },
    },
]

# Form widgets are drawn by Jinja2 (Django's own widget templates, django/forms/jinja2, and
# each app's jinja2/ folder), pages by Django's templates; see socialrx.widgets.
FORM_RENDERER = "socialrx.widgets.WidgetRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Tests close connections at once: live-server threads must not hold the test DB.
        conn_max_age=0 if TESTING else env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_DISABLE_JIT", default=True
):
    # PostgreSQL's JIT compiles a statement whose estimated cost is high, which for the
    # insight summaries' small index-driven statements took seconds longer than running
    # them (docs/operations.md#postgresql). Behind PgBouncer, allow the `options` startup
    # parameter (ignore_startup_parameters) or set DATABASE_DISABLE_JIT=0 and jit=off in
    # postgresql.conf.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share the file without locking each other out.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in: django-axes refuses a username from an address after AXES_FAILURE_LIMIT failures
# for the cool-off period, then the model backend checks the password (docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"  # honours TRUSTED_PROXY_HOPS
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# The code typed at the second sign-in step is masked in axes' records, like the password.
AXES_SENSITIVE_PARAMETERS = ["code"]

# Two-factor sign-in (TOTP, django-otp): required for admins, staff and supervisors. Only a
# DEBUG laptop demo or the test settings may waive it (accounts.E001 stops production
# starting without it); everyone else may turn it on for themselves.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=not (DEBUG or TESTING))
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "socialrx")
# Authenticator secrets are stored encrypted under a key derived from this (SECRET_KEY when
# unset); earlier keys, comma-separated, still decrypt (accounts.otp_secrets).
OTP_ENCRYPTION_KEY = env_secret("OTP_ENCRYPTION_KEY", required=False)
OTP_ENCRYPTION_KEY_FALLBACKS = [
    key.strip()
    for key in env_secret("OTP_ENCRYPTION_KEY_FALLBACKS", required=False).split(",")
    if key.strip()
]
# Personal API tokens expire: this many days unless the maker chooses fewer (up to the max).
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)

# Argon2 for new passwords; the others still check (and upgrade) older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if not env_str("REDIS_URL")
        else "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL", "socialrx"),
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}

# Where links in emails and text messages point (outside a request there is no host to ask),
# and how email is sent (console on a laptop). PORT is where `make run` serves the demo.
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if (DEBUG or TESTING)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "socialrx <no-reply@localhost>")

# Research extract and time report: the HMAC key of their pseudonyms (docs/insight.md).
# No default anywhere: the exports refuse to run without it.
RESEARCH_PSEUDONYM_KEY = env_secret("RESEARCH_PSEUDONYM_KEY", required=False)

# Outcome measures: which instruments at which timepoint, and when follow-ups fall due.
OUTCOME_SCHEDULE = {
    "baseline": ["swemwbs", "ons4", "ucla3", "hrsn"],
    "week_6": ["swemwbs", "ucla3"],
    "week_12": ["swemwbs", "ons4", "ucla3"],
    "discharge": ["swemwbs", "ons4", "ucla3"],
}
OUTCOME_FOLLOW_UP_WEEKS = {
    "week_6": env_int("OUTCOME_FIRST_FOLLOW_UP_WEEKS", 6),
    "week_12": env_int("OUTCOME_SECOND_FOLLOW_UP_WEEKS", 12),
}
ONE_TIME_LINK_DAYS = env_int("ONE_TIME_LINK_DAYS", 7)
# The measure some months after discharge ("do gains last"); a team's own figure is set on
# the admin's Team follow-ups page (outcomes.TeamFollowUp). docs/outcomes.md.
POST_DISCHARGE_FOLLOW_UP_MONTHS = env_int("POST_DISCHARGE_FOLLOW_UP_MONTHS", 3)
# Text messages: off in production until a gateway is configured (the page says texts are
# not sent); on a laptop the console backend prints "NOT SENT". A production backend that
# sends nothing yet pretends to (the console one) stops start-up (outcomes.E001).
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "outcomes.sms.MemorySMSBackend"
    if TESTING
    else "outcomes.sms.ConsoleSMSBackend"
    if DEBUG
    else "outcomes.sms.DisabledSMSBackend",
)

# Directory freshness: listings not verified for this long are flagged stale, queued for
# verification and down-ranked in search.
DIRECTORY_STALE_AFTER_DAYS = env_int("DIRECTORY_STALE_AFTER_DAYS", 365)

# Matching's sentence-embedding model (docs/matching.md, ADR 0023): "minilm+mpnet", the default
# (the mean of all-MiniLM-L6-v2's and all-mpnet-base-v2's cosines, 1,152 dimensions; the
# better suggestions), or "minilm" (MiniLM alone, 384 dimensions: for a small machine, about
# 530 MiB less memory per process and 9 ms instead of about 80 to embed a new need). `make
# setup` installs both models unless SOCIALRX_MATCHING_MODEL=minilm.
MATCHING_MODEL = env_str("SOCIALRX_MATCHING_MODEL", "minilm+mpnet")

# Requests bigger than this are refused before any view sees them (a clear 400, not a 500).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_000_000)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256_000)
# API writes sent with an Idempotency-Key: how long the first answer is replayed (docs/api.md).
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)
# Records management (records app, docs/operations.md): the Unicode font of subject access
# PDFs (empty: Noto Sans from the fontpkg-noto-sans package; a .ttf path to use another), and
# how long a closed case is kept before `manage.py apply_retention` anonymises it.
SUBJECT_ACCESS_PDF_FONT = env_str("SUBJECT_ACCESS_PDF_FONT", "")
# 8 years: the NHS Records Management Code of Practice's period for adult health records
# not covered elsewhere in its schedule. Other periods by discharge reason: "died=8,...".
RETENTION_YEARS_AFTER_DISCHARGE = env_int("RETENTION_YEARS_AFTER_DISCHARGE", 8)
RETENTION_YEARS_BY_DISCHARGE_REASON = {
    reason.strip(): int(years)
    for reason, _, years in (
        item.partition("=") for item in env_list("RETENTION_YEARS_BY_DISCHARGE_REASON", [])
    )
}

# Self-referral: how many submissions one address may make per hour.
SELF_REFERRAL_RATE_PER_HOUR = env_int("SELF_REFERRAL_RATE_PER_HOUR", 5)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use the
# connection's address). Rate limits key on the client address this gives.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

# Sessions end after SESSION_COOKIE_AGE seconds without a request (accounts.middleware
# renews them at most once a minute), and when the browser closes.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_RENEW_AFTER_SECONDS = 60
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "web.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page uses are refused (web.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Content-Security-Policy: our own files only. No inline script or style anywhere (the NHS.UK
# frontend starts from static/js/socialrx.js; base.html tells htmx not to inject its indicator
# <style>, whose rules are in socialrx.css instead).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG and not TESTING:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto: https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # /healthz answers plain HTTP so a load balancer can probe the container directly.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # "preload" only says the site consents to browsers' preload lists; nothing submits it.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# Production logs JSON lines to stdout (socialrx/logging.py), with the request id; a laptop
# gets plain lines on stderr. LOG_FORMAT=json or plain chooses.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if (DEBUG or TESTING) else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "socialrx.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts and repeated failures, not every login
        "fontTools": {"level": "WARNING"},  # subject access PDFs: not every font table
    },
}
