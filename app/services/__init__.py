"""The domain's verbs as plain functions, callable from routes, the CLI and tests.

Services never read ``request`` or ``current_user`` and never commit: the caller owns
the transaction.
"""
