"""Periodic tasks of deals."""

from celery import shared_task


@shared_task(name="transfers.remind_overdue_payments", expires=3600)
def remind_overdue_payments_task() -> int:
    """Daily: e-mail institutions their overdue instalments (at most once a day per instalment)."""
    from django.utils import timezone

    from .reminders import remind_overdue

    return remind_overdue(timezone.localdate())
