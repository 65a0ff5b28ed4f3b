"""Run matching from the command line: the incremental pass (default), a full rematch, or the e-mail digest."""

from django.core.management.base import BaseCommand

from matching import services


class Command(BaseCommand):
    help = "匹配推送 / Match library patents to enterprises (--full: full rematch in this process; --digest: e-mails)"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true")
        parser.add_argument("--digest", action="store_true")

    def handle(self, *args, full, digest, **options):
        if digest:
            self.stdout.write(f"digests sent: {services.send_digests()}")
        elif full:
            run = services.full_run_inline()
            self.stdout.write(
                f"run {run.pk}: {run.patents} patents, {run.chunks_total} chunks, {run.pushes_created} new pushes"
            )
        else:
            self.stdout.write(str(services.match_incremental()))
