"""Schemathesis against the app (in process, WSGI): every operation of
/api/v1/openapi.json, with generated parameters, must answer without a server error and
with a status, body and headers that the document describes.

The operations are driven with ``operation.as_strategy()`` and Hypothesis directly:
schemathesis' pytest plugin (``from_fixture``) relies on pytest internals that pytest 9
no longer has.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from app.services.people import api_tokens
from tests.export_helpers import golden_responses

EXAMPLES_PER_OPERATION = 25


def test_api_matches_its_openapi_document(app, db, users):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    golden_responses()
    _token, secret = api_tokens.create_token(db.session, users["admin"], "schemathesis")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(o.label for o in operations) == [
        "GET /actions",
        "GET /actions/{number}",
        "GET /actions/{number}/responses",
        "GET /actions/{number}/versions",
        "GET /actions/{number}/versions/{version}",
        "GET /me",
        "GET /responses/{id}",
        "GET /results/themes",
    ]

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            # Every other check runs. "Schema-valid data is accepted" cannot hold for two
            # rules a schema cannot state: a cursor must be one the API issued (signed),
            # and submitted_from may not be after submitted_to. Both answer 400 with a
            # message (tests/test_api_tokens_and_access.py::test_bad_queries_get_400).
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
