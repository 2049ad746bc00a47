"""Extract, update and compile the translation catalogues.

Vietnamese is the source language: the strings in the code are the msgids, and
the default locale "vi" needs no catalogue. English lives in
survey/translations/en/LC_MESSAGES/messages.po. From a source checkout:

    python -m survey.catalog update    # extract messages.pot, merge it into each .po
    python -m survey.catalog compile   # write the .mo files that the app loads

The commands run pybabel with the keywords below, so that the code's `_l` and
`lazy_gettext` calls are extracted as well as Babel's default `_` and `gettext`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
MAPPING = "babel.cfg"
TRANSLATIONS = "survey/translations"
TEMPLATE = f"{TRANSLATIONS}/messages.pot"
LOCALES = ("en",)
# Babel extracts _, gettext, ngettext, pgettext and their relatives by default;
# these are the other translation functions that Flask-Babel offers.
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
# A comment starting with this tag, on the line of a call or just above it,
# is copied into the catalogue as a note for translators.
COMMENT_TAG = "TRANSLATORS:"
USAGE = "usage: python -m survey.catalog extract|update|compile"


def _pybabel(*args: str) -> int:
    """Run one pybabel command in the repository root and return its exit status."""
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        status = CommandLineInterface().run(["pybabel", *args])
    finally:
        os.chdir(previous)
    return int(status or 0)


def extract() -> int:
    """Write messages.pot from the strings marked in survey/ and templates/."""
    keyword_args = [f"--keyword={keyword}" for keyword in KEYWORDS]
    return _pybabel(
        "--quiet",
        "extract",
        f"--mapping-file={MAPPING}",
        f"--output-file={TEMPLATE}",
        f"--add-comments={COMMENT_TAG}",
        "--strip-comment-tags",
        # File names without line numbers keep the diff small when code moves.
        "--add-location=file",
        "--sort-by-file",
        "--project=sipas-survey",
        *keyword_args,
        ".",
    )


def update() -> int:
    """Extract, then merge messages.pot into the catalogue of every locale.

    A new msgid arrives with an empty msgstr, or with a guess from a similar old
    msgid flagged fuzzy. The app shows the Vietnamese text for both until a
    translator writes the msgstr and removes the flag. Messages that are no
    longer in the code are dropped.
    """
    status = extract()
    for locale in LOCALES:
        if status:
            return status
        status = _pybabel(
            "--quiet",
            "update",
            f"--input-file={TEMPLATE}",
            f"--output-dir={TRANSLATIONS}",
            f"--locale={locale}",
            "--init-missing",
            "--ignore-obsolete",
        )
    return status


def compile_catalogues() -> int:
    """Compile each locale's .po into the .mo file that Flask-Babel reads."""
    return _pybabel("compile", f"--directory={TRANSLATIONS}", "--statistics")


def main(argv: Sequence[str] | None = None) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_catalogues}
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in commands:
        print(USAGE, file=sys.stderr)
        return 2
    return commands[args[0]]()


if __name__ == "__main__":
    sys.exit(main())
