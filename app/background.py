"""Work done after the answer has gone, off the request path: on a daemon thread of the
same process, in an app context (and database session) of its own. Work queued during a
request starts once the answer is complete (at teardown), so it neither delays nor
competes with the answer, and is dropped if the request failed. Work still running when
the process stops is lost; a transactional outbox with a worker is to replace this
module, so everything that runs later goes through ``later``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context

log = logging.getLogger("tympanum.background")
_running: set[threading.Thread] = set()
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.after_request(_note_answer)
    app.teardown_request(_start_queued)


def later(work: Callable[..., object], *args: object) -> None:
    """Run ``work(*args)`` on a daemon thread in a fresh app context, after the current
    request (at once outside one; never if the request fails); ``work`` commits what it writes. A failure is logged
    with the id of the request that queued it."""
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


def _note_answer(response: Response) -> Response:
    g.background_answer = response.status_code
    return response


def _start_queued(error: BaseException | None) -> None:
    """Start the request's queued work, unless the request failed (a 500: its
    transaction was rolled back, so the work may rest on nothing)."""
    succeeded = error is None and g.get("background_answer", 500) < 500
    for thread in g.pop("background_queue", []):
        if succeeded:
            thread.start()
        else:
            with _lock:
                _running.discard(thread)


def wait(timeout: float = 30) -> bool:
    """Wait until the work started so far has finished (tests, benchmarks, shutdown);
    True when it all did within ``timeout`` seconds."""
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
