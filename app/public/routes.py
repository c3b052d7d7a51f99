"""The public results pages, read from the latest published snapshot (no login, nothing
computed per request: the stored figures, parsed once per process), and the admin's
publish page."""

from __future__ import annotations

import json

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..i18n import pick
from ..models import ResultsSnapshot
from ..results import presenters
from ..services import audit
from ..services.results import open_data
from ..services.results import snapshot as snapshots
from ..services.results.disclosure import Audience
from ..urls import external_url
from . import bp
from .forms import PublishForm


def _lang() -> str:
    return str(get_locale() or "en")


def _published() -> tuple[ResultsSnapshot, snapshots.PublicFigures]:
    """The snapshot on show and its figures in the reader's language (404 before the
    first is published)."""
    snapshot = snapshots.current(db.session)
    if snapshot is None:
        abort(404)
    return snapshot, snapshots.public_figures(snapshot, _lang())


def _audience(snapshot: ResultsSnapshot) -> Audience:
    """The public audience at the threshold the snapshot's figures were hidden at."""
    return Audience(None, snapshot.min_orgs, published=True)


def _render(template: str, snapshot: ResultsSnapshot, **context):
    audience = _audience(snapshot)
    return render_template(
        template,
        snapshot=snapshot,
        title=pick(snapshot.title, _lang()),
        introduction=pick(snapshot.introduction, _lang()),
        audience=audience,
        fmt=presenters.charts.fmt,
        hidden_label=presenters.hidden_label(audience),
        stat_sentence=lambda stat: presenters.stat_sentence(stat, audience),
        stat_detail=lambda stat: presenters.stat_detail(stat, audience),
        **context,
    )


@bp.route("/")
def overview():
    snapshot = snapshots.current(db.session)
    if snapshot is None:
        return render_template("public/none.html")
    figures = snapshots.public_figures(snapshot, _lang())
    audience = _audience(snapshot)
    return _render(
        "public/overview.html",
        snapshot,
        figures=figures,
        history=snapshots.history(db.session)[1:4],
        chart=presenters.theme_bars(
            figures.scores, _("Theme scores, 0 to 100, with 95% intervals"), audience
        ),
    )


@bp.route("/perspectives")
def perspectives():
    snapshot, figures = _published()
    bd = figures.breakdowns["perspective"]
    audience = _audience(snapshot)
    return _render(
        "public/perspectives.html",
        snapshot,
        bd=bd,
        chart=presenters.perspective_heatmap(bd, _("Theme scores by perspective"), audience),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/facade")
def facade():
    snapshot, figures = _published()
    bd = figures.breakdowns["pillar"]
    audience = _audience(snapshot)
    return _render(
        "public/facade.html",
        snapshot,
        bd=bd,
        scores=figures.scores,
        chart=presenters.facade(
            figures.scores,
            bd,
            figures.pillar_kinds,
            _("The Greek facade: themes by pillar and step"),
            audience,
        ),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/themes/<key>")
def theme(key: str):
    snapshot, figures = _published()
    score = figures.theme(key)
    if score is None:
        abort(404)
    audience = _audience(snapshot)
    bins = figures.bins.get(key, [])
    return _render(
        "public/theme.html",
        snapshot,
        theme=score.theme,
        stat=score.stat,
        themes=[s.theme for s in figures.scores],
        histogram=presenters.histogram(bins, _("How the responses' scores are spread"), audience),
        breakdowns=presenters.theme_breakdowns(figures.breakdowns, score.theme, audience),
        quotes=figures.quotes.get(key, []),
    )


@bp.route("/report")
def report():
    snapshot, figures = _published()
    result = figures.report()
    audience = _audience(snapshot)
    return _render(
        "public/report.html",
        snapshot,
        report=result,
        chart=presenters.theme_bars(
            result.scores, _("Theme scores, 0 to 100, with 95% intervals"), audience
        ),
    )


# --- open data: built from the stored snapshot (English labels) ----------------------

DOWNLOAD_HEADERS = {"Access-Control-Allow-Origin": "*"}  # portals harvest from elsewhere


@bp.route("/data/figures.csv")
def figures_csv():
    snapshot, _ = _published()
    body = open_data.figures_csv(snapshots.public_figures(snapshot, "en"))
    name = f"tympanum-results-{snapshot.published_at:%Y-%m-%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **DOWNLOAD_HEADERS},
    )


@bp.route("/data/datapackage.json")
def datapackage():
    snapshot, _ = _published()
    descriptor = open_data.datapackage(snapshot, external_url("public.overview"))
    return jsonify(descriptor), 200, DOWNLOAD_HEADERS


@bp.route("/data/dcat.jsonld")
def dcat():
    snapshot, _ = _published()
    urls = {
        "page": external_url("public.overview"),
        "csv": external_url("public.figures_csv"),
        "datapackage": external_url("public.datapackage"),
    }
    description = open_data.dcat(snapshot, urls["page"], urls)
    return Response(
        json.dumps(description, ensure_ascii=False, indent=2),
        mimetype="application/ld+json",
        headers=DOWNLOAD_HEADERS,
    )


@bp.route("/publish", methods=["GET", "POST"])
@allowed(authz.can_administer)
def publish():
    form = PublishForm()
    job = snapshots.publication_job(db.session)
    if form.validate_on_submit():
        # Computing takes up to a minute at scale: the worker does it (flask worker).
        if snapshots.in_progress(job):
            flash(_("The results are being published already."), "info")
        else:
            snapshots.request_publication(
                db.session,
                authz.public_audience(),
                title=form.texts("title"),
                introduction=form.texts("introduction"),
                user=current_user,
                ip=request.remote_addr or "",
            )
            audit.record(
                db.session,
                "results.publish_requested",
                user=current_user,
                ip=request.remote_addr or "",
            )
            db.session.commit()
            flash(_("Publishing the results: they will be on show in a minute or two."), "info")
        return redirect(url_for(".publish"))
    return render_template(
        "public/publish.html",
        form=form,
        job=job,
        publishing=snapshots.in_progress(job),
        history=snapshots.history(db.session),
        min_orgs=authz.public_audience().min_orgs,
    ), (400 if form.errors else 200)
