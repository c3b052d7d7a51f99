"""Topology: HAProxy in front of two gunicorn app servers, PostgreSQL, Redis, under load.

Starts on loopback ports what README's "Production" describes (deploy/haproxy.cfg as
committed, two app servers from gunicorn.conf.py in production mode counting rate limits
in Redis, a scratch PostgreSQL database, the mail/job worker when `flask --app wsgi
worker` exists), then runs the respondents of bench/respondent_client.py through the
proxy:
- per size in TOPOLOGY_CLIENTS: paced respondents (TOPOLOGY_THINK s between actions,
  arriving over 10 s, logging in as they arrive), then closed loop (logged in beforehand,
  autosave every section and submit as fast as the proxy answers);
- a kill -9 of one app server in the middle of a paced run, and its restart.
It reports p50/p95/p99 per endpoint as the clients saw them, queue time (HAProxy's Tw),
requests shed (HAProxy's 503 page), that every acknowledged submission is stored once
and complete, which server answered after the restart, and the CPU per completed
questionnaire (both app servers plus the PostgreSQL backends of the scratch database,
read from /proc; the load generator and HAProxy left out). Then it stops everything.

Environment: TOPOLOGY_SECONDS (each run, default 60), TOPOLOGY_CLIENTS ("64,256"),
TOPOLOGY_THINK (2), TOPOLOGY_PORT (the proxy's port; the app servers take the next two;
default: free ports), BENCH_REDIS_URL (default redis://127.0.0.1:6379/14),
TOPOLOGY_KILL=0 leaves out the kill run, TOPOLOGY_FLOWS ("paced,closed") picks the
load runs per size, TOPOLOGY_REMINDER=0 leaves out the scheduled-job race (for repeated
before/after CPU pairs: TOPOLOGY_FLOWS=closed TOPOLOGY_KILL=0 TOPOLOGY_REMINDER=0). Targets are printed next to the figures, never
asserted: on a shared machine they are indicative.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench import bench_load
from bench.bench_load import percentile, prepare_people, report, run_clients, verify
from bench.respondent_client import LOGGED_IN
from bench.server import ROOT, Gunicorn, flask, free_port, scratch_database, server_env

SECONDS = float(os.environ.get("TOPOLOGY_SECONDS", "60"))
SIZES = [int(n) for n in os.environ.get("TOPOLOGY_CLIENTS", "64,256").split(",") if n]
THINK = float(os.environ.get("TOPOLOGY_THINK", "2"))
KILL = os.environ.get("TOPOLOGY_KILL", "1") != "0"
FLOWS = {f.strip() for f in os.environ.get("TOPOLOGY_FLOWS", "paced,closed").split(",") if f}
REMINDER = os.environ.get("TOPOLOGY_REMINDER", "1") != "0"
SCHEDULE_EVERY = float(os.environ.get("TOPOLOGY_SCHEDULE_EVERY", "10"))
WORKERS, THREADS = 2, 4  # per app server: HAProxy's per-server places add up to their product
LOGIN_MAXCONN = WORKERS  # logins at once per server: one per worker (one hash slot each)
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"


def ensure_haproxy() -> str | None:
    """HAProxy from Debian's packages; installed here when missing and we may (root)."""
    found = shutil.which("haproxy")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("  haproxy missing: apt-get install -y haproxy")
        subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], check=False)
        found = shutil.which("haproxy")
    return found


class HAProxy:
    def __init__(self, port: int, host: str, apps: list[int]) -> None:
        self.port = port
        self.env = dict(os.environ)
        self.env.update(
            {
                "TYMPANUM_BIND": f"127.0.0.1:{port}",
                "TYMPANUM_HOST": host,
                "TYMPANUM_APP1": f"127.0.0.1:{apps[0]}",
                "TYMPANUM_APP2": f"127.0.0.1:{apps[1]}",
                "TYMPANUM_SERVER_MAXCONN": str(WORKERS * THREADS - LOGIN_MAXCONN),
                "TYMPANUM_LOGIN_MAXCONN": str(LOGIN_MAXCONN),
            }
        )
        self.log_path = Path(tempfile.mkdtemp(prefix="tympanum-haproxy-")) / "haproxy.log"
        self.process: subprocess.Popen | None = None

    def start(self, binary: str) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [binary, "-db", "-f", str(HAPROXY_CFG)],
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        time.sleep(1.0)
        if self.process.poll() is not None:
            raise RuntimeError("haproxy did not start: " + self.log_path.read_text()[-2000:])

    def lines(self, since: float = 0.0, until: float = float("inf")) -> list[list[str]]:
        """Request lines logged between two wall-clock times (split on spaces)."""
        rows = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            fields = line.split(" ")
            try:
                at = float(fields[0])
            except (ValueError, IndexError):
                continue  # HAProxy's own notices
            if since <= at < until and len(fields) >= 10:
                rows.append(fields)
        return rows

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None


WORKER_APP_NAME = "tympanum-worker"  # the mail workers' PostgreSQL application_name


def worker_backends(url: str) -> set[int]:
    """The PostgreSQL backends serving the mail/job workers (by application_name)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": WORKER_APP_NAME},
            )
            return {int(pid) for (pid,) in rows}
    finally:
        engine.dispose()


def postgres_cpu_seconds(database: str, leave_out: set[int] | None = None) -> float:
    """CPU time of the PostgreSQL backends connected to ``database`` (their process title
    names it), but those in ``leave_out``; the cluster's shared background processes are
    left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in Path("/proc").glob("[0-9]*"):
        if leave_out and int(proc.name) in leave_out:
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            if not title.startswith(b"postgres: ") or f" {database} ".encode() not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


DATABASE_URL = ""  # the scratch database's, set in main()


def cpu_reading(servers, database: str) -> tuple[float, float]:
    """CPU seconds so far: both app servers (master and workers), the database's backends
    serving them (the mail workers' backends left out: the code before them had none,
    and their mail is not the questionnaire's work)."""
    leave_out = worker_backends(DATABASE_URL) if DATABASE_URL else set()
    return sum(s.cpu_seconds() for s in servers), postgres_cpu_seconds(database, leave_out)


def queue_report(proxy: HAProxy, since: float, until: float) -> dict:
    rows = proxy.lines(since, until)
    waits = [int(r[3]) for r in rows if r[3].lstrip("-").isdigit() and int(r[3]) >= 0]
    # Generated by HAProxy (sQ: waited too long in the queue, SC: no server), not the app
    shed = [r for r in rows if r[2] == "503" and not r[8].startswith("-")]
    servers = Counter(r[7] for r in rows)
    result = {
        "requests": len(rows),
        "tw_p50": percentile(waits, 50),
        "tw_p99": percentile(waits, 99),
        "tw_max": max(waits, default=0),
        "shed": len(shed),
        "servers": dict(servers),
    }
    print(
        f"  proxy: {len(rows)} requests; queue time (Tw) p50 {result['tw_p50']:.0f} ms, "
        f"p99 {result['tw_p99']:.0f} ms, max {result['tw_max']} ms; shed with the 503 page: "
        f"{len(shed)}; by server: {dict(servers)}"
    )
    for backend in ("app", "logins"):
        mine = [r for r in rows if r[7].split("/", 1)[0] == backend]
        waited = [int(r[3]) for r in mine if r[3].lstrip("-").isdigit() and int(r[3]) >= 0]
        dropped = [r for r in mine if r[2] == "503" and not r[8].startswith("-")]
        busy = [r for r in mine if r[2] == "503" and r[8].startswith("-")]
        result[backend] = {
            "requests": len(mine),
            "tw_p99": percentile(waited, 99),
            "tw_max": max(waited, default=0),
            "shed": len(dropped),
            "app_503": len(busy),
        }
        print(
            f"    backend {backend}: {len(mine)} requests, Tw p99 "
            f"{percentile(waited, 99):.0f} ms, max {max(waited, default=0)} ms, shed by the "
            f"proxy {len(dropped)}, 503 from the app (hash slot busy) {len(busy)}"
        )
    return result


def _flask_bin() -> str:
    return str(Path(sys.executable).parent / "flask")


def start_workers(envs: list[dict[str, str]], log_dir: Path) -> list[subprocess.Popen]:
    """One mail/job worker per "server" (each with that server's environment), running
    the scheduled jobs every SCHEDULE_EVERY seconds, so the two race for every due step."""
    probe = subprocess.run(
        [_flask_bin(), "--app", "wsgi", "worker", "--help"],
        cwd=ROOT,
        env=envs[0],
        capture_output=True,
    )
    if probe.returncode != 0:
        print("  no `flask --app wsgi worker` in this version: no mail/job worker started")
        return []
    workers = []
    for index, env in enumerate(envs, start=1):
        separator = "&" if "?" in env["DATABASE_URL"] else "?"
        worker_env = dict(
            env, DATABASE_URL=f"{env['DATABASE_URL']}{separator}application_name={WORKER_APP_NAME}"
        )
        with (log_dir / f"worker{index}.log").open("ab") as log:
            workers.append(
                subprocess.Popen(
                    [_flask_bin(), "--app", "wsgi", "worker", "--poll", "2"]
                    + ["--schedule-every", str(SCHEDULE_EVERY)],
                    cwd=ROOT,
                    env=worker_env,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            )
    print(
        f"  {len(workers)} mail/job workers started (one per server, scheduled jobs every "
        f"{SCHEDULE_EVERY:g} s; logs in {log_dir})"
    )
    return workers


def set_due_reminder(url: str, action: int = 1) -> tuple[int, int]:
    """A reminder schedule with one step due today on action ``action``'s questionnaire
    (deadline in 3 days, remind 7 days before): every organisation that has not
    submitted is due a reminder. Returns (questionnaire id, organisations due)."""
    from datetime import timedelta

    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Action, Questionnaire, utcnow
    from app.services.mailing import schedule
    from app.services.responding import reminders
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        questionnaire = db.session.scalar(
            select(Questionnaire).join(Action).where(Action.number == action)
        )
        assert questionnaire is not None
        questionnaire.deadline = utcnow().date() + timedelta(days=3)
        schedule.set_schedule(db.session, questionnaire, [7], None, actor="bench")
        due = len(reminders.reminder_targets(db.session, questionnaire))
        ident = questionnaire.id
        db.session.commit()
        db.engine.dispose()
    return ident, due


def reminder_counts(url: str, questionnaire_id: int) -> dict:
    """What the scheduled job did: steps recorded, reminder e-mails written (per person
    and per organisation), audit events, who delivered them and how many attempts."""
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import AuditEntry, MailKind, OutboxMail, ReminderSent, User
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        steps = db.session.scalar(
            select(func.count())
            .select_from(ReminderSent)
            .where(ReminderSent.questionnaire_id == questionnaire_id)
        )
        mails = db.session.execute(
            select(OutboxMail.user_id, User.organisation_id, OutboxMail.status)
            .join(User, User.id == OutboxMail.user_id)
            .where(OutboxMail.kind == MailKind.REMINDER)
        ).all()
        delivered = db.session.execute(
            select(OutboxMail.leased_by, func.count(), func.max(OutboxMail.attempts))
            .where(OutboxMail.kind == MailKind.REMINDER)
            .group_by(OutboxMail.leased_by)
        ).all()
        events = db.session.scalars(
            select(AuditEntry).where(AuditEntry.event == "reminders.sent")
        ).all()
        reminded_in_events = Counter(
            entry["organisation"]
            for event in events
            for entry in (event.details or {}).get("reminded", [])
        )
        db.engine.dispose()
    per_person = Counter(m.user_id for m in mails)
    per_org = Counter(m.organisation_id for m in mails)
    return {
        "steps": steps,
        "mails": len(mails),
        "organisations": len(per_org),
        "people_twice": sum(1 for n in per_person.values() if n > 1),
        "organisations_twice": sum(1 for n in reminded_in_events.values() if n > 1),
        "events": len(events),
        "pending": sum(
            1 for m in mails if str(m.status) not in ("sent", "logged", "MailStatus.SENT")
        ),
        "statuses": dict(Counter(str(m.status) for m in mails)),
        "delivered_by": {str(w): int(n) for w, n, _ in delivered},
        "max_attempts": max((int(a or 0) for _, _, a in delivered), default=0),
    }


def reminder_run(url: str, envs: list[dict[str, str]], workers) -> bool:
    """The scheduled reminder job runs once per organisation across both servers' workers:
    a step made due, the two long-running workers (every SCHEDULE_EVERY s) plus two
    `worker --once` started at the same moment race for it; then every reminder is
    counted."""
    print("\n## scheduled job across two workers (the reminder of a step due today)")
    if not workers:
        print("  SKIPPED: no worker in this version")
        return True
    questionnaire_id, due = set_due_reminder(url)
    started = time.time()
    once = [
        subprocess.Popen(
            [_flask_bin(), "--app", "wsgi", "worker", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for env in envs
    ]
    outputs = [p.communicate(timeout=600)[0].strip() for p in once]
    for index, output in enumerate(outputs, start=1):
        print(f"  worker --once with server {index}'s settings: {output}")
    # Let the long-running workers run the job again (twice each) and finish delivering.
    deadline = time.time() + max(3 * SCHEDULE_EVERY, 30)
    counts = reminder_counts(url, questionnaire_id)
    while time.time() < deadline and (
        counts["pending"] or time.time() < started + 2.5 * SCHEDULE_EVERY
    ):
        time.sleep(2)
        counts = reminder_counts(url, questionnaire_id)
    print(
        f"  {due} organisations due; steps recorded {counts['steps']}; reminder e-mails "
        f"{counts['mails']} to {counts['organisations']} organisations (statuses "
        f"{counts['statuses']}); people reminded twice: {counts['people_twice']}; "
        f"organisations in two reminders.sent events: {counts['organisations_twice']} "
        f"({counts['events']} events); delivered by {counts['delivered_by']}, at most "
        f"{counts['max_attempts']} attempt(s) each; {time.time() - started:.0f} s"
    )
    once_ok = (
        counts["steps"] == counts["organisations"] == counts["mails"] == due
        and counts["people_twice"] == counts["organisations_twice"] == 0
        and counts["pending"] == 0
    )
    print(
        f"  [{'PASS' if once_ok else 'FAIL'}] the scheduled reminder went once to every "
        "organisation due, across both workers and every later run"
    )
    return once_ok


def summary(title: str, samples, acks, seconds: float) -> dict:
    stats = report(title, samples, seconds)
    pages = [s.ms for s in samples if s.label.startswith("GET ") or s.label == "POST autosave"]
    logins = [s.ms for s in samples if s.label == "POST login"]
    accepted = [s.ms for s in samples if s.label == "POST login" and s.status == 302]
    busy = sum(1 for s in samples if s.label == "POST login" and s.status == 503)
    entered = [s for s in samples if s.label == LOGGED_IN]
    requests = [s for s in samples if not s.label.startswith("=")]
    statuses = Counter(s.status if not s.error else s.error for s in requests)
    print(
        f"  pages and autosave p99 {percentile(pages, 99):.0f} ms; login p99 "
        f"{percentile(logins, 99):.0f} ms (logins that got in: p99 {percentile(accepted, 99):.0f} ms; "
        f"{busy} answered busy 503 and sent again); slowest request "
        f"{max((s.ms for s in requests), default=0):.0f} ms; "
        f"503 seen by clients: {statuses.get(503, 0)}; acknowledged submissions: {len(acks)}"
    )
    if entered:
        print(
            f"  time from the login page to logged in (busy waits and resends included): "
            f"p50 {percentile([s.ms for s in entered], 50):.0f} ms, p99 "
            f"{percentile([s.ms for s in entered], 99):.0f} ms; "
            f"{sum(1 for s in entered if s.error)} of {len(entered)} never got in"
        )
    return stats


def main() -> int:
    binary = ensure_haproxy()
    if binary is None:
        print("  SKIPPED: HAProxy is needed (apt-get install haproxy)")
        return 0
    base_port = int(os.environ.get("TOPOLOGY_PORT", "0"))
    ports = [base_port, base_port + 1, base_port + 2] if base_port else [free_port() for _ in "abc"]
    proxy_url = f"http://127.0.0.1:{ports[0]}"
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
        f"HAProxy on {ports[0]}, app servers on {ports[1]} and {ports[2]} "
        f"({WORKERS} workers x {THREADS} threads each), PostgreSQL, Redis; "
        f"runs of {SECONDS:.0f} s, sizes {SIZES}, think time {THINK:g} s"
    )
    ok = True
    global DATABASE_URL
    with scratch_database("postgresql") as url:
        database = url.rsplit("/", 1)[1]
        DATABASE_URL = url
        envs = []
        for port in ports[1:]:
            env = server_env(url, port, workers=WORKERS)
            env.update(
                {
                    "GUNICORN_THREADS": str(THREADS),
                    "PUBLIC_URL": proxy_url,
                    "TRUSTED_PROXIES": "1",
                }
            )
            envs.append(env)
        flask(envs[0], "db", "upgrade")
        flask(envs[0], "seed")
        people_needed = sum(SIZES) * bench_load.USERS_PER_CLIENT * 2 + 64 * 6
        emails = prepare_people(url, people_needed)
        servers = [Gunicorn(env) for env in envs]
        proxy = HAProxy(ports[0], f"127.0.0.1:{ports[0]}", ports[1:])
        workers: list[subprocess.Popen] = []
        acks_all: list[tuple[str, int]] = []
        try:
            for server in servers:
                server.start()
            workers = start_workers(envs, proxy.log_path.parent)
            proxy.start(binary)
            time.sleep(2.5)  # two health checks: both servers up
            ok = login_limit_across_servers(servers, proxy_url) and ok
            for size in SIZES:
                bench_load.CLIENTS = size
                mine, emails = (
                    emails[: size * bench_load.USERS_PER_CLIENT],
                    emails[size * bench_load.USERS_PER_CLIENT :],
                )
                if "paced" in FLOWS:
                    acks_all += paced_run(size, servers, database, proxy, proxy_url, mine)
                if "closed" in FLOWS:
                    print(
                        f"\n## {size} closed-loop respondents (autosave + submit) through the proxy"
                    )
                    mine, emails = (
                        emails[: size * bench_load.USERS_PER_CLIENT],
                        emails[size * bench_load.USERS_PER_CLIENT :],
                    )
                    acks_all += closed_run(size, servers, database, proxy, proxy_url, mine)
            if KILL:
                ok = kill_run(servers, proxy, proxy_url, emails, acks_all) and ok
            if REMINDER:
                ok = reminder_run(url, envs, workers) and ok
        finally:
            proxy.stop()
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=15)
            for server in servers:
                server.stop()
        check = verify(url, acks_all)
    print(f"\n  HAProxy's log (one line per request): {proxy.log_path}")
    print(f"\n  database check over every run: {check}")
    kept = check["lost"] == check["incomplete"] == check["duplicated"] == 0
    kept = kept and check["submitted_without_answers"] == 0
    print(f"  [{'PASS' if kept else 'FAIL'}] nothing acknowledged lost, incomplete or duplicated")
    return 0 if ok and kept else 1


def paced_run(size: int, servers, database: str, proxy: HAProxy, proxy_url: str, mine):
    """Paced respondents arriving over 10 s, logging in as they arrive, through the proxy."""
    print(f"\n## {size} paced respondents ({THINK:g} s think time) through the proxy")
    since = time.time()
    before = cpu_reading(servers, database)
    samples, acks = run_clients("paced", proxy_url, SECONDS, THINK, mine)
    after = cpu_reading(servers, database)
    summary(f"{size} paced", samples, acks, SECONDS + bench_load.RAMP_SECONDS)
    queue_report(proxy, since, time.time())
    used = after[0] - before[0] + after[1] - before[1]
    print(
        f"  CPU per completed questionnaire, as a person fills it in: "
        f"{used / len(acks) if acks else float('nan'):.3f} s (app servers "
        f"{after[0] - before[0]:.1f} s + PostgreSQL backends "
        f"{after[1] - before[1]:.1f} s for {len(acks)}: every page, the login "
        "and the logout included; respondents still at work when the run "
        "ended count their CPU but not their questionnaire)"
    )
    return acks


def closed_run(size: int, servers, database: str, proxy: HAProxy, proxy_url: str, mine):
    """Closed loop through the proxy; CPU read once every client has logged in."""
    cpu: list[tuple[float, float]] = []

    def reading() -> tuple[float, float]:
        return cpu_reading(servers, database)

    def on_start() -> None:
        cpu.append(reading())

    begun = time.time()  # the proxy's figures include the logins before the timed part
    samples, acks = run_clients("write", proxy_url, SECONDS, 0.0, mine, on_start=on_start)
    end = reading()
    app_cpu, db_cpu = end[0] - cpu[0][0], end[1] - cpu[0][1]
    summary(f"{size} closed loop", samples, acks, SECONDS)
    queue_report(proxy, begun, time.time())
    per = (app_cpu + db_cpu) / len(acks) if acks else float("nan")
    print(
        f"  CPU per completed questionnaire: {per:.3f} s (app servers {app_cpu:.1f} s + "
        f"PostgreSQL backends {db_cpu:.1f} s for {len(acks)} questionnaires, each opened, "
        "autosaved section by section, submitted and its receipt read; logins, load "
        "generator and HAProxy left out)"
    )
    return acks


def login_limit_across_servers(servers, proxy_url: str) -> bool:
    """One system: wrong-password logins for one address, sent to the two app servers in
    turn, are counted together in Redis (LOGIN_ACCOUNT_LIMIT, 5 per 15 minutes by
    default): 5 are checked, the rest refused, not 5 per server."""
    from bench.respondent_client import Session, hidden_fields

    email = f"nobody-{os.getpid()}-{int(time.time())}@example.org"
    statuses = []
    for attempt in range(12):
        session = Session(servers[attempt % 2].base)
        session.base = proxy_url  # Origin as a browser on PUBLIC_URL would send it
        _, _, html = session.request("GET login", "GET", "/login")
        token = hidden_fields(html).get("csrf_token", "")
        form = [("csrf_token", token), ("email", email), ("password", "wrong"), ("next", "")]
        status, _, _ = session.request("POST login", "POST", "/login", form)
        statuses.append(status)
        session.close()
    checked = sum(1 for s in statuses if s != 429)
    ok = checked <= 5
    print(
        f"  login limit across both servers: {checked} of 12 wrong-password attempts "
        f"checked, {statuses.count(429)} refused (429); statuses {statuses}"
    )
    print(
        f"  [{'PASS' if ok else 'FAIL'}] the per-account login limit is one count for both servers"
    )
    return ok


def kill_run(servers, proxy: HAProxy, proxy_url: str, emails, acks_all) -> bool:
    size = 64
    bench_load.CLIENTS = size
    print(f"\n## kill -9 of one app server under load ({size} paced respondents, 0.5 s think)")
    results: dict = {}
    since = time.time()

    def run() -> None:
        results["samples"], results["acks"] = run_clients(
            "paced", proxy_url, SECONDS, 0.5, emails[: size * bench_load.USERS_PER_CLIENT]
        )

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(bench_load.RAMP_SECONDS + SECONDS / 4)
    servers[0].kill_hard()
    killed = time.time()
    print(f"  app server 1 killed (SIGKILL, master and workers) at +{killed - since:.0f} s")
    time.sleep(min(5.0, SECONDS / 6))
    servers[0].start()
    restarted = time.time()
    print(f"  app server 1 restarted at +{restarted - since:.0f} s")
    thread.join()
    samples, acks = results["samples"], results["acks"]
    summary("kill -9 run", samples, acks, SECONDS + bench_load.RAMP_SECONDS)
    queue_report(proxy, since, time.time())
    after = Counter(r[7] for r in proxy.lines(restarted + 3, float("inf")))
    during = Counter(r[7] for r in proxy.lines(killed, restarted))
    print(f"  by server while app1 was down: {dict(during)}; after its restart: {dict(after)}")
    errors = Counter(
        s.status if not s.error else s.error
        for s in samples
        if s.error or s.status >= 500 or s.status == 0
    )
    print(f"  errors seen by clients: {dict(errors)}")
    acks_all += acks
    back = after.get("app/app1", 0) > 0
    print(f"  [{'PASS' if back else 'FAIL'}] the restarted server takes load again")
    return back


if __name__ == "__main__":
    sys.exit(main())
