"""Seal (or re-seal) one quarter's snapshot: ``manage.py snapshot_quarter 2025Q4``."""

from django.core.management.base import BaseCommand, CommandError

from dashboards.quarters import Quarter
from dashboards.snapshots import snapshot_quarter
from dashboards.tasks import snapshot_dispatch


class Command(BaseCommand):
    help = "冻结一个季度的统计快照 / Freeze one quarter's figures into snapshot rows (e.g. 2025Q4)"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="2025Q4")
        parser.add_argument(
            "--replace", action="store_true", help="重新生成已封存的季度 / recompute a quarter that is already sealed"
        )
        parser.add_argument(
            "--provisional", action="store_true", help="当前季度的临时数据 / provisional figures of the current quarter"
        )
        parser.add_argument(
            "--workers",
            action="store_true",
            help="交给 Celery 按省分块执行 / queue one chunk per province on the workers",
        )

    def handle(self, *args, quarter, replace, provisional, workers, **options):
        try:
            parsed = Quarter.parse(quarter)
            if workers:
                run_id = snapshot_dispatch(quarter=parsed, final=not provisional, replace=replace)
                self.stdout.write(
                    f"{parsed}: " + (f"run {run_id} queued" if run_id else "already sealed, nothing to do")
                )
                return
            run = snapshot_quarter(quarter=parsed, final=not provisional, replace=replace)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if run is None:
            self.stdout.write(f"{parsed}: 已封存，未改动 / already sealed, unchanged (use --replace to recompute)")
        else:
            self.stdout.write(f"{parsed}: {run.chunks_done}/{run.chunks_total} provinces, {run.state}")
