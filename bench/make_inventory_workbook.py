"""Generate a large, valid workbook in the national batch-import layout, and time the reader on it.

    python bench/make_inventory_workbook.py make /tmp/inventory.xlsx --rows 100000 --seed 1
    python bench/make_inventory_workbook.py read /tmp/inventory.xlsx

``make`` writes the template's own header rows (1–3, copied from the national workbook) and then ``rows`` data rows
with openpyxl's write-only mode: about 1.3 rows per patent (a patent's further implementation states and intents on
continuation rows), valid application numbers with correct check digits, a mix of text and Excel-number cells, and
the occasional full-width punctuation. Every patent is valid, so the reader runs its whole path for every row.

``read`` runs ``inventory.reader.read_inventory`` in this process and reports wall time, rows per second
and peak RSS (``resource.getrusage``); run it in a fresh process so that the RSS is the reader's alone.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402

from reference.appno import ApplicationNumber  # noqa: E402

TEMPLATE = ROOT / "reference" / "reference_data" / "national_inventory_template.xlsx"
SHEET = "批量导入"
WIDTH = 30  # A … AD

DEFAULT_UNITS = ("材料科学与工程学院", "计算机学院", "机械工程学院", "化学化工学院", "生命科学学院", "电气工程学院")
_LICENSED_L2 = (
    "已签订开放许可合同",
    "已签订普通许可合同",
    "已签订排他许可合同",
    "已签订独占许可合同",
    "已列入开放许可计划",
    "已列入普通许可计划",
    "已参与专利池运营",
)
_INTENTS = (
    ("拟许可", "拟开放许可"),
    ("拟许可", "拟普通许可"),
    ("拟许可", "拟独占许可"),
    ("拟许可", "拟参与专利池运营"),
    ("拟转让", "拟转让"),
    ("拟转让", "拟作价入股"),
    ("拟自行应用或产业化", "自定义（请勿勾选，请直接填写）：与企业共建中试线"),
    ("拟许可", ""),
)
_PRICES = ("具体面议", "0-10万", "10-20万", "20-30万", "50-60万", "90-100万", "100万以上")
_MATURITY = ("样品、实验阶段", "试生产、应用开发阶段", "小批量生产、工程应用阶段", "批量生产、成熟应用阶段", "通过中试")
_STARS = ("五星", "四星", "三星", "二星", "一星", "5星", "★★★★☆")
_INDUSTRIES = ("制造业", "C", "信息传输、软件和信息技术服务业", "科学研究和技术服务业", "农、林、牧、渔业", "建筑业")
_SEI = ("新一代信息技术产业", "高端装备制造产业", "新材料产业", "生物产业", "新能源产业", "节能环保产业", "相关服务业")
_CITIES = ("浙江省-杭州市", "江苏省-南京市", "广东省-深圳市", "四川省-成都市", "湖北省-武汉市", "北京市-北京市")
_TOPICS = ("锂电池隔膜", "固态电解质", "图像识别模型", "土壤修复剂", "高熵合金", "柔性传感器", "催化剂", "减速器")


def header_rows(template: Path = TEMPLATE) -> list[list]:
    """Rows 1–3 of the national template's sheet 批量导入, as values."""
    workbook = load_workbook(template, read_only=True)
    try:
        sheet = workbook[SHEET]
        return [list(row)[:WIDTH] for row in sheet.iter_rows(min_row=1, max_row=3, values_only=True)]
    finally:
        workbook.close()


def application_number(year: int, type_digit: str, serial: int) -> str:
    body = f"{year}{type_digit}{serial:07d}"
    return f"{body}.{ApplicationNumber.check_digit(body)}"


def _patent_rows(
    rng: random.Random, number: str, type_digit: str, unit: str, extra_rows: int, blank_classes: float = 0.0
) -> list[list]:
    """The rows of one valid patent: the first row with every basic column, then ``extra_rows`` continuation rows.

    ``blank_classes``: the share of patents whose AA / AC are left blank (the importer then suggests them); their
    titles carry the application number, so that no two texts are alike and no cache hides the classifier's cost.
    """
    stars = rng.choice(_STARS)
    low_stars = stars in ("二星", "一星")
    first: list = [None] * WIDTH
    as_number = rng.random() < 0.2 and not number.endswith("X")
    first[0] = None  # 序号 is filled by the caller
    first[1] = float(number) if as_number else number
    first[2] = f"一种{rng.choice(_TOPICS)}的制备方法及其应用"
    first[3] = rng.choice(("有效", "有效", "专利权维持", "授权"))
    first[4] = rng.randint(1, 12)
    first[5] = "张三，李四，王五"
    first[6] = unit
    if rng.random() < 0.03:
        first[7] = "新能源材料专利组合"
        first[8] = ",".join(application_number(2020, "1", rng.randint(1, 9_999_999)) for _ in range(3))
        first[9] = "围绕同一技术路线的系列专利"
    first[10] = rng.choice(("是", "否", "是 "))
    state = rng.random()
    if state < 0.55:
        first[11] = "尚未实施"
    elif state < 0.75:
        first[11], first[12] = "已许可", rng.choice(_LICENSED_L2)
        first[13] = rng.choice((12.5, 3, "8.8", "20万元"))
    elif state < 0.85:
        first[11], first[12], first[13] = "已转让", "已签订转让合同", rng.randint(1, 300)
    elif state < 0.9 and type_digit in "23":
        first[11], first[13] = "实用新型专利、外观设计专利已有专利权评价报告", "全部权利要求符合授权条件"
    else:
        first[11], first[13] = "已自行产业化", 50
    first[14] = "合同已备案" if rng.random() < 0.1 else None
    first[15], first[16] = rng.choice(_INTENTS)
    first[17] = rng.choice((None, 10, "5.5"))
    first[18] = "，".join(rng.sample(_CITIES, 2)) if rng.random() < 0.5 else None
    first[19] = "某某科技有限公司，某某新材料股份有限公司" if rng.random() < 0.3 else None
    first[20] = rng.choice(_PRICES)
    first[21] = "王老师"
    first[22] = rng.choice((13800138000, "0571-88888888", "wang@example.edu.cn"))
    first[23] = rng.choice(_MATURITY)
    first[24] = stars
    if not low_stars or rng.random() < 0.5:
        first[25] = "可用于动力电池，循环寿命提高 30%"
        first[27] = "新能源汽车市场规模持续扩大，产业化前景良好"
    first[26] = rng.choice(_INDUSTRIES)
    first[28] = rng.choice(_SEI)
    if blank_classes and rng.random() < blank_classes:
        first[26] = first[28] = None
        first[2] = f"{first[2]}（{number}）"
    first[29] = "H01M"
    rows = [first]
    for index in range(extra_rows):
        row: list = [None] * WIDTH
        if index % 2 == 0:
            row[15], row[16] = rng.choice(_INTENTS)
        else:
            row[11], row[12], row[13] = "已许可", "已签订普通许可合同", 6
        rows.append(row)
    return rows


def make_workbook(
    path: str | Path,
    rows: int,
    *,
    seed: int = 0,
    institution_units: Sequence[str] = DEFAULT_UNITS,
    start_serial: int = 1,
    rows_per_patent: float = 1.3,
    template: Path = TEMPLATE,
    blank_classes: float = 0.0,
) -> dict[str, int]:
    """Write a valid national-format workbook with ``rows`` data rows; return {'rows': …, 'patents': …}.

    Application numbers run from ``start_serial`` (7-digit serials over the years 2015–2023 and the types 1, 2, 3),
    so two workbooks made with disjoint serial ranges never share a number.
    """
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    for row in header_rows(template):
        sheet.append(row)
    extra_share = max(rows_per_patent - 1.0, 0.0)
    written = patents = 0
    serial = start_serial
    while written < rows:
        year = 2015 + serial % 9
        type_digit = "123"[serial % 3] if serial % 5 == 0 else "1"
        number = application_number(year, type_digit, serial % 10_000_000)
        serial += 1
        extra = 0
        if rng.random() < extra_share:
            extra = 1 if rng.random() < 0.8 else 2
        extra = min(extra, rows - written - 1)
        patent_rows = _patent_rows(
            rng, number, type_digit, rng.choice(list(institution_units)), extra, blank_classes=blank_classes
        )
        patents += 1
        patent_rows[0][0] = patents
        for row in patent_rows:
            sheet.append(row)
        written += len(patent_rows)
    for name in ("专利实施化状态（含产业化）", "转化意愿"):
        hidden = workbook.create_sheet(name)
        hidden.sheet_state = "hidden"
        hidden.append(["尚未实施", "已许可", "已转让"])
    workbook.save(path)
    return {"rows": written, "patents": patents}


def time_read(path: str | Path) -> dict[str, float]:
    """Read ``path`` with read_inventory; wall time, rows/s and the process's peak RSS in MiB."""
    from inventory.reader import read_inventory

    started = time.perf_counter()
    parsed = read_inventory(path)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "rows": parsed.total_rows,
        "records": len(parsed.records),
        "errors": len(parsed.errors),
        "seconds": round(elapsed, 3),
        "rows_per_second": round(parsed.total_rows / elapsed),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("make", help="write a national-format workbook")
    make.add_argument("path")
    make.add_argument("--rows", type=int, default=100_000)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--start-serial", type=int, default=1)
    make.add_argument("--units", nargs="*", default=list(DEFAULT_UNITS), help="college names for column G")
    make.add_argument("--blank-classes", type=float, default=0.0, help="share of patents with AA/AC left blank")
    read = commands.add_parser("read", help="time read_inventory on a workbook")
    read.add_argument("path")
    args = parser.parse_args(argv)
    if args.command == "make":
        started = time.perf_counter()
        stats = make_workbook(
            args.path,
            args.rows,
            seed=args.seed,
            institution_units=args.units,
            start_serial=args.start_serial,
            blank_classes=args.blank_classes,
        )
        print(f"{stats['rows']} rows, {stats['patents']} patents -> {args.path} ({time.perf_counter() - started:.1f}s)")
    else:
        print(time_read(args.path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
