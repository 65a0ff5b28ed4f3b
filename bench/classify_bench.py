"""Accuracy and speed of ``classify_patents`` on the labelled development patents.

    .venv/bin/python bench/classify_bench.py [--dev ../shared/reference/labelled_patents_dev.csv] [--folds 5]

A hit at a level when the top (top-3) predicted class at that level is among the patent's labels compared at that
level (门类: 1st char, 大类: 3 chars, 小类: 5 chars; the 门类/大类 rankings are the classifier's roll-ups, where a 小类
counts under its ancestors). GB/T figures are over patents with at least one 小类 label, SEI over those with an SEI
label. Rows: most-frequent-class baseline; authored table only (nothing learned from this file); the shipped table
(built with this whole file, so in-sample); and k-fold cross-validation (tables rebuilt from k-1 folds).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classification.batch import classify_csv, classify_row  # noqa: E402
from classification.build_concordance import build_tables, gbt_labels, labelled_rows, sei_label  # noqa: E402

DEV = ROOT.parent / "shared" / "reference" / "labelled_patents_dev.csv"
LEVELS = (("门类", "sections", 1), ("大类", "divisions", 3), ("小类", "gbt4754", 5), ("SEI-2", "sei_2021", None))


def truth(row: dict[str, str], length: int | None) -> set[str]:
    if length is None:
        return {sei_label(row)} - {""}
    return {code[:length] for code in gbt_labels(row)}


def score(rows, predictions) -> dict[str, tuple[float, float, int]]:
    """{level: (top-1, top-3, n)} for predictions given as {level attribute: ranked codes} per row."""
    result = {}
    for name, attribute, length in LEVELS:
        hits1 = hits3 = n = 0
        for row, predicted in zip(rows, predictions, strict=True):
            labels = truth(row, length)
            if not labels:
                continue
            n += 1
            ranked = predicted[attribute]
            hits1 += bool(ranked[:1] and ranked[0] in labels)
            hits3 += bool(set(ranked[:3]) & labels)
        result[name] = (hits1 / n, hits3 / n, n)
    return result


def as_codes(result) -> dict[str, list[str]]:
    return {attribute: result.codes(attribute) for _, attribute, _ in LEVELS}


def baseline(train, test) -> list[dict[str, list[str]]]:
    """The most frequent classes of the training rows at each level, for every test row."""
    ranked = {}
    for _, attribute, length in LEVELS:
        counts = Counter(code for row in train for code in truth(row, length))
        ranked[attribute] = [code for code, _ in counts.most_common(3)]
    return [ranked] * len(test)


def predict(rows, tables=(None, None), use_text=True):
    gbt, sei = tables
    return [as_codes(classify_row(row, gbt_table=gbt, sei_table=sei, use_text=use_text)) for row in rows]


def cross_validate(rows, k: int, use_text: bool, seed: int = 0):
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    predictions: list = [None] * len(rows)
    for fold in range(k):
        test = [i for j, i in enumerate(order) if j % k == fold]
        held = set(test)
        tables = build_tables([row for i, row in enumerate(rows) if i not in held])
        for i, predicted in zip(test, predict([rows[i] for i in test], tables, use_text), strict=True):
            predictions[i] = predicted
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    rows = labelled_rows(args.dev)
    authored = build_tables(None)

    # Speed: the command's own path (CSV in, CSV out), after one warm-up row loads jieba and the tables.
    text = args.dev.read_text(encoding="utf-8-sig")
    list(classify_csv(io.StringIO(text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n"), io.StringIO()))
    started = time.perf_counter()
    count = sum(1 for _ in classify_csv(io.StringIO(text), io.StringIO()))
    rate = count / (time.perf_counter() - started)

    table = [
        ("(a) most frequent class (baseline)", score(rows, baseline(rows, rows))),
        ("(b0) IPC only, authored table (nothing learned)", score(rows, predict(rows, authored, use_text=False))),
        ("(c0) IPC + text, authored table (nothing learned)", score(rows, predict(rows, authored))),
        ("(b) IPC only, shipped table (in-sample)", score(rows, predict(rows, use_text=False))),
        ("(c) IPC + text, shipped table (in-sample)", score(rows, predict(rows))),
        (f"(d) IPC only, {args.folds}-fold CV", score(rows, cross_validate(rows, args.folds, use_text=False))),
        (f"(d) IPC + text, {args.folds}-fold CV", score(rows, cross_validate(rows, args.folds, use_text=True))),
    ]
    n_gbt, n_sei = table[0][1]["小类"][2], table[0][1]["SEI-2"][2]
    print(f"{len(rows)} patents: {n_gbt} with GB/T 小类 labels, {n_sei} with an SEI label; top-1 / top-3\n")
    print("| variant | 门类 | 大类 | 小类 | SEI level 2 |")
    print("|---|---|---|---|---|")
    for name, result in table:
        cells = " | ".join(f"{result[level][0]:.1%} / {result[level][1]:.1%}" for level, _, _ in LEVELS)
        print(f"| {name} | {cells} |")
    print(f"\nspeed: {rate:,.0f} rows/s (classify_csv on {count} rows, one process, after warm-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
