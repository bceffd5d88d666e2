"""One settings module, read from the environment.

Development defaults are safe for a single machine; set JIANBAO_PRODUCTION=1
(with SECRET_KEY and ALLOWED_HOSTS) for a deployment that passes
``manage.py check --deploy``.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIANBAO_VAR_DIR", BASE_DIR / "var"))

PRODUCTION = os.environ.get("JIANBAO_PRODUCTION") == "1"
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "" if PRODUCTION else "dev-only-insecure-key-jianbao-0123456789abcdefghijklmnop"
)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Chinese app names in the admin (jianbao/core/apps_labels.py).
    "jianbao.core.apps_labels.AxesConfig",
    "django_tasks",
    "jianbao.core.apps_labels.TasksDatabaseConfig",
    "jianbao.core",
    "jianbao.network",
    "jianbao.bulletins",
    "jianbao.submissions",
    "jianbao.distribution",
    "jianbao.mailbox",
    "jianbao.publishing",
    "jianbao.archive",
    "jianbao.review",
    "jianbao.proofing",
    "jianbao.catalogue",
    "django_prose_editor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 413 for a body larger than JIANBAO_MAX_REQUEST_BYTES, before anything reads it.
    "jianbao.core.limits.RequestSizeLimitMiddleware",
    # Content-Security-Policy (production), and a 400 for a NUL in the path or query.
    "jianbao.core.security.ContentSecurityPolicy",
    "jianbao.core.security.RefuseMalformedRequests",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns throttled logins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jianbao.urls"
WSGI_APPLICATION = "jianbao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jianbao.core.context_processors.roles",
            ],
        },
    },
]


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'jianbao.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while the importer or a worker writes;
        # IMMEDIATE avoids the "database is locked" upgrade deadlock.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=5000;PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "jianbao.core.auth.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "archive:issue_list"

# Login throttling: five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
# PostgreSQL search: documents per partition of the index (archive.search.postgres).
SEARCH_PARTITION_ROWS = int(os.environ.get("JIANBAO_SEARCH_PARTITION_ROWS", 8192))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# Behind the reverse proxy of deploy/, the client's address is the X-Real-IP it sets
# (believed only from JIANBAO_TRUSTED_PROXIES, below).
AXES_CLIENT_IP_CALLABLE = "jianbao.core.security.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded files and pictures: the local disk under MEDIA_ROOT, or with
# JIANBAO_STORAGE=s3 an S3-compatible bucket (django-storages), so that several
# app servers share them. The AWS_* names are django-storages' own.
if os.environ.get("JIANBAO_STORAGE") == "s3":
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # A private bucket: the app's own views hand files out, after their checks.
            "default_acl": None,
            # Pictures are content-addressed: the same name is the same bytes.
            "file_overwrite": True,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Mail, with Django's own setting names. Without EMAIL_HOST, mail is printed.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jianbao@localhost")
# Where links in e-mails point.
JIANBAO_SITE_URL = os.environ.get("JIANBAO_SITE_URL", "http://127.0.0.1:8000")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
# The largest request body accepted at all: a 20 MB attachment plus the form, and some slack.
JIANBAO_MAX_REQUEST_BYTES = int(os.environ.get("JIANBAO_MAX_REQUEST_BYTES", 26 * 1024 * 1024))
# Back-catalogue readers: LibreOffice's conversion of a .doc/.wps, and OCR of scans.
JIANBAO_SOFFICE_SECONDS = int(os.environ.get("JIANBAO_SOFFICE_SECONDS", 60))
JIANBAO_OCR_JOBS = int(os.environ.get("JIANBAO_OCR_JOBS", 2))
JIANBAO_OCR_PAGE_SECONDS = int(os.environ.get("JIANBAO_OCR_PAGE_SECONDS", 60))

# Background work: Django's Tasks API (django-tasks backport), stored in the
# database by default so a worker needs no other server. JIANBAO_TASKS=rq with
# REDIS_URL moves the queue to Redis workers for bigger deployments.
if os.environ.get("JIANBAO_TASKS") == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The submission mailbox: imap://user:pass@host:port/INBOX or imaps://…
IMAP_URL = os.environ.get("IMAP_URL", "")
# Reply to each sender that their mail arrived.
JIANBAO_ACKNOWLEDGE_SUBMISSIONS = os.environ.get("JIANBAO_ACKNOWLEDGE_SUBMISSIONS", "0") == "1"
# Mails per second at most when sending an issue to its lists (0: no limit).
JIANBAO_SEND_RATE = float(os.environ.get("JIANBAO_SEND_RATE", 0))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 60))
# How often the worker reads the submission mailbox, in seconds.
JIANBAO_FETCH_INTERVAL = int(os.environ.get("JIANBAO_FETCH_INTERVAL", 300))
# Temporary (4xx) failures: first retry after this many seconds, doubling, at most so many tries.
JIANBAO_SEND_RETRY_SECONDS = int(os.environ.get("JIANBAO_SEND_RETRY_SECONDS", 60))
JIANBAO_SEND_MAX_ATTEMPTS = int(os.environ.get("JIANBAO_SEND_MAX_ATTEMPTS", 8))
# A delivery claimed this long ago by a worker that may still live is taken back.
JIANBAO_SEND_CLAIM_TIMEOUT = int(os.environ.get("JIANBAO_SEND_CLAIM_TIMEOUT", 900))
# How often each worker looks for sends a dead worker left half-done (seconds).
JIANBAO_RECOVER_INTERVAL = float(os.environ.get("JIANBAO_RECOVER_INTERVAL", 60))

# Length of the public notice (公示) for network membership, in working days.
JIANBAO_NOTICE_WORKING_DAYS = int(os.environ.get("JIANBAO_NOTICE_WORKING_DAYS", 5))
# Objections to a notice accepted per hour from one network address, and per notice in all.
JIANBAO_OBJECTIONS_PER_ADDRESS = int(os.environ.get("JIANBAO_OBJECTIONS_PER_ADDRESS", 5))
JIANBAO_OBJECTIONS_PER_NOTICE = int(os.environ.get("JIANBAO_OBJECTIONS_PER_NOTICE", 60))
# Proxies whose X-Real-IP is believed (the nginx in front of gunicorn, on loopback).
JIANBAO_TRUSTED_PROXIES = tuple(
    os.environ.get("JIANBAO_TRUSTED_PROXIES", "127.0.0.1,::1").replace(" ", "").split(",")
)

# Serve static files straight from the apps when collectstatic has not run (development).
WHITENOISE_USE_FINDERS = not PRODUCTION

# The archive caches whole pages; one entry per page, so more than the default 300.
# Each process keeps its own by default. Keys name the site version, which every
# process reads from the database, so that is correct with several app servers
# too; JIANBAO_CACHE_URL=redis://host:6379/1 shares one cache among them, so
# that a page is typeset once for all.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
if os.environ.get("JIANBAO_CACHE_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["JIANBAO_CACHE_URL"],
        "KEY_PREFIX": "jianbao",
    }

# Pictures (jianbao.publishing.pictures): the largest file accepted, the most
# pixels decoded (a decompression bomb is refused, not warned about), the
# storage alias they live in, and the local folder the print versions are copied
# to when that storage is not the local disk (typst and python-docx read files).
JIANBAO_PICTURE_MAX_BYTES = int(os.environ.get("JIANBAO_PICTURE_MAX_BYTES", 20 * 1024 * 1024))
JIANBAO_PICTURE_MAX_PIXELS = int(os.environ.get("JIANBAO_PICTURE_MAX_PIXELS", 50_000_000))
JIANBAO_PICTURE_STORAGE = os.environ.get("JIANBAO_PICTURE_STORAGE", "default")
JIANBAO_PICTURE_CACHE_DIR = Path(
    os.environ.get("JIANBAO_PICTURE_CACHE_DIR", VAR_DIR / "cache" / "pictures")
)

# The office's own font files (方正小标宋简体, 仿宋_GB2312 or FZFangSong, 楷体_GB2312,
# 黑体, SimFang, SimKai, SimHei …): where present the PDF sets each role in them as
# GB/T 9704 asks, otherwise in the free Debian faces (`jianbao fonts` shows which).
# Licensed files: never committed, so empty (none) unless the office sets it.
JIANBAO_FONT_DIR = os.environ.get("JIANBAO_FONT_DIR", "")

# The largest bulletin file the importer reads; larger files are refused
# before any byte is decoded.
JIANBAO_MAX_IMPORT_BYTES = int(os.environ.get("JIANBAO_MAX_IMPORT_BYTES", 20 * 1024 * 1024))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Content-Security-Policy, sent in production (jianbao.core.security). Scripts only
# from this site (htmx and Sortable are vendored under /static/vendor/). Styles
# allow inline ones: the desk's style="" attributes, the statistics page's <style>
# and pygal's charts, and the desk preview's <style> need them. Framing is left to
# X-Frame-Options per view (DENY, the desk preview SAMEORIGIN).
JIANBAO_CSP = (
    os.environ.get(
        "JIANBAO_CSP",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'",
    )
    if PRODUCTION
    else ""
)

if PRODUCTION:
    if not SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set when JIANBAO_PRODUCTION=1")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    # A year; subdomains and the preload flag too unless the environment says 0 (a
    # subdomain still served over plain http), which `check --deploy` then reports.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
