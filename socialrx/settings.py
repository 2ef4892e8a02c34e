"""socialrx settings: one file, driven by the environment (see docs/operations.md)."""

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
    "accounts",
    "audit",
    "directory",
    "places",
    "people",
    "referrals",
    "casework",
    "outcomes",
    "matching",
    "insight",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "web.middleware.RequestIdMiddleware",
    "socialrx.api_limits.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Tests close connections at once: live-server threads must not hold the test DB.
        conn_max_age=0 if TESTING else env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
# Text messages need a gateway in production (a system check refuses to start without one,
# or without SMS_BACKEND=outcomes.sms.DisabledSMSBackend); the console backend sends nothing.
SMS_BACKEND = env_str(
    "SMS_BACKEND", "outcomes.sms.MemorySMSBackend" if TESTING else "outcomes.sms.ConsoleSMSBackend"
)

# Directory freshness: listings not verified for this long are flagged stale, queued for
# verification and down-ranked in search.
DIRECTORY_STALE_AFTER_DAYS = env_int("DIRECTORY_STALE_AFTER_DAYS", 365)

# Requests bigger than this are refused before any view sees them (a clear 400, not a 500).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_000_000)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256_000)

# Self-referral: how many submissions one address may make per hour.
SELF_REFERRAL_RATE_PER_HOUR = env_int("SELF_REFERRAL_RATE_PER_HOUR", 5)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use the
# connection's address). Rate limits key on the client address this gives.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "INFO"},
    },
}
