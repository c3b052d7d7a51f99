"""Results pages: overview, perspectives heatmap, the Greek facade, a theme and the
evidence behind it, the answers to one question, the recommendation report (and CSV).

Read only. Every figure is for the reader's audience (``authz.results_audience``):
admins and coordinators see every action's responses, nothing hidden; action leaders see
results computed from the responses to the actions they lead only, with cells of fewer
than ``DISCLOSURE_MIN_ORGS`` organisations hidden. The audience travels inside the
filters, which the aggregation service cannot be called without."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import authz
from ..authz import allowed
from ..database import current_session
from ..definitions.model import text
from ..extensions import db
from ..loaders import get_result_question_or_404
from ..models import Action, Pillar
from ..requests import page_number
from ..services.exports import figures
from ..services.results import aggregation, evidence
from ..services.results.cache import ReadOnlyView, ResultCache
from ..services.results.disclosure import FULL_ACCESS, Audience
from ..services.results.report import build_report
from . import bp, presenters
from .forms import FilterForm

QUOTES_PER_PAGE = 12
ANSWERS_PER_PAGE = 50


@bp.before_request
def _read_only_transaction() -> None:
    """Results only read: on SQLite, a deferred transaction never blocks writers while
    seconds of aggregation run. Earlier hooks (the privacy-consent check) may have begun
    the usual immediate transaction: end it (nothing was written) and begin a deferred one."""
    if current_session().in_transaction():
        db.session.rollback()
    db.session.connection(execution_options={"sqlite_deferred": True})


@bp.context_processor
def _helpers() -> dict:
    audience = _audience() if current_user.is_authenticated else FULL_ACCESS
    return {
        "fmt": presenters.charts.fmt,
        "stat_sentence": lambda stat: presenters.stat_sentence(stat, audience),
        "stat_detail": lambda stat: presenters.stat_detail(stat, audience),
        "audience": audience,
        "hidden_label": presenters.hidden_label(audience),
    }


def results_cache() -> ReadOnlyView:
    """The process's cache of aggregate results (RESULTS_CACHE_SECONDS; 0 switches it off),
    as this request sees it: the pages only read, so the data version is read once."""
    view = g.get("results_cache")
    if view is None:
        cache = current_app.extensions.get("tympanum_results_cache")
        if cache is None:
            seconds = float(current_app.config.get("RESULTS_CACHE_SECONDS", 600))
            cache = current_app.extensions.setdefault(
                "tympanum_results_cache", ResultCache(ttl_seconds=seconds)
            )
        view = g.results_cache = ReadOnlyView(cache)
    return view


def _lang() -> str:
    return str(get_locale() or "en")


def _audience() -> Audience:
    """The reader's audience, decided once per request (``authz.results_audience``)."""
    if "results_audience" not in g:
        g.results_audience = authz.results_audience(current_user)
    return g.results_audience


def _filter_form() -> FilterForm:
    audience = _audience()
    countries = evidence.countries_with_responses(db.session, audience, cache=results_cache())
    form = FilterForm(request.args, countries, audience)
    form.validate()
    return form


@bp.route("/")
@allowed(authz.can_see_results)
def overview():
    form = _filter_form()
    filters = form.filters()
    cache = results_cache()
    scores = aggregation.theme_scores(db.session, filters, _lang(), cache=cache)
    return render_template(
        "results/overview.html",
        form=form,
        args=form.query_args(),
        scores=scores,
        counted=evidence.counted_responses(db.session, filters, cache=cache),
        counts=evidence.response_counts(db.session, filters.audience, _lang(), cache=cache),
        chart=presenters.theme_bars(
            scores, _("Theme scores, 0 to 100, with 95% intervals"), filters.audience
        ),
    )


@bp.route("/perspectives")
@allowed(authz.can_see_results)
def perspectives():
    form = _filter_form()
    bd = aggregation.breakdown(
        db.session, form.filters(), "perspective", _lang(), cache=results_cache()
    )
    return render_template(
        "results/perspectives.html",
        form=form,
        args=form.query_args(),
        bd=bd,
        chart=presenters.perspective_heatmap(bd, _("Theme scores by perspective"), _audience()),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/pillars")
@allowed(authz.can_see_results)
def pillars():
    form = _filter_form()
    scores, breakdowns = aggregation.figures(
        db.session, form.filters(), ("pillar",), _lang(), cache=results_cache()
    )
    bd = breakdowns["pillar"]
    kinds = dict(db.session.execute(select(Pillar.key, Pillar.kind)).all())
    scope = _audience().actions  # list the actions whose responses count
    actions = [
        action
        for action in db.session.scalars(select(Action).order_by(Action.number))
        if scope is None or action.number in scope
    ]
    return render_template(
        "results/pillars.html",
        form=form,
        args=form.query_args(),
        bd=bd,
        scores=scores,
        actions_by_pillar={g.key: [a for a in actions if a.pillar.key == g.key] for g in bd.groups},
        chart=presenters.facade(
            scores, bd, kinds, _("The Greek facade: themes by pillar and step"), _audience()
        ),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/themes/<key>")
@allowed(authz.can_see_results)
def theme(key: str):
    info = aggregation.theme_by_key(db.session, key, _lang())
    if info is None:
        abort(404)
    form = _filter_form()
    filters = form.filters()
    cache = results_cache()
    scores, breakdowns = aggregation.figures(
        db.session, filters, aggregation.DIMENSIONS, _lang(), theme_ids=[info.id], cache=cache
    )
    page = page_number()
    total_quotes, quotes = evidence.quotes(
        db.session,
        filters,
        key,
        _lang(),
        limit=QUOTES_PER_PAGE,
        offset=(page - 1) * QUOTES_PER_PAGE,
        cache=cache,
    )
    bins = aggregation.distribution(db.session, filters, info.id, cache=cache)
    stat = next(s.stat for s in scores if s.theme.key == key)
    return render_template(
        "results/theme.html",
        form=form,
        args=form.query_args(),
        theme=info,
        stat=stat,
        feeds=presenters.feeds_by_action(
            evidence.provenance(db.session, filters, info.id, _lang(), cache=cache),
            {a.number: a.text("short_title", _lang()) for a in db.session.scalars(select(Action))},
        ),
        themes=aggregation.themes(db.session, _lang()),
        bins=bins,
        histogram=presenters.histogram(
            bins, _("How the responses' scores are spread"), filters.audience
        ),
        breakdowns=presenters.theme_breakdowns(breakdowns, info, filters.audience),
        quotes=quotes,
        total_quotes=total_quotes,
        page=page,
        pages=max(1, -(-total_quotes // QUOTES_PER_PAGE)),
    )


@bp.route("/questions/<int:question_id>")
@allowed(authz.can_see_results)
def question(question_id: int):
    question, action_number = get_result_question_or_404(question_id, current_user)
    form = _filter_form()
    filters = form.filters()
    cache = results_cache()
    page = page_number()
    total, answers = evidence.question_answers(
        db.session,
        filters,
        question.id,
        limit=ANSWERS_PER_PAGE,
        offset=(page - 1) * ANSWERS_PER_PAGE,
        cache=cache,
    )
    lang = _lang()
    spec = question.spec
    summary = None
    if question.qtype not in evidence.TEXT_TYPES:
        summary = presenters.answer_summary(
            spec, evidence.value_counts(db.session, filters, question.id, cache=cache), lang
        )
    feeds: dict[str, list] = {}
    for weight in sorted(question.weights, key=lambda w: w.theme.position):
        feeds.setdefault(weight.item, []).append((weight.theme, weight.weight))
    items = [i["code"] for i in spec.get("items", [])]
    weights = sorted(feeds.items(), key=lambda kv: items.index(kv[0]) if kv[0] in items else -1)
    return render_template(
        "results/question.html",
        form=form,
        args=form.query_args(),
        question=question,
        spec=spec,
        action_number=action_number,
        label=text(spec.get("label"), lang),
        weights=weights,
        summary=summary,
        answers=answers,
        total=total,
        page=page,
        pages=max(1, -(-total // ANSWERS_PER_PAGE)),
        display=lambda a: presenters.display_value(
            spec, a.item, a.value, getattr(a, "other_text", None), lang
        ),
        item_label=lambda code: presenters.item_label(spec, code, lang),
        tagged=sorted(spec.get("themes") or {}) if question.qtype in evidence.TEXT_TYPES else [],
    )


@bp.route("/report")
@allowed(authz.can_see_results)
def report():
    form = _filter_form()
    result = build_report(db.session, form.filters(), _lang(), cache=results_cache())
    return render_template(
        "results/report.html",
        form=form,
        args=form.query_args(),
        report=result,
        generated=datetime.now(UTC),
        chart=presenters.theme_bars(
            result.scores, _("Theme scores, 0 to 100, with 95% intervals"), _audience()
        ),
    )


@bp.route("/report.csv")
@allowed(authz.can_see_results)
def report_csv():
    form = _filter_form()
    result = build_report(db.session, form.filters(), _lang(), cache=results_cache())
    body = figures.to_csv(
        figures.figure_rows(result.scores, [result.by_action, result.by_perspective])
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return Response(
        "\ufeff" + body,  # a BOM, so spreadsheets read UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="tympanum-report-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
