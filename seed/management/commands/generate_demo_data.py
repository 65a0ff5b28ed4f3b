"""Generate the demo world: provinces' institutions and colleges, patents with self-assessments, enterprises,
experts, deals and one login per role. Scales to national size: --patents 1350000."""

import time

from django.core.management.base import BaseCommand, CommandError

from patentpool.models import Patent
from seed.demo import DEMO_PASSWORD, DemoGenerator
from seed.market_demo import seed_market


class Command(BaseCommand):
    help = "生成演示数据 / Generate demo data (bulk inserts; COPY on PostgreSQL)"

    def add_arguments(self, parser):
        parser.add_argument("--patents", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when patents already exist")
        parser.add_argument("--enterprises", type=int, default=None, help="how many enterprises (default: by scale)")
        parser.add_argument("--no-match", action="store_true", help="leave matching to the workers")

    def handle(self, *args, patents, seed, if_empty, enterprises, no_match, **options):
        if patents < 100:
            raise CommandError("--patents must be at least 100")
        if if_empty and Patent.objects.exists():
            self.stdout.write("demo data already present; skipped")
        else:
            started = time.monotonic()
            stats = DemoGenerator(
                patents=patents,
                seed=seed,
                stdout=self.stdout if options["verbosity"] > 1 else None,
                enterprises=enterprises,
                match=False if no_match else None,
            ).run()
            self.stdout.write(
                f"generated in {time.monotonic() - started:.1f}s: {stats.provinces} provinces, "
                f"{stats.institutions} institutions, {stats.org_units} colleges, {stats.patents} patents, "
                f"{stats.assessments} self-assessments, {stats.enterprises} enterprises, {stats.experts} experts, "
                f"{stats.deals} deals, {stats.pushes} pushes"
            )
            self.stdout.write(f"market ratings: {seed_market(seed)}")
        self.stdout.write(self.style.SUCCESS(f"\n演示账号 / Demo logins (password: {DEMO_PASSWORD})"))
        from institutions.models import User

        for user in User.objects.filter(
            username__in=[
                "admin",
                "inst_admin",
                "college_admin",
                "inventor",
                "enterprise",
                "expert",
                "bureau",
                "ministry",
            ]
        ).order_by("pk"):
            self.stdout.write(f"  {user.username:<14} {user.get_role_display()}")
