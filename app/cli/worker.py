"""`flask worker`: deliver the outbox, run the scheduled jobs (reminders, digests) and the
queued ones (publishing the results)."""

from __future__ import annotations

import click
from flask import current_app

from .. import worker
from .base import Command


@click.command("worker", cls=Command)
@click.option(
    "--once", is_flag=True, help="One round (scheduled jobs, then every due mail), then stop."
)
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the outbox.")
@click.option(
    "--schedule-every",
    default=300.0,
    show_default=True,
    help="Seconds between runs of the scheduled jobs.",
)
def worker_command(once: bool, poll: float, schedule_every: float) -> None:
    """Send the mail in the outbox (with retries) and run the scheduled jobs; several
    workers may run at once. Stops on SIGTERM or Ctrl-C after the message in hand."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        report = worker.run_scheduled(app)
        tally = worker.deliver_due(app)
        click.echo(
            f"Reminders: {len(report.reminded)} organisations; digests: {report.digests}. "
            f"Mail: {tally.sent} sent, {tally.logged} logged, {tally.retried} to retry, "
            f"{tally.failed} failed."
            + (f" Results published: {tally.published}." if tally.published else "")
        )
        return
    worker.run(app, poll=poll, every=schedule_every)
