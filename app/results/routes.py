"""Results pages: overview, perspectives heatmap, the Greek facade, a theme and the
evidence behind it, the answers to one question, the recommendation report (and CSV).

Read only. Admins and coordinators see everything; action leaders see the overall
picture (aggregates over all actions) and the detail of their own actions (per-action
figures, questions, answers and quotes): ``authz.results_action_scope``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import authz
from ..authz import role_required
from ..definitions.model import text
from ..extensions import db
from ..models import Action, Pillar, Question, Questionnaire, QuestionnaireVersion, Role
from ..requests import page_number
from ..services import aggregation, evidence, results_export
from ..services.report import build_report, only_actions
from ..services.results_cache import ReadOnlyView, ResultCache
from . import bp, presenters
from .forms import FilterForm

READERS = (Role.ADMIN, Role.COORDINATOR, Role.LEADER)
QUOTES_PER_PAGE = 12
ANSWERS_PER_PAGE = 50


@bp.before_request
def _read_only_transaction() -> None:
    """Results only read: on SQLite, a deferred transaction never blocks writers while
    seconds of aggregation run. Earlier hooks (the privacy-consent check) may have begun
    the usual immediate transaction: end it (nothing was written) and begin a deferred one."""
    if db.session().in_transaction():
        db.session.rollback()
    db.session.connection(execution_options={"sqlite_deferred": True})


@bp.context_processor
def _helpers() -> dict:
    return {
        "fmt": presenters.charts.fmt,
        "stat_sentence": presenters.stat_sentence,
        "stat_detail": presenters.stat_detail,
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


def _filter_form() -> FilterForm:
    form = FilterForm(
        request.args, evidence.countries_with_responses(db.session, cache=results_cache())
    )
    form.validate()
    return form


def _scope() -> set[int] | None:
    return authz.results_action_scope(current_user)


@bp.route("/")
@role_required(*READERS)
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
        counts=evidence.response_counts(db.session, _scope(), _lang(), cache=cache),
        chart=presenters.theme_bars(scores, _("Theme scores, 0 to 100, with 95% intervals")),
    )


@bp.route("/perspectives")
@role_required(*READERS)
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
        chart=presenters.perspective_heatmap(bd, _("Theme scores by perspective")),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/pillars")
@role_required(*READERS)
def pillars():
    form = _filter_form()
    scores, breakdowns = aggregation.figures(
        db.session, form.filters(), ("pillar",), _lang(), cache=results_cache()
    )
    bd = breakdowns["pillar"]
    kinds = dict(db.session.execute(select(Pillar.key, Pillar.kind)).all())
    actions = db.session.scalars(select(Action).order_by(Action.number)).all()
    return render_template(
        "results/pillars.html",
        form=form,
        args=form.query_args(),
        bd=bd,
        scores=scores,
        actions_by_pillar={g.key: [a for a in actions if a.pillar.key == g.key] for g in bd.groups},
        chart=presenters.facade(
            scores, bd, kinds, _("The Greek facade: themes by pillar and step")
        ),
        legend=presenters.charts.scale_legend(_("Colour scale")),
    )


@bp.route("/themes/<key>")
@role_required(*READERS)
def theme(key: str):
    info = aggregation.theme_by_key(db.session, key, _lang())
    if info is None:
        abort(404)
    form = _filter_form()
    filters = form.filters()
    scope = _scope()
    cache = results_cache()
    scores, breakdowns = aggregation.figures(
        db.session, filters, aggregation.DIMENSIONS, _lang(), theme_ids=[info.id], cache=cache
    )
    breakdowns["action"] = only_actions(breakdowns["action"], scope)
    page = page_number()
    total_quotes, quotes = evidence.quotes(
        db.session,
        filters.restricted_to(scope),
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
            evidence.provenance(
                db.session, filters.restricted_to(scope), info.id, _lang(), cache=cache
            ),
            {a.number: a.text("short_title", _lang()) for a in db.session.scalars(select(Action))},
        ),
        themes=aggregation.themes(db.session, _lang()),
        bins=bins,
        histogram=presenters.histogram(bins, _("How the responses' scores are spread")),
        breakdowns=presenters.theme_breakdowns(breakdowns, info),
        quotes=quotes,
        total_quotes=total_quotes,
        page=page,
        pages=max(1, -(-total_quotes // QUOTES_PER_PAGE)),
        scoped=scope is not None,
    )


def get_result_question_or_404(question_id: int) -> tuple[Question, int]:
    """The question and its action number, if the user may see its answers (else 403)."""
    row = db.session.execute(
        select(Question, Action.number)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Action, Action.id == Questionnaire.action_id)
        .where(Question.id == question_id)
    ).first()
    if row is None:
        abort(404)
    question, number = row
    if not authz.can_see_action_results(current_user, number):
        abort(403)
    return question, number


@bp.route("/questions/<int:question_id>")
@role_required(*READERS)
def question(question_id: int):
    question, action_number = get_result_question_or_404(question_id)
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
@role_required(*READERS)
def report():
    form = _filter_form()
    result = build_report(db.session, form.filters(), _scope(), _lang(), cache=results_cache())
    return render_template(
        "results/report.html",
        form=form,
        args=form.query_args(),
        report=result,
        generated=datetime.now(UTC),
        chart=presenters.theme_bars(result.scores, _("Theme scores, 0 to 100, with 95% intervals")),
        scoped=_scope() is not None,
    )


@bp.route("/report.csv")
@role_required(*READERS)
def report_csv():
    form = _filter_form()
    result = build_report(db.session, form.filters(), _scope(), _lang(), cache=results_cache())
    body = results_export.to_csv(
        results_export.figure_rows(result.scores, [result.by_action, result.by_perspective])
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
