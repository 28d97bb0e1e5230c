import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from awards.reminders import send_reminders


class Command(BaseCommand):
    help = "Email enterprises about recognitions, awards and certificates expiring in 90, 30 and 7 days (run daily)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, help="act as if today were this date (YYYY-MM-DD)"
        )

    def handle(self, *args, date: datetime.date | None = None, **options) -> None:
        count = send_reminders(today=date or timezone.localdate())
        self.stdout.write(f"{count} expiring item(s) reminded.")
