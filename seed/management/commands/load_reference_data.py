"""Load the shipped reference data (provinces, GB/T 4754, IPC, SEI, milestones); safe to run again."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reference.loader import load_ipc_gbt_concordance
from seed.reference_data import load_all


class Command(BaseCommand):
    help = (
        "Load the reference data shipped in reference/reference_data/. Running it again changes nothing; "
        "existing milestones are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ipc-gbt-concordance",
            metavar="PATH",
            type=Path,
            help="CNIPA's IPC ↔ GB/T 4754 (2018) concordance (.xlsx/.xls/.csv); replaces the stored one.",
        )

    def handle(self, *args, ipc_gbt_concordance=None, verbosity=1, **options):
        if ipc_gbt_concordance is not None and not ipc_gbt_concordance.is_file():
            raise CommandError(f"{ipc_gbt_concordance}: no such file")
        counts = load_all(stdout=self.stdout if verbosity >= 2 else None)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS("Reference data loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            )
        if ipc_gbt_concordance is not None:
            try:
                stored = load_ipc_gbt_concordance(ipc_gbt_concordance)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"IPC ↔ GB/T 4754 concordance: {stored} pairs stored")
