"""Answers: from posted form values to canonical values, conditions, completeness and
scores. The single place that knows how each question type is answered, in parts:
``forms`` (form values to canonical values and back), ``conditions`` (what is shown, what
submission still needs), ``rows`` (canonical values to stored rows with scores, and
back), ``labels`` (answers as people read them) and ``common`` (what they share).

Python values per type (``values[code]``):
single_choice str (option code or "other") | multiple_choice list[str] in option order |
likert str ("1".."n" or "dk") | matrix dict[item, str] | yes_no "yes"/"no" |
number str (canonical decimal) | short_text/long_text str | ranking list[str] in rank
order | country str (alpha-2) | date str (YYYY-MM-DD). ``other[code]`` holds the text of
an "other, please specify" choice.

Form field names: ``CODE`` (``CODE`` repeated for multiple choice and for a ranking in
order), ``CODE__other``, ``CODE__ITEM`` for matrix rows, ``CODE__rank__OPTION`` for the
rank of one option when ranking without JavaScript.
"""

from .common import (
    FormLike,
    Msg,
    Parsed,
    Row,
    clean_text,
    country_codes,
    country_name,
)
from .conditions import condition_holds, missing, visible_codes, visible_sections
from .forms import canonical_number, format_number, parse_form, to_form
from .labels import display, option_label, point_label, word
from .rows import from_rows, merge, point_score, score, to_rows

__all__ = [
    "FormLike",
    "Msg",
    "Parsed",
    "Row",
    "canonical_number",
    "clean_text",
    "condition_holds",
    "country_codes",
    "country_name",
    "display",
    "format_number",
    "from_rows",
    "merge",
    "missing",
    "option_label",
    "parse_form",
    "point_label",
    "point_score",
    "score",
    "to_form",
    "to_rows",
    "visible_codes",
    "visible_sections",
    "word",
]
