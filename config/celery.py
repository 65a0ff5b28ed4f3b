"""The Celery application. Tasks run eagerly when no broker is configured (the embedded default)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("patentpool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_imports_on_start(sender=None, **kwargs):
    """A worker that starts (after a crash, a deploy) sweeps at once: a job its predecessor held shows as stale within
    INVENTORY_JOB_STALE_SECONDS instead of waiting for the next beat. Sent as a task, so the sweep runs in a pool
    process and the main process opens no database connection a forked child would inherit."""
    sender.app.send_task("inventory.inventory_import_sweep")
