"""The layering of app/ holds (docs/architecture.md): every import goes down or sideways,
never up. From the bottom:

    ground floor   app/i18n.py, countries, days, urls, mail, ... (no domain knowledge)
    domain         app/models/, app/definitions/
    services       app/services/<stage>/, app/authz.py
    demo           app/demo/ (uses the services; only the CLI uses it)
    web and CLI    the blueprints, app/loaders.py, app/errors.py, ..., app/cli/
    factory        app/__init__.py

Services never read the request and never commit; only the factory imports the CLI.
The rules are read from the source with ``ast``, so nothing is imported to check them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

GROUND, DOMAIN, SERVICES, DEMO, WEB, FACTORY = range(6)
LAYER_NAMES = ["the ground floor", "the domain", "services", "demo", "web and CLI", "factory"]
GROUND_FLOOR = {
    "background",
    "backup",
    "countries",
    "database",
    "days",
    "extensions",
    "i18n",
    "logging_setup",
    "mail",
    "passwords",
    "urls",
}
STAGES = {"questionnaires", "responding", "results", "exports", "people"}
REQUEST_STATE = {"request", "session", "g", "current_user", "login_user", "logout_user"}


def layer(module: str) -> int:
    parts = module.split(".")
    if parts == ["app"]:
        return FACTORY
    top = parts[1]
    if top in GROUND_FLOOR:
        return GROUND
    if top in ("models", "definitions"):
        return DOMAIN
    if top in ("services", "authz"):
        return SERVICES
    if top == "demo":
        return DEMO
    return WEB


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = APP.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def app_imports(source: str, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """(imported app module, line) for every import of the app's own code."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "app" or alias.name.startswith("app."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name != "app" and not name.startswith("app."):
                continue
            for alias in node.names:  # `from app.services import audit` imports a module
                sub = f"{name}.{alias.name}"
                yield (sub if _is_module(sub) else name), node.lineno


def layering_problems(source: str, module: str, is_package: bool = False) -> list[str]:
    problems = []
    own = layer(module)
    for imported, line in app_imports(source, module, is_package):
        if layer(imported) > own:
            problems.append(
                f"{module}:{line} imports {imported} ({LAYER_NAMES[layer(imported)]}), "
                f"a layer above {LAYER_NAMES[own]}"
            )
        if (
            imported.split(".")[:2] == ["app", "cli"]
            and module != "app"
            and not module.startswith("app.cli")
        ):
            problems.append(f"{module}:{line} imports {imported}: only the factory does")
    return list(dict.fromkeys(problems))


def service_problems(source: str, module: str) -> list[str]:
    """A service that reads the request (or the logged-in user) or commits."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            for alias in node.names:
                if alias.name in REQUEST_STATE:
                    problems.append(f"{module}:{node.lineno} imports {node.module}.{alias.name}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
        ):
            problems.append(f"{module}:{node.lineno} commits (the caller owns the transaction)")
    return problems


def session_only_calls(source: str, module: str) -> list[str]:
    """Calls of a Session method that the ``db.session`` proxy (a scoped_session) does not
    pass on, on something named like a session: typed as a Session, they pass the type
    checker and fail at run time. ``current_session()`` gives the Session itself."""
    from sqlalchemy.orm import Session, scoped_session

    missing = {
        name
        for name in dir(Session)
        if not name.startswith("_") and not hasattr(scoped_session, name)
    }
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        if node.func.attr not in missing or (
            isinstance(receiver, ast.Call) and ast.unparse(receiver) == "current_session()"
        ):
            continue
        if "session" in ast.unparse(receiver).lower():
            problems.append(f"{module}:{node.lineno} calls .{node.func.attr}() on the proxy")
    return problems


def modules() -> Iterator[tuple[Path, str]]:
    for path in sorted(APP.rglob("*.py")):
        yield path, module_name(path)


def test_no_module_imports_a_layer_above_it():
    problems = [
        problem
        for path, module in modules()
        for problem in layering_problems(path.read_text(), module, path.name == "__init__.py")
    ]
    assert problems == []


def test_services_never_read_the_request_nor_commit():
    problems = [
        problem
        for path, module in modules()
        if module.startswith("app.services")
        for problem in service_problems(path.read_text(), module)
    ]
    assert problems == []


def test_session_only_methods_are_called_on_the_session_itself():
    problems = [
        problem
        for path, module in modules()
        for problem in session_only_calls(path.read_text(), module)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("db.session.in_transaction()", 1),
        ("session.invalidate()", 1),
        ("current_session().in_transaction()", 0),
        ("db.session.commit()", 0),
        ("exports.prepare(db.session, 1)", 0),
    ],
)
def test_the_proxy_check_finds_session_only_calls(source, expected):
    assert len(session_only_calls(source, "m")) == expected


def test_services_live_in_the_room_of_their_stage():
    """A reader finds a service by the stage of the data it works on: app/services/ holds
    the stages' packages and the audit log (every stage writes to it), nothing else."""
    loose = sorted(
        p.name
        for p in (APP / "services").iterdir()
        if p.name not in ("__init__.py", "audit.py", "__pycache__")
        and not (p.is_dir() and p.name in STAGES)
    )
    assert loose == [], "put these in one of " + ", ".join(sorted(STAGES))


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("app.models.people", "from ..services import audit\n", "app.services.audit (services)"),
        ("app.i18n", "from .models import User\n", "app.models (the domain)"),
        ("app.services.people.accounts", "from ...admin import routes\n", "app.admin.routes"),
        ("app.services.results.scoring", "from app.demo import data\n", "app.demo.data (demo)"),
        ("app.admin.routes", "from ..cli.base import fail\n", "only the factory does"),
    ],
)
def test_the_layering_check_finds_an_import_upwards(module, source, expected):
    """The check can fail: an upward import in a made-up module is reported."""
    assert any(expected in problem for problem in layering_problems(source, module))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from flask import request\n", "imports flask.request"),
        ("from flask_login import current_user\n", "imports flask_login.current_user"),
        ("def f(session):\n    session.commit()\n", "commits"),
    ],
)
def test_the_service_check_finds_the_request_and_commits(source, expected):
    assert any(expected in problem for problem in service_problems(source, "app.services.x"))
