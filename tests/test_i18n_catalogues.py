"""The interface's message catalogues: complete, consistent with the code, compiled."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("de", "fr", "it")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
KEYWORDS |= {"N_": None, "Msg": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalogue(lang: str):
    path = ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    return read_po(BytesIO(path.read_bytes()), locale=lang)


def _code_messages() -> set:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        if "/translations/" in _file or "tests/" in _file:
            continue
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_with_the_same_placeholders(lang):
    catalogue = _catalogue(lang)
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: no translation for {message.id!r}"
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy translation for {message.id!r}"
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(ids[-1])), (
                f"{lang}: placeholders differ in {message.id!r}"
            )


def test_the_catalogues_hold_every_message_of_the_code():
    in_code = _code_messages()
    for lang in LANGS:
        in_catalogue = {m.id for m in _catalogue(lang) if m.id}
        missing = in_code - in_catalogue
        assert not missing, (
            f"{lang}: {len(missing)} message(s) not in the catalogue, e.g. {sorted(map(str, missing))[:3]}: "
            "run `make messages` and translate the new entries"
        )


def test_compiled_catalogues_are_used(client):
    html = client.get("/login?lang=it").get_data(as_text=True)
    assert '<html lang="it">' in html and "Accedi" in html and "Vai al contenuto" in html


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "This field is required."), ("de", "Dieses Feld wird benötigt.")]
)
def test_wtforms_own_messages_follow_the_page_language(app, lang, expected):
    """WTForms' built-in messages come from its catalogue (read once per process) in the
    language of each request, not of the first request that read it."""
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = StringField(validators=[DataRequired()])

    for _ in range(2):  # the second request reads the cached catalogue
        with app.test_request_context(
            "/", method="POST", data={}, headers={"Accept-Language": lang}
        ):
            app.preprocess_request()
            form = Form()
            assert not form.validate()
            assert form.name.errors == [expected]
