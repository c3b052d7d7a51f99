"""Command-line interface: click groups named by noun, thin wrappers over services.

One module per noun (users, organisations, questionnaires, demo, gdpr, results, export,
db backup, the mail worker); what they share (one-line errors, the day parameter, the group class) is
``base``. The factory registers them here; nothing else imports this package.
"""

from __future__ import annotations

from flask import Flask
from flask_migrate.cli import db as db_group

from .database import db_backup, db_restore
from .demo import demo_group
from .exports import export_group
from .gdpr import gdpr_group
from .organisations import organisations_group
from .questionnaires import questionnaires_group
from .results import results_group
from .seed import seed_command
from .users import users_group
from .worker import worker_command


def register_cli(app: Flask) -> None:
    for command in (
        seed_command,
        users_group,
        demo_group,
        questionnaires_group,
        gdpr_group,
        organisations_group,
        export_group,
        results_group,
        worker_command,
    ):
        app.cli.add_command(command)
    if "backup" not in db_group.commands:
        db_group.add_command(db_backup)
        db_group.add_command(db_restore)
