"""The Vietnamese-capable font family that every report embeds.

DejaVu Sans 2.37 (Debian package fonts-dejavu-core) ships beside this module in
regular, bold, oblique and bold oblique; its licence is fonts/LICENSE.txt. The four
faces are registered as one family, so ``<b>`` and ``<i>`` in a Paragraph pick the
matching face. reportlab embeds a subset of each TrueType font it uses.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"
FACES = (REGULAR, BOLD, ITALIC, BOLD_ITALIC)

# Printed in place of a character that no face of the family can draw.
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


@cache
def register_fonts() -> None:
    """Register the four faces and their family once per process."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for face in FACES:
        if face not in registered:
            pdfmetrics.registerFont(TTFont(face, str(FONT_DIR / f"{face}.ttf")))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)


@cache
def _characters(face: str) -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(face)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


@cache
def _covered() -> frozenset[int]:
    """Return the code points that every face of the family can draw."""
    return frozenset.intersection(*(_characters(face) for face in FACES))


def missing_glyphs(text: str, face: str = REGULAR) -> set[str]:
    """Return the characters of ``text`` (after NFC) that ``face`` has no glyph for.

    Line breaks and tabs are layout, not glyphs, so they are never reported.
    """
    characters = _characters(face)
    return {
        char
        for char in unicodedata.normalize("NFC", text)
        if char not in "\n\r\t" and ord(char) not in characters
    }


def printable(text: str) -> str:
    """Return ``text`` in NFC with every character the family cannot draw replaced.

    Citizen comments may contain emoji or scripts outside the font; a replacement
    character keeps their place visible instead of an empty box or a gap. An
    invisible format character (Unicode category Cf, such as U+FEFF or the bidi
    isolates U+2066 to U+2069) that the family lacks is dropped instead, because
    a browser shows nothing for it either.
    """
    text = unicodedata.normalize("NFC", text)
    covered = _covered()
    if all(ord(char) in covered for char in text):
        return text
    return "".join(_stand_in(char, covered) for char in text)


def _stand_in(char: str, covered: frozenset[int]) -> str:
    if char in "\n\r\t" or ord(char) in covered:
        return char
    return "" if unicodedata.category(char) == "Cf" else REPLACEMENT
