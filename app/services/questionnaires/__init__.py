"""Questionnaires: the Partnership's framework, definitions imported as versions and
published (frozen from then on), and the shipped questionnaires seeded."""
