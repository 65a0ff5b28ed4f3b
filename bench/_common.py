"""What the benchmark scripts share: where they write, and what else is running on the machine."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def processes_matching(words: tuple[str, ...]) -> list[str]:
    """Other processes whose command line contains one of ``words`` ("pid: command"), e.g. a demo-data generation
    that would skew the figures."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(word in cmd for word in words):
            found.append(f"{entry.name}: {cmd[:120]}")
    return found
