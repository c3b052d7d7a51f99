"""Seed steps beyond the framework, added by later parts (questionnaires, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session


def run_extra_seeds(session: Session) -> Iterator[str]:
    """Yield one line of report per step; nothing yet beyond the framework."""
    yield from ()
