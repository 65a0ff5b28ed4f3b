"""python manage.py classify_patents IN.csv OUT.csv — add GB/T 4754 小类 and SEI 2021 classes to a patent list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classification.batch import InputError, classify_csv
from classification.concordance import official_pairs


class Command(BaseCommand):
    help = (
        "按IPC与标题/技术领域为专利分类（国民经济行业小类、战略性新兴产业）。 "
        "Classify patents into GB/T 4754-2017 小类 and SEI 2021 classes. IN.csv needs the columns "
        "application_number, title, ipc (codes separated by |), optionally technical_field; OUT.csv gets the same "
        "rows plus gbt4754 and sei_2021 (ranked, best first, |-separated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path, help="输入CSV（UTF-8） / input CSV (UTF-8, BOM allowed)")
        parser.add_argument("output", type=Path, help="输出CSV / output CSV")
        parser.add_argument(
            "--official",
            action="store_true",
            help="合并数据库中的官方参照关系 / merge the official concordance loaded into the database",
        )

    def handle(self, *args, **options):
        source, target = options["input"], options["output"]
        if not source.is_file():
            raise CommandError(f"找不到输入文件：{source} / input file not found: {source}")
        pairs = official_pairs() if options["official"] else None
        rows = unclassified = 0
        try:
            with (
                source.open(encoding="utf-8-sig", newline="") as src,
                target.open("w", encoding="utf-8", newline="") as dst,
            ):
                for result in classify_csv(src, dst, extra_pairs=pairs):
                    rows += 1
                    unclassified += not result.gbt4754
        except InputError as exc:
            target.unlink(missing_ok=True)
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            target.unlink(missing_ok=True)
            raise CommandError(f"输入文件不是UTF-8编码：{source} / input file is not UTF-8: {source}") from exc
        self.stdout.write(
            f"已分类 {rows} 行，{unclassified} 行无行业结果 / {rows} rows, {unclassified} without a class"
        )
