"""The domain's verbs as plain functions, callable from routes, the CLI and tests, one
package per stage of the data (docs/architecture.md): ``questionnaires``, ``responding``,
``results``, ``exports``, ``people``; and ``audit``, which every stage writes to.

Services never read ``request`` or ``current_user`` and never commit: the caller owns
the transaction (tests/test_architecture.py checks both).
"""
