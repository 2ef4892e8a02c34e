"""The subject access export as a readable PDF (fpdf2, pure Python).

Names are written in a Unicode TrueType font, so "Zoë Ŵyn Øster", "Nguyễn" and "Łukasz"
print as written: Noto Sans (Latin, Greek, Cyrillic, Vietnamese), from the PyPI package
fontpkg-noto-sans that the set-up installs, or the .ttf file SUBJECT_ACCESS_PDF_FONT names.
Safe fallback, when neither file is there or the font lacks a character: the character is
printed without its accent (NFKD), or as "?" when it has no plain form, and the last page
says so and points to the JSON export, which always holds the exact text.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import fontpkg
from django.conf import settings
from fontTools.ttLib import TTFont
from fpdf import FPDF

log = logging.getLogger(__name__)

_LATIN_1 = frozenset(chr(c) for c in range(32, 256))
PACKAGED_FAMILY = "Noto Sans"


@lru_cache(maxsize=4)
def _font_characters(path: str) -> frozenset[str]:
    with TTFont(path, lazy=True) as font:
        return frozenset(chr(code) for code in font.getBestCmap())


def packaged_font() -> str | None:
    """Noto Sans Regular from fontpkg-noto-sans (a variable font: its default instance is
    the regular weight, which fpdf2 embeds), or None if the package is missing."""
    try:
        path = fontpkg.path(PACKAGED_FAMILY)
    except fontpkg.FontpkgError:
        return None
    return str(path) if path.is_file() else None


def font_path() -> str | None:
    """The font to write with: SUBJECT_ACCESS_PDF_FONT when set and there, else the packaged
    Noto Sans; None (fpdf2's built-in Latin-1 font) when neither is."""
    configured = settings.SUBJECT_ACCESS_PDF_FONT
    if configured and Path(configured).is_file():
        return configured
    if configured:
        log.warning(
            "SUBJECT_ACCESS_PDF_FONT %s is not a file: using %s", configured, PACKAGED_FAMILY
        )
    return packaged_font()


class _Writer:
    def __init__(self) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_title("Subject access export")
        path = font_path()
        if path:
            self.pdf.add_font("body", "", path)
            self.family, self.characters = "body", _font_characters(path)
        else:
            self.family, self.characters = "helvetica", _LATIN_1
        self.substituted = False

    def text(self, value: str) -> str:
        out = []
        for ch in value:
            if ch in self.characters or ch in "\n":
                out.append(ch)
                continue
            self.substituted = True
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            out.append(plain if plain and all(c in self.characters for c in plain) else "?")
        return "".join(out)

    def line(self, value: str, *, size: float = 10, gap: float = 1) -> None:
        self.pdf.set_font(self.family, size=size)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def pairs(self, row: dict[str, Any]) -> None:
        for key, value in row.items():
            if value in (None, "", [], {}):
                continue
            self.line(f"{key.replace('_', ' ')}: {_readable(value)}", size=9, gap=0)
        self.pdf.ln(2)


def _readable(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"code", "label"}:
        return str(value["label"])
    if isinstance(value, dict) and set(value) == {"id", "name"}:
        return str(value["name"] or value["id"])
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _name(person: dict) -> str:
    return f"{person.get('given_name', '')} {person.get('family_name', '')}".strip()


def render(document: dict) -> bytes:
    """The PDF bytes of a document made by records.subject_access.export."""
    w = _Writer()
    w.pdf.add_page()
    w.line("Subject access export", size=18, gap=2)
    w.line(_name(document["person"]), size=14, gap=2)
    w.line(
        f"Everything socialrx holds on this person, exported {document.get('exported_at', '')} "
        f"by {document.get('exported_by', '')}. The JSON export holds the same, exactly.",
        size=9,
        gap=4,
    )
    w.line("Person", size=13)
    w.pairs(document["person"])
    for section in document["records"]:
        w.line(f"{section['title']} ({len(section['rows'])})", size=13)
        if not section["rows"]:
            w.line("None.", size=9, gap=3)
        for row in section["rows"]:
            w.pairs(row)
    w.line(f"Who saw or changed this record ({len(document['audit'])} events)", size=13)
    for e in document["audit"]:
        detail = f" {json.dumps(e['detail'], ensure_ascii=False)}" if e["detail"] else ""
        what = f"{e['at']}  {e['who']}  {e['what']}  {e['record_type']} {e['record_id']}"
        w.line(what + detail, size=8, gap=0)
    if w.substituted:
        w.pdf.add_page()
        w.line(
            "Note: some characters could not be shown in this PDF's font and are printed "
            "without accents or as '?'. The JSON export holds them exactly.",
            size=10,
        )
    return bytes(w.pdf.output())
