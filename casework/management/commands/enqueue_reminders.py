from django.core.management.base import BaseCommand

from casework.tasks import send_follow_up_reminders


class Command(BaseCommand):
    help = "Queue today's follow-up reminder emails (run daily from cron; the worker sends)."

    def handle(self, *args, **options):
        result = send_follow_up_reminders.enqueue()
        self.stdout.write(f"Queued follow-up reminders as task {result.id}.")
