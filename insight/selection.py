"""Which referrals an evaluation covers (insight.evaluation.filtered builds one from a
reader's scope and the page's filters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from insight.models import PairFact
from referrals.models import Referral


@dataclass(frozen=True)
class Selection:
    """Which referrals an evaluation covers, said in the columns the referrals and the
    evaluation's facts (insight.models.PairFact) both have: area, team, day received.
    `referrals()` is the queryset; `facts()` the same referrals' facts, read without
    touching the referrals table (the page and `manage.py evaluate` evaluate this way; any
    other queryset of referrals is evaluated through a join)."""

    area_id: int | None = None
    team_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    empty: bool = False

    def narrowed(self, **given: Any) -> Selection:
        """Both this selection and `given` (a team, an area, dates): a team or area that
        differs from one already chosen selects nothing."""
        out = dict(self.__dict__)
        for name in ("area_id", "team_id"):
            value = given.get(name)
            if value is None:
                continue
            if out[name] is not None and out[name] != value:
                out["empty"] = True
            out[name] = value
        if given.get("date_from") is not None:
            out["date_from"] = max(filter(None, (out["date_from"], given["date_from"])))
        if given.get("date_to") is not None:
            out["date_to"] = min(filter(None, (out["date_to"], given["date_to"])))
        return Selection(**out)

    def place(self) -> dict[str, Any]:
        """The area and team filters, as keyword arguments (no dates)."""
        filters: dict[str, Any] = {}
        if self.area_id is not None:
            filters["area_id"] = self.area_id
        if self.team_id is not None:
            filters["team_id"] = self.team_id
        return filters

    def on_days(self, day: str) -> dict[str, Any]:
        """Filters on a summary's own columns: area, team and its date column `day`."""
        filters = self.place()
        if self.date_from is not None:
            filters[f"{day}__gte"] = self.date_from
        if self.date_to is not None:
            filters[f"{day}__lte"] = self.date_to
        return filters

    def referrals(self) -> QuerySet[Referral]:
        """The referrals received on the selection's days (local dates), said as a range
        of moments so that the database can use its index on the time received."""
        qs = Referral.objects.filter(**self.place())
        if self.date_from is not None:
            qs = qs.filter(received_at__gte=_start_of(self.date_from))
        if self.date_to is not None:
            qs = qs.filter(received_at__lt=_start_of(self.date_to + dt.timedelta(days=1)))
        return qs.none() if self.empty else qs

    def facts(self) -> QuerySet[PairFact]:
        qs = PairFact.objects.filter(**self.on_days("received_on"))
        return qs.none() if self.empty else qs


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the local time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


Referrals = QuerySet[Referral] | Selection


def referrals_of(referrals: Referrals) -> QuerySet[Referral]:
    return referrals.referrals() if isinstance(referrals, Selection) else referrals
