"""Work done after the answer has gone, off the request path: on a daemon thread of the
same process, in an app context (and database session) of its own. Work queued during a
request starts once the server has sent the answer and closed it (WSGI ``close()``), so
it neither delays the answer nor competes with it; it is dropped if the request failed.
Work still running when the process stops is lost; a transactional outbox with a worker
is to replace this module, so everything that runs later goes through ``later``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

from flask import Flask, Response, current_app, g, has_request_context

log = logging.getLogger("tympanum.background")
_running: set[threading.Thread] = set()
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.after_request(_start_after_sending)
    app.teardown_request(_drop_unsent)


def later(work: Callable[..., object], *args: object) -> None:
    """Run ``work(*args)`` on a daemon thread in a fresh app context: after the current
    request's answer has been sent (at once outside a request; never if the request
    fails). ``work`` commits what it writes; a failure is logged with the id of the
    request that queued it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request_id = g.get("request_id", "-") if has_request_context() else "-"
    name = getattr(work, "__name__", "work")

    def run() -> None:
        try:
            with app.app_context():
                work(*args)
        except Exception:  # noqa: BLE001 - nobody waits for this thread: log and go on
            log.exception("background %s failed (queued by request %s)", name, request_id)
        finally:
            with _lock:
                _running.discard(thread)

    thread = threading.Thread(target=run, name=f"tympanum-{name}", daemon=True)
    with _lock:
        _running.add(thread)
    if has_request_context():
        g.setdefault("background_queue", []).append(thread)
    else:
        thread.start()


def _start_after_sending(response: Response) -> Response:
    """Hand the request's queued work to its answer, to start when the server closes it;
    a failed request's work (a 5xx: its transaction was rolled back) is dropped."""
    queue = g.pop("background_queue", [])
    if queue and response.status_code < 500:
        response.call_on_close(partial(_start, queue))
    else:
        _forget(queue)
    return response


def _drop_unsent(_error: BaseException | None) -> None:
    _forget(g.pop("background_queue", []))  # no answer was made


def _start(queue: list[threading.Thread]) -> None:
    for thread in queue:
        thread.start()


def _forget(queue: list[threading.Thread]) -> None:
    with _lock:
        _running.difference_update(queue)


def wait(timeout: float = 30) -> bool:
    """Wait until the work started so far has finished (tests, benchmarks, shutdown);
    True when it all did within ``timeout`` seconds. Work whose answer has not been
    closed yet has not started, and is not waited for."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            pending = [thread for thread in _running if thread.ident is not None]
        if not pending:
            return True
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _lock:
                return not any(t.is_alive() for t in _running)
