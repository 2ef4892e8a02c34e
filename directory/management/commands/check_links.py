import json

from django.core.management.base import BaseCommand

from directory.links import check_targets, directory_targets


class Command(BaseCommand):
    help = "Check every service's and organisation's website and email domain; list dead ones."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print findings as JSON.")
        parser.add_argument("--timeout", type=float, default=10.0)
        parser.add_argument("--workers", type=int, default=8)
        parser.add_argument("--limit", type=int, default=None, help="Check at most N addresses.")

    def handle(self, *args, json: bool = False, timeout, workers, limit, **options):  # noqa: A002
        findings = check_targets(directory_targets(limit), workers=workers, timeout=timeout)
        dead = [f for f in findings if not f.ok]
        if json:
            self.stdout.write(
                _json(
                    [
                        {
                            "kind": f.target.kind,
                            "id": f.target.id,
                            "name": f.target.name,
                            "field": f.target.field,
                            "value": f.target.value,
                            "problem": f.detail,
                        }
                        for f in dead
                    ]
                )
            )
            return
        for f in dead:
            self.stdout.write(
                f"DEAD  {f.target.kind} {f.target.name!r} {f.target.field} "
                f"{f.target.value}: {f.detail}"
            )
        self.stdout.write(f"Checked {len(findings)} addresses: {len(dead)} dead.")


def _json(data) -> str:
    return json.dumps(data, indent=2)
