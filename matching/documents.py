"""Plain-Python shapes the ranker works on: a service (ServiceDoc) and a person (Profile).

The ranker never queries Django models: `matching.adapters` builds ServiceDocs from the
directory's models; `doc_from_hsds` builds them from HSDS 3.0 JSON (benchmarks, imports). It
does read the models' enums (a service's status, capacity and visibility; a conversation's
days, times, setting and mode), so no state is spelled out a second time here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from casework.models import Conversation, TimeOfDay, Weekday
from directory.models import Service
from matching.text import words

WEEKDAYS: tuple[str, ...] = tuple(Weekday.values)  # Monday first
TIMES_OF_DAY: tuple[str, ...] = tuple(TimeOfDay.values)
# The sexes a service may be for and a person may be (people.Person.sex, less "unknown":
# matching reads a sex not known as None).
SEXES = ("female", "male", "other")

# Access features, as tags both sides share. A service's accessibility text and a person's
# access needs are both read into these, so "uses a wheelchair" meets "step-free entrance".
ACCESS_TAGS: dict[str, tuple[str, ...]] = {
    "step_free": (
        "wheelchair",
        "step-free",
        "step free",
        "ramp",
        "elevator",
        "lift",
        "level access",
    ),
    "accessible_toilet": ("restroom", "accessible toilet", "disabled toilet", "changing places"),
    "hearing_loop": ("hearing loop", "induction loop", "deaf", "hard of hearing", "bsl"),
    "visual": ("braille", "large print", "blind", "sight loss", "visually impaired"),
    "parking": ("parking", "blue badge"),
    "quiet_space": ("quiet space", "quiet room", "autism", "autistic", "sensory"),
}
ACCESS_LABELS = {
    "step_free": "step-free access",
    "accessible_toilet": "an accessible toilet",
    "hearing_loop": "a hearing loop",
    "visual": "support for sight loss",
    "parking": "accessible parking",
    "quiet_space": "a quiet space",
}


def access_tags(texts: Iterable[str]) -> frozenset[str]:
    blob = " ".join(t.lower() for t in texts if t)
    return frozenset(tag for tag, cues in ACCESS_TAGS.items() if any(c in blob for c in cues))


@dataclass(frozen=True, slots=True)
class ServiceDoc:
    """What the ranker knows about one service. Unknown values are None or empty."""

    id: str
    name: str
    description: str = ""
    organization: str = ""
    eligibility: str = ""  # who it is for, in the directory's words
    taxonomy_terms: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()  # (lat, lon) of each place it runs
    remote: bool = False  # by phone or online, so distance does not apply
    schedule: frozenset[tuple[str, str]] = frozenset()  # (weekday, time of day) it meets
    free: bool | None = None
    min_age: int | None = None
    max_age: int | None = None
    sexes: frozenset[str] = frozenset()  # empty: anyone
    areas: frozenset[str] = frozenset()  # lower-cased area names/codes served; empty: anywhere
    conditions: frozenset[str] = frozenset()  # only for people with one of these
    languages: frozenset[str] = frozenset()  # lower-cased language names
    accessibility: frozenset[str] = frozenset()  # ACCESS_TAGS keys
    setting: str = ""  # a Conversation.Setting other than EITHER, or "" (not known)
    capacity: str = Service.Capacity.OPEN
    status: str = Service.Status.ACTIVE  # HSDS's service statuses
    visibility: str = Service.Visibility.PUBLIC
    last_verified_at: dt.datetime | None = None

    def text(self) -> str:
        """The text the ranker reads (and embeds): name, description, who it is for, and
        taxonomy term names."""
        parts = [self.name, self.description, self.eligibility]
        if self.taxonomy_terms:
            parts.append("; ".join(self.taxonomy_terms))
        return ". ".join(p.strip() for p in parts if p and p.strip())

    def text_hash(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Need:
    """One thing the person wants help with or is interested in, and how to name it."""

    text: str
    label: str  # as it reads after "matches ...", e.g. "your interest in gardening"
    kind: str = ""  # a referral reason code ("loneliness") when the need is one; else ""
    piece: bool = False  # an "and"-piece of a sentence that is also read whole (ADR 0020)


@dataclass(frozen=True)
class Profile:
    """The person (or a plain query) that suggestions are for.

    Hard constraints apply only to what is known: an unknown age does not exclude an
    18–25 group, but the explanation then says to check eligibility.

    `professional` and `stale_after_days` carry the directory's rules for the viewer
    (directory.access: `sees_professional_listings`, DIRECTORY_STALE_AFTER_DAYS); the
    builders in matching/profiles.py fill them in. The defaults (staff; that setting's
    default of 365 days) serve Profiles built by hand, in tests and benchmarks.
    """

    needs: tuple[Need, ...] = ()
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    age: int | None = None
    sex: str | None = None  # one of SEXES; None when not known
    areas: frozenset[str] | None = None  # lower-cased; None when not known
    conditions: frozenset[str] | None = None  # lower-cased; None when not known
    free_slots: frozenset[tuple[str, str]] = frozenset()  # (weekday, time of day)
    cost_barrier: bool = False
    transport_barrier: bool = False
    access_needs: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # lower-cased, beyond English
    setting: str = Conversation.Setting.EITHER
    mode: str = Conversation.Mode.EITHER
    professional: bool = True  # staff also see professionals-only listings
    stale_after_days: int = 365  # not verified for longer than this: left out as stale
    exclude_ids: frozenset[str] = field(default_factory=frozenset)  # e.g. already in the plan
    # Services marked "not suitable" for this person, with what to say: (service id, reason).
    unsuitable: tuple[tuple[str, str], ...] = ()
    # The team's "not what they want" feedback: (service id, need kind, times marked), read
    # by the engine's feedback sink (scoring.feedback_sink); builders fill it for a case.
    not_wanted: frozenset[tuple[str, str, int]] = frozenset()
    today: dt.date | None = None

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


SPLIT_MODES = ("whole", "pieces", "whole+pieces")
DEFAULT_SPLIT = "whole+pieces"  # each need said in one breath is served (ADR 0019)


def needs_from_text(text: str, split: str = DEFAULT_SPLIT) -> tuple[Need, ...]:
    """Read free text as needs. Sentences (new lines, semicolons, full stops) are always
    separate needs. Within a sentence, "and", "but" and "also" may join two needs ("I feel
    lonely and I'm in debt"): `pieces` splits there when each side keeps a word of
    substance, `whole` never does, `whole+pieces` keeps the sentence and adds its pieces
    (the default since issue #17: "lonely and in debt and likes singing" is four needs, so
    each gets its own best service; ADR 0019 gives what it costs in NDCG@10)."""
    needs: list[Need] = []
    for part in re.split(r"[\n;.!?]+", text or ""):
        part = part.strip(" ,-")
        if not part:
            continue
        pieces = [p.strip(" ,-") for p in re.split(r",?\s+\b(?:and|but|also)\b\s+", part)]
        if len(pieces) < 2 or not all(words(p) for p in pieces) or split == "whole":
            pieces = []
        if split != "pieces" or not pieces:
            needs.append(Need(text=part, label=f"“{_short(part)}”"))
        piece = split != "pieces"  # the sentence itself is a need too
        needs += [Need(text=p, label=f"“{_short(p)}”", piece=piece) for p in pieces]
    return tuple(needs)


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- HSDS 3.0 JSON -> ServiceDoc -------------------------------------------------------------

_HSDS_DAYS = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), WEEKDAYS, strict=True))
_BYDAY = re.compile(r"^[+-]?\d*(MO|TU|WE|TH|FR|SA|SU)$")


def weekdays(byday: str | None) -> list[str]:
    """The days an HSDS (iCalendar) `byday` names: "MO,WE" and "1WE" (the first Wednesday
    of the month) alike, as "mon", "wed"; anything else is ignored."""
    days = []
    for part in (byday or "").split(","):
        m = _BYDAY.match(part.strip().upper())
        if m and _HSDS_DAYS[m.group(1)] not in days:
            days.append(_HSDS_DAYS[m.group(1)])
    return days


_FREE = re.compile(r"^\s*(none|free|no\s+(fee|charge|cost)s?|no)\b", re.I)


def time_of_day(opens: str | None, closes: str | None) -> tuple[str, ...]:
    """The times of day an opening from `opens` to `closes` ("HH:MM") touches."""
    if not opens:
        return ()
    start = int(opens[:2]) + int(opens[3:5]) / 60
    end = (int(closes[:2]) + int(closes[3:5]) / 60) if closes else start + 1
    spans = {TimeOfDay.MORNING: (0, 12), TimeOfDay.AFTERNOON: (12, 17), TimeOfDay.EVENING: (17, 24)}
    return tuple(name for name, (lo, hi) in spans.items() if start < hi and end > lo)


def free_from_text(text: str | None) -> bool | None:
    if not text or not text.strip():
        return None
    return bool(_FREE.match(text))


_ELIGIBILITY = re.compile(r"(?i)\beligibility:\s*(?P<rule>[^;]*)")
_AGE_RANGE = re.compile(r"(?i)\bages?\s*(\d{1,2})\s*(?:-|–|to|through)\s*(\d{1,2})\b")
_AGE_OVER = re.compile(
    r"(?i)\bages?\s*(\d{1,2})\s*(?:\+|(?:years?\s+)?(?:and|or)\s+(?:over|older))"
)
_AGE_UNDER = re.compile(r"(?i)\b(?:under|younger than)\s*(?:age\s*)?(\d{1,2})\b")
_SEX_AT_START = {
    "female": re.compile(r"(?i)^(women|woman|girls?|females?)\b"),
    "male": re.compile(r"(?i)^(men|man|boys?|males?)\b"),
}


def eligibility_from_text(text: str | None) -> tuple[int | None, int | None, frozenset[str]]:
    """Age limits and sex read from the "Eligibility:" clause of HSDS free text, when it
    states them plainly ("Eligibility: Age 18-25", "Eligibility: Women age 60 or over").
    Only that clause counts: "For: ..." describes the audience, not a rule."""
    match = _ELIGIBILITY.search(text or "")
    if not match:
        return None, None, frozenset()
    rule = match.group("rule").strip()
    lo = hi = None
    if m := _AGE_RANGE.search(rule):
        lo, hi = int(m.group(1)), int(m.group(2))
    elif m := _AGE_OVER.search(rule):
        lo = int(m.group(1))
    elif m := _AGE_UNDER.search(rule):
        hi = int(m.group(1)) - 1
    sexes = frozenset(sex for sex, pattern in _SEX_AT_START.items() if pattern.search(rule))
    return lo, hi, sexes


def doc_from_hsds(s: dict, *, include_taxonomy: bool = True) -> ServiceDoc:
    """A ServiceDoc from one nested HSDS 3.0 service object.

    `include_taxonomy=False` hides taxonomy terms (the held-out-taxonomy benchmark).
    """
    points, access, languages, slots = [], [], set(), set()
    remote = False
    for sal in s.get("service_at_locations") or []:
        loc = sal.get("location") or {}
        if loc.get("location_type") == "virtual":
            remote = True
        if loc.get("latitude") is not None and loc.get("longitude") is not None:
            points.append((float(loc["latitude"]), float(loc["longitude"])))
        access += [a.get("description") or "" for a in loc.get("accessibility") or []]
        languages |= {(lang.get("name") or "").lower() for lang in loc.get("languages") or []}
    languages |= {(lang.get("name") or "").lower() for lang in s.get("languages") or []}
    for sched in s.get("schedules") or []:
        for day in weekdays(sched.get("byday")):
            for tod in time_of_day(sched.get("opens_at"), sched.get("closes_at")):
                slots.add((day, tod))
    terms = ()
    if include_taxonomy:
        terms = tuple(
            a["taxonomy_term"]["name"]
            for a in s.get("attributes") or []
            if (a.get("taxonomy_term") or {}).get("name")
        )
    verified = s.get("assured_date") or s.get("last_verified_at")
    text_min, text_max, text_sexes = eligibility_from_text(s.get("eligibility_description"))
    min_age = s.get("minimum_age", text_min)
    max_age = s.get("maximum_age", text_max)
    return ServiceDoc(
        id=s["id"],
        name=s.get("name") or "",
        description=s.get("description") or "",
        organization=(s.get("organization") or {}).get("name", ""),
        eligibility=s.get("eligibility_description") or "",
        taxonomy_terms=terms,
        points=tuple(points),
        remote=remote or not points,
        schedule=frozenset(slots),
        free=free_from_text(s.get("fees_description")),
        min_age=min_age,
        max_age=max_age,
        sexes=text_sexes,
        areas=frozenset((a.get("name") or "").lower() for a in s.get("service_areas") or []) - {""},
        languages=frozenset(languages - {""}),
        accessibility=access_tags(access),
        status=s.get("status") or Service.Status.ACTIVE,
        last_verified_at=dt.datetime.fromisoformat(verified.replace("Z", "+00:00"))
        if isinstance(verified, str)
        else None,
    )
