"""The full rematch on real Celery workers: planned into chunks, classify then match, progress on the run row."""

from __future__ import annotations

import time

import pytest
from market_helpers import market_world

from matching.choices import RunState
from matching.models import MatchRun, Push

pytestmark = pytest.mark.committed


def test_full_rematch_fans_out_to_workers_and_is_idempotent(live_world, celery_worker_threads):
    market_world(live_world)
    app = celery_worker_threads

    def run_once() -> MatchRun:
        before = MatchRun.objects.count()
        app.send_task("matching.full_rematch")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = MatchRun.objects.order_by("-pk").first()
            if MatchRun.objects.count() > before and run.state == RunState.DONE:
                return run
            time.sleep(0.5)
        raise AssertionError("the run did not finish within two minutes")

    first = run_once()
    # two library patents → one classify chunk; three enterprises → one; keys shared: g:C38 and i:H01M
    assert (first.classify_done, first.classify_total, first.chunks_done, first.chunks_total) == (2, 2, 2, 2)
    assert (first.patents, first.pushes_created) == (2, 3)
    second = run_once()
    assert (second.pushes_created, Push.objects.count()) == (0, 3)
