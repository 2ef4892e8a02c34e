"""Build the load test's world on top of the demo town, and write what the Locust users need
(logins, case ids, API tokens, search words) to a JSON file.

Run by scripts/loadtest.sh with the server's own environment (DATABASE_URL etc.):
    python -m bench.loadtest.world OUT.json [--link-workers 40] [--cases-each 12]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")

PASSWORD = "load-test-password-1"  # noqa: S105 - a throwaway database made for one run
SEARCH_WORDS = [
    "walking",
    "lonely",
    "debt",
    "singing",
    "art",
    "food",
    "garden",
    "carers",
    "bereavement",
    "exercise",
    "coffee",
    "housing",
]


def build(link_workers: int, cases_each: int, referrers: int, seed: int) -> dict:
    import django

    django.setup()
    from django.db import transaction

    from accounts.models import Role, Team, User
    from accounts.tokens import create_api_token
    from casework.tests.factories import CaseFactory
    from directory.models import Service
    from people.tests.factories import PersonFactory
    from referrals.tests.factories import ReferralFactory

    rng = random.Random(seed)
    demo_worker = User.objects.get(username="linkworker")
    team: Team = demo_worker.team
    demo_referrer = User.objects.get(username="referrer")
    world: dict = {"password": PASSWORD, "link_workers": [], "tokens": [], "searches": []}
    with transaction.atomic():
        for n in range(link_workers):
            worker = User.objects.create(
                username=f"load-lw-{n:03d}",
                first_name="Load",
                last_name=f"Worker {n}",
                role=Role.LINK_WORKER,
                team=team,
            )
            worker.set_password(PASSWORD)
            worker.save(update_fields=["password"])
            cases = []
            for _ in range(cases_each):
                person = PersonFactory(team=team, area=team.area)
                referral = ReferralFactory(person=person, team=team, area=team.area)
                case = CaseFactory(referral=referral, link_worker=worker)
                cases.append(str(case.pk))
            world["link_workers"].append({"username": worker.username, "cases": cases})
        for n in range(referrers):
            referrer = User.objects.create(
                username=f"load-gp-{n:03d}",
                first_name="Load",
                last_name=f"GP {n}",
                role=Role.REFERRER,
                team=demo_referrer.team,
            )
            world["tokens"].append(create_api_token(referrer, name="load test"))
    words = list(SEARCH_WORDS)
    rng.shuffle(words)
    world["searches"] = words
    world["services"] = [
        str(pk) for pk in Service.objects.values_list("pk", flat=True).order_by("pk")[:50]
    ]
    return world


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--link-workers", type=int, default=40)
    parser.add_argument("--cases-each", type=int, default=12)
    parser.add_argument("--referrers", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    world = build(args.link_workers, args.cases_each, args.referrers, args.seed)
    args.out.write_text(json.dumps(world, indent=1))
    print(
        f"world: {len(world['link_workers'])} link workers, "
        f"{sum(len(w['cases']) for w in world['link_workers'])} cases, "
        f"{len(world['tokens'])} API tokens -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
