"""gunicorn settings for production (`make serve`); every value can be overridden by the
environment (GUNICORN_WORKERS, GUNICORN_THREADS, HOST, PORT, GUNICORN_TIMEOUT,
GUNICORN_MAX_REQUESTS)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a leak cannot grow for ever); 0 turns it off (benchmarks).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# The request id is set by the app (X-Request-ID response header) and logged with it.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    # One JSON object per line everywhere: the app logs every request itself (request id,
    # user, route, status, duration), so no access log; gunicorn's own lines as JSON.
    accesslog = None
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "{asctime}{levelname}{name}{message}",
                "style": "{",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False}
        },
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers tell the master they are alive by touching a file after every request; in
# memory (/dev/shm) rather than on disk, as gunicorn's docs advise. gunicorn creates it
# with mkstemp (a private, unique file), so a shared directory is safe here.
SHM = "/dev/shm"  # noqa: S108  # nosec B108
if os.path.isdir(SHM):
    worker_tmp_dir = SHM
