"""Build the performance data set: ``longtime``, ``small`` and a hosted install (freelance/dashboard/loadgen.py).

    uv run manage.py generate_data [--seed 1] [--scale 1.0] [--hosted 1000] [--hosted-detail 0.1] [--replace]

Never on real data: it refuses when the generated users already exist unless ``--replace``,
which deletes them (and only them) first. Every generated login has the password
``mijlpaal-bench``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from freelance.dashboard import loadgen


class Command(BaseCommand):
    help = "Generate ten years of one freelancer, a small one and a hosted install, for benchmarks."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (tests use 0.01)")
        parser.add_argument("--hosted", type=int, default=1000, help="hosted freelancers with a tenth each; 0 for none")
        parser.add_argument(
            "--hosted-detail", type=float, default=0.1, help="share of hours and scope items the hosted ones get"
        )
        parser.add_argument("--replace", action="store_true", help="delete the generated freelancers first")

    def handle(self, *args, seed: int, scale: float, hosted: int, hosted_detail: float, replace: bool, **options):
        if scale <= 0 or hosted < 0 or not 0 <= hosted_detail <= 1:
            raise CommandError("--scale must be above 0, --hosted 0 or more, --hosted-detail between 0 and 1")
        if loadgen.generated_users().exists():
            if not replace:
                raise CommandError("Generated freelancers exist already; add --replace to delete them first.")
            loadgen.delete_generated(out=self.stdout.write)
        result = loadgen.generate(
            seed=seed, scale=scale, hosted=hosted, hosted_detail=hosted_detail, out=self.stdout.write
        )
        total = sum(result.rows.values())
        self.stdout.write(f"{total:,} rows in {sum(result.seconds.values()):.1f} s")
        for table, count in sorted(result.rows.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {table:<40} {count:>10,}")
