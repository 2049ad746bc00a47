"""The English catalogue: complete, compiled, in step with the code, and served.

Vietnamese is the source language, so a msgid is the Vietnamese text and the
English msgstr is the text shown with ?lang=en.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from survey import catalog as catalog_tool

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "survey/translations/en/LC_MESSAGES"
UPDATE_COMMAND = (
    "python -m survey.catalog update, translate the new entries in "
    "survey/translations/en/LC_MESSAGES/messages.po, then "
    "python -m survey.catalog compile"
)
# A printf conversion (%(name)s, %d, %%) or a stray percent sign. Jinja's
# newstyle gettext applies `%` to every template message, so a stray % in an
# English msgstr breaks the page even where the msgid has no placeholder.
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|%")
# The translation functions that flask_babel exports.
TRANSLATION_FUNCTIONS = {
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
}


def read_catalogue() -> Catalog:
    with (CATALOGUE / "messages.po").open("rb") as file:
        return read_po(file, locale="en")


def messages(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def extraction_keywords() -> dict:
    return {**DEFAULT_KEYWORDS, **parse_keywords(catalog_tool.KEYWORDS)}


def code_msgids() -> set[str]:
    """Run Babel's extractor over the code with babel.cfg and the tool's keywords."""
    with (ROOT / catalog_tool.MAPPING).open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file, catalog_tool.MAPPING)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=extraction_keywords()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_entry_translated():
    problems = []
    for message in messages(read_catalogue()):
        strings = message.string
        if not isinstance(strings, tuple):
            strings = (strings,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(text.strip() for text in strings):
            problems.append(f"empty msgstr: {message.id!r}")
            continue
        expected = sorted(PERCENT.findall(message.id))
        for text in strings:
            if sorted(PERCENT.findall(text)) != expected:
                problems.append(f"placeholders differ: {message.id!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_catalogue_passes_babel_checks():
    errors = [
        f"{message.id!r}: {error}"
        for message, found in read_catalogue().check()
        for error in found
    ]
    assert not errors, "\n".join(errors)


def test_mo_matches_po():
    translated = {
        message.id: message.string
        for message in messages(read_catalogue())
        if message.string and not message.fuzzy
    }
    with (CATALOGUE / "messages.mo").open("rb") as file:
        compiled = {message.id: message.string for message in messages(read_mo(file))}
    stale = sorted(
        msgid
        for msgid in translated.keys() | compiled.keys()
        if translated.get(msgid) != compiled.get(msgid)
    )
    assert not stale, (
        "messages.mo differs from messages.po; run python -m survey.catalog "
        "compile. Differing msgids:\n" + "\n".join(map(repr, stale))
    )


def test_catalogue_covers_code():
    in_catalogue = {message.id for message in messages(read_catalogue())}
    in_code = code_msgids()
    assert len(in_code) > 100, "the extractor found almost nothing; check babel.cfg"
    missing = sorted(in_code - in_catalogue)
    assert not missing, (
        f"{len(missing)} strings in the code have no English entry. Run "
        f"{UPDATE_COMMAND}.\n" + "\n".join(map(repr, missing))
    )


def test_keywords_cover_imports():
    """Every alias of a Flask-Babel translation function is an extraction keyword."""
    keywords = extraction_keywords()
    unknown = []
    for path in sorted((ROOT / "survey").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.module != "flask_babel":
                continue
            for alias in node.names:
                name = alias.asname or alias.name
                if alias.name in TRANSLATION_FUNCTIONS and name not in keywords:
                    unknown.append(f"{path.relative_to(ROOT)}: {name}")
    assert not unknown, (
        "add these names to KEYWORDS in survey/catalog.py:\n" + "\n".join(unknown)
    )


@pytest.fixture(scope="module")
def english() -> Catalog:
    return read_catalogue()


def test_home_page_language(client: FlaskClient, english: Catalog):
    heading = "Chọn cơ quan đã giải quyết hồ sơ của ông/bà"
    group = "UBND cấp huyện"

    vietnamese = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese
    assert heading in vietnamese
    assert english[group].string not in vietnamese

    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert english[heading].string in page
    assert english[group].string in page
    assert heading not in page


def test_language_kept_in_session(client: FlaskClient, english: Catalog):
    heading = "Chọn cơ quan đã giải quyết hồ sơ của ông/bà"
    client.get("/?lang=en")
    assert english[heading].string in client.get("/").get_data(as_text=True)
    assert heading in client.get("/?lang=vi").get_data(as_text=True)
    assert heading in client.get("/").get_data(as_text=True)


def test_unknown_language_falls_back(client: FlaskClient):
    page = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="vi">' in page


def test_api_404_in_english(client: FlaskClient, english: Catalog):
    generic = "Không tìm thấy trang hoặc dữ liệu được yêu cầu."
    response = client.get("/api/v1/no-such-resource?lang=en")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == english[generic].string

    response = client.get("/api/v1/questionnaires/no-such-form/9?lang=en")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert message == "Questionnaire no-such-form version 9 not found."


def test_api_404_in_vietnamese(client: FlaskClient):
    response = client.get("/api/v1/no-such-resource")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert message == "Không tìm thấy trang hoặc dữ liệu được yêu cầu."
