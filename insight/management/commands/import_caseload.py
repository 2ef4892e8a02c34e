from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team, User
from accounts.permissions import Permission, has_permission
from insight.caseload import CaseloadProblems, import_caseload


def _case_worker(team, username):
    user = User.objects.filter(username=username, team=team, is_active=True).first()
    if user is None or not has_permission(user, Permission.WORK_CASES):
        raise CommandError(f"{username!r} is not an active link worker in {team.name}.")
    return user


class Command(BaseCommand):
    help = (
        "Import a caseload's history from FOLDER (people.csv, referrals.csv, contacts.csv, "
        "connections.csv, measures.csv) into an existing team, all or nothing. Every bad "
        "cell is reported as file.csv:line: column: message. See docs/insight.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--team", required=True, help="The team's name, exactly.")
        parser.add_argument(
            "--by", help="The user the audit rows name (default: the command itself)."
        )
        parser.add_argument(
            "--link-worker",
            help="Who holds the imported cases (default: --by if a link worker, else the "
            "team's only link worker).",
        )

    def handle(self, *args, folder, team, by, link_worker, **options):
        teams = list(Team.objects.filter(name=team).exclude(kind=Team.Kind.PRACTICE))
        if len(teams) != 1:
            raise CommandError(
                f"No social prescribing team is named {team!r}."
                if not teams
                else f"{len(teams)} teams are named {team!r}."
            )
        team = teams[0]
        user = None
        if by:
            user = User.objects.filter(username=by, team=team, is_active=True).first()
            if user is None:
                raise CommandError(f"{by!r} is not an active user in {team.name}.")
        if link_worker:
            worker = _case_worker(team, link_worker)
        elif user is not None and has_permission(user, Permission.WORK_CASES):
            worker = user
        else:
            workers = [
                u
                for u in User.objects.filter(team=team, is_active=True).order_by("username")
                if has_permission(u, Permission.WORK_CASES)
            ]
            if len(workers) != 1:
                raise CommandError(
                    f"{team.name} has {len(workers)} link workers: name the one who holds the "
                    "imported cases with --link-worker USERNAME."
                )
            worker = workers[0]
        if not Path(folder).is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            summary = import_caseload(Path(folder), team=team, by=user, link_worker=worker)
        except CaseloadProblems as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was imported."
            ) from None
        self.stdout.write(str(summary))
