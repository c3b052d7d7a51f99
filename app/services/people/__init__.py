"""People: accounts, invitations, password resets, login sessions and locks, link and API
tokens, organisations (and their CSV import), personal data (GDPR)."""
