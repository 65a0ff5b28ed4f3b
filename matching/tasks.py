"""Celery tasks of matching. Explicit stable names, ids not objects, idempotent (pushes are unique per pair).

- ``matching.match_incremental``: beat every 30 s — patents approved or changed and enterprises registered or edited
  since the watermarks are matched within a minute. Chosen over an on-commit call from the review service, which
  would be an upward call (evaluations sits below matching) and would miss changes made by imports and the admin.
- ``matching.full_rematch``: beat nightly — plans the run and fans out ``matching.classify_chunk`` tasks; the last
  of them plans and fans out ``matching.match_chunk`` tasks (key × patent-id range); any number of workers share them.
- ``matching.send_digests``: beat daily — the optional e-mail digest.
"""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (ConnectionError,), "retry_backoff": True, "max_retries": 3}


@shared_task(name="matching.match_incremental", acks_late=True, **RETRY)
def match_incremental() -> dict:
    return services.match_incremental()


@shared_task(name="matching.full_rematch", acks_late=True, **RETRY)
def full_rematch() -> int:
    run, chunks = services.full_run_plan_classify()
    for kind, lo, hi in chunks:
        classify_chunk.delay(run.pk, kind, lo, hi)
    if not chunks:
        plan_match(run.pk)
    return run.pk


def plan_match(run_id: int) -> int:
    chunks = services.full_run_plan_match(run_id)
    for key, lo, hi in chunks:
        match_chunk.delay(run_id, key, lo, hi)
    return len(chunks)


@shared_task(name="matching.classify_chunk", acks_late=True, **RETRY)
def classify_chunk(run_id: int, kind: str, lo: int, hi: int) -> None:
    if services.classify_chunk(run_id, kind, lo, hi):
        plan_match(run_id)


@shared_task(name="matching.match_chunk", acks_late=True, **RETRY)
def match_chunk(run_id: int, key: str, lo: int, hi: int) -> int:
    return services.match_chunk(run_id, key, lo, hi)


@shared_task(name="matching.send_digests", acks_late=True)
def send_digests() -> int:
    return services.send_digests()
