"""Demo data for trying the platform out, made through the domain's rules (never part of
the domain: only the CLI uses it)."""
