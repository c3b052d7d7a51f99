"""The questionnaire definition format: load YAML with line numbers, validate it, and
work with the normalised definitions stored in published versions.

- ``loader``: YAML -> Python data plus a map from paths (``sections[2].questions[4]``)
  to line numbers.
- ``schema``: the JSON Schema of the format (``flask questionnaires schema``).
- ``validate``: schema and semantic checks, with errors a non-programmer can act on.
- ``model``: the normalised definition (every text ``{lang: text}``) and its queries.
- ``answers``: posted form values -> canonical answers, conditions, required, scores.
"""
