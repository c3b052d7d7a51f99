"""Load: 64 simulated respondents against gunicorn (2 workers), SQLite and PostgreSQL.

Per database: a bare endpoint (a static file served by the app: no database work) as the
baseline; the write path closed-loop (64 respondents autosave every section and submit,
as fast as the server answers: throughput); then 64 paced respondents working page by
page for 60 s, once per think time in LOAD_THINK (latency); and a check that every
acknowledged submission is stored exactly once with its answers. Loopback only; every
loop is bounded in time.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict

from sqlalchemy import func, select

from bench.respondent_client import (
    Sample,
    Session,
    autosave_and_submit,
    load_definitions,
    log_in,
    log_out,
    respond_once,
)
from bench.server import Gunicorn, flask, free_port, scratch_database, server_env

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "64"))
PROCESSES = 4
PACED_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
CLOSED_SECONDS = float(os.environ.get("LOAD_CLOSED_SECONDS", "20"))
# Think times of the paced runs (seconds between a respondent's actions; people take far
# longer): the first is the one the p99 target is checked on.
THINKS = [float(t) for t in os.environ.get("LOAD_THINK", "0.5,2").split(",") if t]
RAMP_SECONDS = 10.0  # paced respondents arrive over the first seconds, not all at once
WRITES = ("POST autosave", "POST save section", "POST submit")
BARE_SECONDS = 10.0
PASSWORD = "load-test-password"  # noqa: S105
USERS_PER_CLIENT = 6


def prepare_people(url: str, count: int) -> list[str]:
    """Organisations asked about every action, one respondent each (privacy accepted)."""
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.extensions import db
    from app.models import Action, Organisation, OrgKind, Role, SizeBand, User, utcnow
    from config import ProductionConfig, TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    emails = []
    with app.app_context():
        actions = list(db.session.scalars(select(Action)))
        # The production method (Argon2id; scrypt in versions before it), as a new account gets.
        method = getattr(ProductionConfig, "PASSWORD_HASH_METHOD", "scrypt")
        if method.startswith("argon2"):
            from app.passwords import hash_password

            password_hash = hash_password(PASSWORD, method)
        else:
            password_hash = generate_password_hash(PASSWORD, method=method)
        for index in range(count):
            org = Organisation(
                name=f"Load City {index:04d}",
                kind=OrgKind.CITY,
                country="DE",
                size_band=SizeBand.MEDIUM,
            )
            org.actions = actions
            email = f"load{index:04d}@example.org"
            user = User(
                email=email,
                display_name=f"Load {index}",
                role=Role.RESPONDENT,
                organisation=org,
                password_hash=password_hash,
                privacy_version=app.config["PRIVACY_NOTICE_VERSION"],
                privacy_accepted_at=utcnow(),
            )
            db.session.add_all([org, user])
            emails.append(email)
        db.session.commit()
        db.engine.dispose()
    return emails


def _bare_worker(base: str, threads: int, seconds: float, queue) -> None:
    samples: list[Sample] = []
    lock = threading.Lock()

    def run() -> None:
        session = Session(base)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            session.request("GET bare (static)", "GET", "/static/img/logo.svg")
        session.close()
        with lock:
            samples.extend(session.samples)

    _threads(run, threads)
    queue.put((samples, []))


def _flow_worker(
    mode: str, base: str, threads: int, seconds: float, think: float, users, queue, start
) -> None:
    """``mode`` "write": every client logs in first (untimed), then, once every process
    is ready (``start``, which the parent waits on too), autosaves and submits
    questionnaires as fast as the server answers; "paced": respondents arrive over
    RAMP_SECONDS and work page by page with ``think`` seconds between actions."""
    samples: list[Sample] = []
    acks: list[tuple[str, int]] = []
    lock = threading.Lock()
    ready = threading.Barrier(threads, action=lambda: start.wait(timeout=300))

    def run(emails: list[str], seed: int) -> None:
        rng = random.Random(seed)
        session = Session(base)
        mine: list[tuple[str, int]] = []
        logged_in = False
        if mode == "write":
            logged_in = log_in(session, emails[0], PASSWORD)
            ready.wait(timeout=120)
            session.samples.clear()
        else:
            time.sleep(rng.uniform(0, RAMP_SECONDS))
        deadline = time.monotonic() + seconds
        for email in emails:
            if time.monotonic() >= deadline:
                break
            if not logged_in and not log_in(session, email, PASSWORD):
                break
            logged_in = False
            for action in range(1, 12):
                if time.monotonic() >= deadline:
                    break
                if mode == "write":
                    reference, rows = autosave_and_submit(session, action, rng)
                else:
                    reference, rows = respond_once(session, action, rng, think)
                if reference:
                    mine.append((reference, rows))
            log_out(session)
        session.close()
        with lock:
            samples.extend(session.samples)
            acks.extend(mine)

    _threads(run, threads, users)
    queue.put((samples, acks))


def _threads(target, count: int, users: list[list[str]] | None = None) -> None:
    workers = []
    for index in range(count):
        args = (users[index], index) if users is not None else ()
        workers.append(threading.Thread(target=target, args=args))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def run_clients(
    kind: str,
    base: str,
    seconds: float,
    think: float = 0.0,
    emails: list[str] | None = None,
    on_start=None,
):
    """Run the clients; ``on_start`` is called once the write clients have all logged
    in, as their timed run begins (the CPU reading that leaves the logins out)."""
    load_definitions()  # the forked clients inherit them
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    start = ctx.Barrier(PROCESSES + 1)
    per_process = CLIENTS // PROCESSES
    processes = []
    for p in range(PROCESSES):
        if kind == "bare":
            proc = ctx.Process(target=_bare_worker, args=(base, per_process, seconds, queue))
        else:
            clients = range(p * per_process, (p + 1) * per_process)
            users = [emails[i::CLIENTS] for i in clients]  # every client gets its own people
            proc = ctx.Process(
                target=_flow_worker,
                args=(kind, base, per_process, seconds, think, users, queue, start),
            )
        proc.start()
        processes.append(proc)
    if kind == "write":
        start.wait(timeout=300)
        if on_start is not None:
            on_start()
    samples: list[Sample] = []
    acks: list[tuple[str, int]] = []
    for _ in processes:
        part_samples, part_acks = queue.get(timeout=seconds + 300)
        samples += part_samples
        acks += part_acks
    for proc in processes:
        proc.join(timeout=30)
    return samples, acks


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(title: str, samples: list[Sample], seconds: float) -> dict:
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_label[sample.label].append(sample)
    samples = [s for s in samples if not s.label.startswith("=")]  # requests only
    print(
        f"\n  {title}: {len(samples)} requests in {seconds:.0f} s = {len(samples) / seconds:.1f} req/s"
    )
    print(f"  {'endpoint':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for label, items in sorted(by_label.items()):
        ms = [s.ms for s in items]
        statuses = Counter(s.status if not s.error else s.error for s in items)
        print(
            f"  {label:<22} {len(items):>7} {percentile(ms, 50):8.1f} {percentile(ms, 95):8.1f} {percentile(ms, 99):8.1f}  {dict(statuses)}"
        )
    errors = [
        s for s in samples if s.error or s.status >= 500 or s.status in (0, 400, 403, 404, 409, 429)
    ]
    return {
        "rps": len(samples) / seconds,
        "errors": Counter(s.status if not s.error else s.error for s in errors),
        "p99": max(
            (
                percentile([s.ms for s in items], 99)
                for label, items in by_label.items()
                if not label.startswith("=")
            ),
            default=0.0,
        ),
        "by_label": by_label,
    }


def verify(url: str, acks: list[tuple[str, int]]) -> dict:
    """Every acknowledged submission stored exactly once, with all its answers."""
    from app import create_app
    from app.extensions import db
    from app.models import Answer, Response, ResponseEvent, ResponseState
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    lost = incomplete = duplicated = 0
    with app.app_context():
        for reference, rows in acks:
            response = db.session.scalar(select(Response).where(Response.reference == reference))
            if response is None or response.state != ResponseState.SUBMITTED:
                lost += 1
                continue
            stored = db.session.scalar(
                select(func.count(Answer.id)).where(Answer.response_id == response.id)
            )
            if stored != rows:
                incomplete += 1
            submissions = db.session.scalar(
                select(func.count(ResponseEvent.id)).where(
                    ResponseEvent.response_id == response.id, ResponseEvent.to_state == "submitted"
                )
            )
            if submissions != 1:
                duplicated += 1
        empty_submitted = db.session.scalar(
            select(func.count(Response.id)).where(
                Response.state == ResponseState.SUBMITTED, ~Response.answers.any()
            )
        )
        db.engine.dispose()
    return {
        "acknowledged": len(acks),
        "lost": lost,
        "incomplete": incomplete,
        "duplicated": duplicated,
        "submitted_without_answers": empty_submitted,
    }


def run_database(kind: str) -> bool:
    print(f"\n## {kind}")
    with scratch_database(kind) as url:
        env = server_env(url, free_port())
        flask(env, "db", "upgrade")
        flask(env, "seed")
        emails = prepare_people(url, CLIENTS * USERS_PER_CLIENT)
        server = Gunicorn(env)
        server.start()
        try:
            cpu = server.cpu_seconds()
            bare, _ = run_clients("bare", server.base, BARE_SECONDS)
            bare_stats = report("bare endpoint (baseline, closed loop)", bare, BARE_SECONDS)
            bare_cpu = server.cpu_seconds() - cpu
            cpu_at: list[float] = []  # once every write client has logged in (password hashes)
            closed, closed_acks = run_clients(
                "write",
                server.base,
                CLOSED_SECONDS,
                0.0,
                emails[: len(emails) // 3],
                on_start=lambda: cpu_at.append(server.cpu_seconds()),
            )
            closed_stats = report(
                "autosave + submit, closed loop (write throughput)", closed, CLOSED_SECONDS
            )
            write_cpu = server.cpu_seconds() - cpu_at[0]
            # One paced run per think time: the first is the target's; the others show
            # where the latency target holds on this machine.
            paced_runs = []
            people = emails[len(emails) // 3 :]
            for index, think in enumerate(THINKS):
                mine = people[index :: len(THINKS)]
                samples, acks = run_clients("paced", server.base, PACED_SECONDS, think, mine)
                stats = report(
                    f"{CLIENTS} paced respondents ({think:g} s think time, arriving over "
                    f"{RAMP_SECONDS:.0f} s), {PACED_SECONDS:.0f} s",
                    samples,
                    PACED_SECONDS + RAMP_SECONDS,
                )
                paced_runs.append((think, samples, acks, stats))
        finally:
            server.stop()
        check = verify(url, closed_acks + [a for run in paced_runs for a in run[2]])
    writes = [s for s in closed if s.label in WRITES]
    write_rps = len(writes) / CLOSED_SECONDS
    ratio = write_rps / bare_stats["rps"]
    errors = closed_stats["errors"] + sum((run[3]["errors"] for run in paced_runs), Counter())
    paced_p99 = {}
    for think, samples, _, _stats in paced_runs:
        paced_p99[think] = percentile([s.ms for s in samples if s.label != "POST login"], 99)
    print(
        f"\n  save+submit: {write_rps:.1f} requests/s = {ratio:.2f}x the bare endpoint "
        f"({bare_stats['rps']:.1f}/s); all requests of that phase {closed_stats['rps']:.1f}/s"
    )
    bare_ms = 1000 * bare_cpu / max(len(bare), 1)
    write_ms = 1000 * write_cpu / max(len(closed), 1)
    print(
        f"  server CPU per request: bare {bare_ms:.2f} ms, write phase {write_ms:.2f} ms "
        f"(cost ratio {bare_ms / write_ms if write_ms else 0:.2f}x; the rest of the cores "
        "ran the load generator)"
    )
    for think, samples, _, stats in paced_runs:
        login = percentile([s.ms for s in samples if s.label == "POST login"], 99)
        # Once everyone has arrived and logged in: the steady state of the run.
        settled = min((s.at for s in samples), default=0.0) + RAMP_SECONDS + 5
        steady = percentile([s.ms for s in samples if s.at > settled], 99)
        print(
            f"  paced, {think:g} s think time: {stats['rps']:.1f} requests/s, p99 "
            f"{paced_p99[think]:.1f} ms over every request but the login "
            f"({steady:.1f} ms once all have arrived); login (password hash) p99 {login:.1f} ms"
        )
    print(f"  database check: {check}")
    results = {
        "0 errors": not errors,
        "0 lost or duplicated submissions": check["lost"]
        == check["incomplete"]
        == check["duplicated"]
        == check["submitted_without_answers"]
        == 0,
        "save+submit throughput >= 0.4x bare": ratio >= 0.4,
        f"p99 < 150 ms (paced, {THINKS[0]:g} s think time)": paced_p99[THINKS[0]] < 150,
    }
    for name, ok in results.items():
        print(
            f"  [{'PASS' if ok else 'FAIL'}] {name}"
            + ("" if ok or name != "0 errors" else f": {dict(errors)}")
        )
    return all(results.values())


def main() -> int:
    kinds = [k for k in os.environ.get("LOAD_DATABASES", "sqlite,postgresql").split(",") if k]
    print(
        f"machine: {os.cpu_count()} CPUs; clients: {CLIENTS} in {PROCESSES} processes; gunicorn: 2 workers"
    )
    ok = [run_database(kind) for kind in kinds]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
