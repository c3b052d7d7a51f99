"""The benchmark page: one accepted response's theme scores beside the Partnership's and
comparable organisations' (suppressed for the respondents' audience), printable."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_login import current_user

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..loaders import get_benchmark_response_or_404
from ..results import presenters as results_presenters
from ..results.routes import results_cache
from ..services.results import snapshot as snapshots
from ..services.results.benchmark import benchmark
from . import bp, presenters

QUOTES_PER_THEME = 2


@bp.route("/<int:action>")
@allowed(authz.can_respond)
def show(action: int):
    response = get_benchmark_response_or_404(action, current_user)
    lang = str(get_locale() or "en")
    audience = authz.benchmark_audience()
    result = benchmark(
        db.session, response, audience, lang, quotes=QUOTES_PER_THEME, cache=results_cache()
    )
    return render_template(
        "benchmark/show.html",
        response=response,
        result=result,
        lines=[presenters.theme_lines(result, i, lang) for i in range(len(result.themes))],
        hidden_label=results_presenters.hidden_label(audience),
        min_orgs=audience.min_orgs,
        published=snapshots.current(db.session) is not None,
        fmt=results_presenters.charts.fmt,
    )
