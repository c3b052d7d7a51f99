"""`flask results ...`: the theme scores."""

from __future__ import annotations

import json
from datetime import date

import click

from .. import authz
from ..extensions import db
from ..models import (
    OrgKind,
    SizeBand,
)
from ..services.exports import figures
from ..services.people import accounts
from ..services.results import aggregation, disclosure, scoring
from .base import DAY, Group, fail


@click.group("results", cls=Group)
def results_group() -> None:
    """The aggregated results: the five recommendation themes."""


@results_group.command("themes")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice([*aggregation.DIMENSIONS, "all"]),
    help="Break each theme down by this dimension (repeat, or 'all').",
)
@click.option(
    "--state",
    type=click.Choice(["accepted", "submitted"]),
    default="accepted",
    show_default=True,
    help="accepted: accepted responses only; submitted: accepted and submitted ones.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--action", "actions", multiple=True, type=click.IntRange(1, 11))
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in OrgKind]))
@click.option("--country", "countries", multiple=True, help="ISO code, e.g. DE (repeat).")
@click.option(
    "--size",
    "sizes",
    multiple=True,
    type=click.Choice([*[s.value for s in SizeBand], aggregation.NO_SIZE]),
)
@click.option("--since", type=DAY, help="Submitted on or after (UTC).")
@click.option("--until", type=DAY, help="Submitted on or before (UTC).")
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="Show what this account sees (a leader: their actions only, small cells hidden). "
    "Default: every action, nothing hidden.",
)
def results_themes(
    by: tuple[str, ...],
    state: str,
    fmt: str,
    actions: tuple[int, ...],
    kinds: tuple[str, ...],
    countries: tuple[str, ...],
    sizes: tuple[str, ...],
    since: date | None,
    until: date | None,
    as_email: str | None,
) -> None:
    """The five themes' scores (0-100), n, standard deviation and 95% interval."""
    session = db.session
    session.connection(execution_options={"sqlite_deferred": True})  # read only
    audience = _audience(as_email)
    filters = aggregation.Filters(
        audience,
        include_submitted=state == "submitted",
        actions=actions,
        kinds=kinds,
        countries=tuple(c.strip().upper() for c in countries),
        sizes=sizes,
        submitted_from=since,
        submitted_to=until,
    )
    dimensions = aggregation.DIMENSIONS if "all" in by else tuple(dict.fromkeys(by))
    scores, by_dimension = aggregation.figures(session, filters, dimensions)
    breakdowns = list(by_dimension.values())
    db.session.rollback()
    if fmt == "json":
        click.echo(
            json.dumps(figures.figures_json(scores, breakdowns), indent=2, ensure_ascii=False)
        )
    elif fmt == "csv":
        click.echo(figures.to_csv(figures.figure_rows(scores, breakdowns)), nl=False)
    else:
        if audience.scoped:
            led = ", ".join(str(n) for n in sorted(audience.actions or ())) or "none"
            click.echo(f"As {as_email}: the responses to actions {led} only.")
        hidden = f"fewer than {audience.min_orgs}"
        if audience.suppresses:
            click.echo(f'"{hidden}": cells of fewer organisations hidden (and their complements).')
        click.echo(figures.figures_table(scores, breakdowns, hidden))


def _audience(email: str | None) -> disclosure.Audience:
    """The operator's full access, or what the account ``email`` sees (authz decides)."""
    if not email:
        return disclosure.FULL_ACCESS
    user = accounts.get_by_email(db.session, email)
    if user is None or not authz.can_see_results(user):
        db.session.rollback()  # read only: end the transaction before giving up
        if user is None:
            fail(f"No account for {email}.")
        fail(f"{email} cannot see the results (role {user.role}, or deactivated).")
    return authz.results_audience(user)


@results_group.command("rescore")
@click.option("--check", is_flag=True, help="Only count the stale scores; change nothing.")
def results_rescore(check: bool) -> None:
    """Recompute every response's stored theme scores from its answers (a repair after
    changes made outside the app; the app keeps them in step itself)."""
    stale = scoring.stale_scores(db.session)
    if check:
        db.session.rollback()  # read only
        click.echo(f"{stale} stored theme score(s) differ from the answers.")
        if stale:
            raise SystemExit(1)
        return
    rows = scoring.rebuild_scores(db.session)
    db.session.commit()
    click.echo(f"{rows} theme scores recomputed ({stale} were stale).")
