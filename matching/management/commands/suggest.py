"""Suggest services from the shell: `manage.py suggest --text "..." --postcode P --json`.

With --json, stdout carries only the JSON document (logs go to stderr)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from matching.profiles import profile_for_query
from matching.suggestions import as_json, suggestions_for
from socialrx.errors import DomainError


class Command(BaseCommand):
    help = "Ranked, explained service suggestions for needs in plain words."

    def add_arguments(self, parser):
        parser.add_argument("--text", required=True, help="Needs and interests in plain words.")
        place = parser.add_mutually_exclusive_group()
        place.add_argument("--postcode")
        place.add_argument("--lat", type=float)
        parser.add_argument("--lon", type=float)
        parser.add_argument("--radius-km", type=float, dest="radius_km")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--age", type=int)
        parser.add_argument("--excluded", action="store_true", help="Also list excluded services.")
        parser.add_argument("--json", action="store_true", help="Print only JSON on stdout.")

    def handle(self, *args, **opts):
        if not 1 <= opts["limit"] <= 50:
            raise CommandError("--limit must be between 1 and 50.")
        if opts["radius_km"] is not None and opts["radius_km"] <= 0:
            raise CommandError("--radius-km must be more than 0.")
        try:
            profile = profile_for_query(
                text=opts["text"],
                lat=opts["lat"],
                lon=opts["lon"],
                postcode=opts["postcode"],
                radius_km=opts["radius_km"],
                age=opts["age"],
            )
        except DomainError as exc:
            raise CommandError(
                f"--{(exc.field or 'text').replace('_', '-')}: {exc.message}"
            ) from None
        found = suggestions_for(profile, limit=opts["limit"], include_excluded=opts["excluded"])
        body = as_json(found)
        if opts["json"]:
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
            return
        for rank, item in enumerate(body["results"], 1):
            self.stdout.write(f"{rank:>2}. {item['name']}  ({item['score']:.3f})")
            self.stdout.write(f"    {item['explanation']}")
        for item in body.get("excluded") or []:
            reasons = "; ".join(r["reason"] for r in item["reasons"])
            self.stdout.write(f"  excluded: {item['name']}: {reasons}")
        self.stdout.write(f"({body['ranker']['mode']} ranking)")
