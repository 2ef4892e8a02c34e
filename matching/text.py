"""Words for the lexical ranker: lower-case, split, drop stop words, light English stemming.

The stemmer is deliberately light (plurals, -ing, -ed, -ly and a few more): it joins
"walks"/"walking"/"walked" and "gardens"/"gardening" without the surprises of an aggressive
stemmer, and needs no dependency.
"""

from __future__ import annotations

import functools
import re

# A hyphenated word is one word ("part-time", "one-to-one"): its parts alone ("time") would
# match services that share only a common fragment.
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:'[a-z]+)?")

_STOP_WORDS_TEXT = """
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each few
for from further had has have having he her here hers herself him himself his how i if
in into is it its itself just me more most my myself no nor not now of off on once only
or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your
yours yourself yourselves im ive id dont cant wont isnt want wants like would really get
got go going lot lots thing things something someone somebody anything also bit maybe
need needs needed help helps helping please feel feeling felt since us one ones per via
etc inc ltd org www com http https
people person time times way make makes made use used new well much many know let see
look keep good every around back still even ever anyone everyone everything nothing
anymore able else around day days week weeks year years kind sort ask asked
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_SUFFIXES = (
    ("ational", "ate"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("ization", "ize"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("iness", "y"),
    ("ings", ""),
    ("ing", ""),
    ("edly", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ness", ""),
    ("ment", ""),
    ("ers", "er"),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)
_KEEP = frozenset(
    {"news", "bus", "gas", "yes", "this", "less", "class", "glass", "grass", "business"}
    # Words a suffix rule would merge with an unrelated word ("evening" with "even",
    # "apartment" with "apart", "family" with nothing useful, "early" with "ear").
    | {"evening", "morning", "spring", "string", "ceiling", "apartment", "department"}
    | {"government", "family", "early", "supply", "apply", "reply", "only", "belly"}
    | {"nation", "station", "ration", "wedding", "bedding", "pudding", "ring", "thing"}
)


@functools.lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    # Two passes, so "loneliness" -> "lonely" -> "lone" meets "lonely" -> "lone".
    word = word.replace("-", "")  # "part-time" -> "parttime"
    return _strip(_strip(word))


def _strip(word: str) -> str:
    if len(word) <= 3 or word in _KEEP or (word.endswith("ss") and not word.endswith("ness")):
        return word
    if word.endswith("s") and word[:-1] in _KEEP:
        return word[:-1]  # "evenings" -> "evening", not "even"
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + replacement
            # Undouble "shopp" and British "counsell"/"travell", but keep "fall", "call".
            doubled = len(base) > 3 and base[-1] == base[-2] and base[-1] not in "sz"
            doubled = doubled and (base[-1] != "l" or len(base) >= 7)
            if suffix in {"ing", "ings", "ed"} and doubled:
                base = base[:-1]  # "shopping" -> "shop", but "falling" -> "fall"
            if suffix == "es" and not base.endswith(("sh", "ch", "x", "z", "s")):
                base = word[:-1]  # "services" -> "service", "boxes" -> "box"
            return base
    return word


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, with stop words removed (surface forms)."""
    return [
        w for w in (m.replace("'", "") for m in _WORD.findall(text.lower())) if w not in STOP_WORDS
    ]


def terms(text: str) -> list[str]:
    """Stemmed index terms of `text`, in order, repeats kept (for term frequency)."""
    return [stem(w) for w in words(text)]


def query_terms(text: str) -> dict[str, str]:
    """Stemmed terms of a query mapped to the first surface word that produced each."""
    out: dict[str, str] = {}
    for w in words(text):
        out.setdefault(stem(w), w)
    return out
