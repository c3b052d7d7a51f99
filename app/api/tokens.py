"""The API tokens page: list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..forms import EmptyForm
from ..loaders import get_own_token_or_404
from ..services import audit
from ..services.people import api_tokens
from . import tokens_bp
from .forms import TokenForm


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=api_tokens.tokens_of(db.session, current_user),
        revoke_form=EmptyForm(),
        secret=secret,
    ), status


@tokens_bp.route("/api-tokens", methods=["GET", "POST"])
@allowed(authz.is_logged_in)
def index():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
    token, secret = api_tokens.create_token(db.session, current_user, form.name.data)
    audit.record(
        db.session,
        "api_token.created",
        user=current_user,
        obj=token,
        ip=request.remote_addr or "",
        name=token.name,
        prefix=token.prefix,
    )
    db.session.commit()
    # Rendered here rather than after a redirect: the secret must not travel through
    # the session cookie or a URL, and it is shown this once only (no-store page).
    return _page(TokenForm(formdata=None), secret=secret)


@tokens_bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@allowed(authz.is_logged_in)
def revoke(token_id: int):
    token = get_own_token_or_404(token_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if api_tokens.revoke(token):
        audit.record(
            db.session,
            "api_token.revoked",
            user=current_user,
            obj=token,
            ip=request.remote_addr or "",
            prefix=token.prefix,
        )
        db.session.commit()
        flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
