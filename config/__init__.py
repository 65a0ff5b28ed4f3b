"""PatentPool: the stock-patent revitalization platform (project package and the patent library)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
