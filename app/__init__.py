"""Tympanum: the application factory. ``create_app`` only wires things together:
migrations, seeding and accounts are explicit CLI steps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask_babel import gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ProductionConfig, config_from_env

from . import i18n
from .database import configure_engine, engine_options
from .extensions import csrf, db, limiter, login_manager, migrate
from .i18n import LANGUAGE_NAMES, N_

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build an app from ``config`` (default: the class named by TYMPANUM_ENV)."""
    config = config or config_from_env()
    if issubclass(config, ProductionConfig):
        config.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
    )
    from .requests import CleanRequest

    app.request_class = CleanRequest
    app.config.from_object(config)
    app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLITE_BUSY_TIMEOUT_MS"]
        ),
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    _ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])
    _configure_public_address(app)

    from .logging_setup import configure_logging

    configure_logging(app)
    from .urls import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)

    from .errors import register_error_handlers
    from .security import register_security

    register_error_handlers(app)
    register_security(app)
    from .requests import refuse_json_body

    app.before_request(refuse_json_body)

    from .cli import register_cli

    register_cli(app)
    return app


def _configure_public_address(app: Flask) -> None:
    """PUBLIC_URL checked; only its host (or TRUSTED_HOSTS) may be named by requests;
    proxies are trusted for the client's address and scheme, never for the host."""
    from .urls import normalise_public_url, trusted_hosts

    try:
        app.config["PUBLIC_URL"] = normalise_public_url(app.config["PUBLIC_URL"])
    except ValueError as error:
        raise RuntimeError(str(error)) from None
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    if app.config.get("TRUSTED_PROXIES"):
        n = app.config["TRUSTED_PROXIES"]
        # No x_host: X-Forwarded-Host is the client's to choose (nginx passes it on).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)  # type: ignore[method-assign]


def _ensure_sqlite_directory(url: str) -> None:
    """Create the folder of an SQLite file (instance/ on first run); errors surface later
    as a 503 from the database, not as a crash of the factory."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        try:
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)  # the request's language, catalogues, the ``when`` filter
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from .auth.login_sessions import load_user

    login_manager.user_loader(load_user)

    from .labels import ROLE_LABELS, country, label, numbered_title

    app.add_template_filter(label, "label")
    app.add_template_filter(country, "country")
    app.add_template_global(numbered_title, "numbered_title")

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        from . import authz

        return {
            "authz": authz,
            "current_lang": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
            "language_names": LANGUAGE_NAMES,
            "role_labels": {key: str(text) for key, text in ROLE_LABELS.items()},
            "request_id": g.get("request_id", ""),
        }


def _register_blueprints(app: Flask) -> None:
    from . import api
    from .account import bp as account_bp
    from .actions import bp as actions_bp
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .benchmark import bp as benchmark_bp
    from .exports import bp as exports_bp
    from .main import bp as main_bp
    from .public import bp as public_bp
    from .questionnaires import bp as questionnaires_bp
    from .respond import bp as respond_bp
    from .results import bp as results_bp
    from .review import bp as review_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(questionnaires_bp, url_prefix="/questionnaires")
    app.register_blueprint(exports_bp)
    api.init_app(app)  # /api/v1 (tokens, no cookies) and the /api-tokens page
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(actions_bp, url_prefix="/actions")
    app.register_blueprint(respond_bp, url_prefix="/respond")
    app.register_blueprint(results_bp, url_prefix="/results")
    app.register_blueprint(benchmark_bp, url_prefix="/my-results")
    app.register_blueprint(public_bp, url_prefix="/public")
