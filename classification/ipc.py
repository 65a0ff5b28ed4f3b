"""Parsing IPC codes as patent databases and people write them."""

from __future__ import annotations

import re
import unicodedata

# Subclass (C08L), optionally main group and subgroup (83/07). Spaces between the parts are allowed ("C08L 83/07").
_IPC = re.compile(r"([A-H])\s*(\d{2})\s*([A-Z])(?:\s*(\d{1,4})\s*(?:/\s*(\d{1,6}))?)?")
# Separators between codes: | ; , and whitespace runs that are not inside a code.
_SPLIT = re.compile(r"[|;,，；、\n]+")


def parse_ipc(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Normalised IPC codes in order, without duplicates: 'c08l 83/07 | Ｃ08Ｋ9/06' → ['C08L83/07', 'C08K9/06'].

    A string is split on | ; , and full-width separators; a list is taken item by item. Subclass-only codes
    ('H01M') are kept as they are; a main group keeps its '/00' ('B01J13/00'). Anything unreadable is skipped.
    """
    if not value:
        return []
    items = _SPLIT.split(value) if isinstance(value, str) else list(value)
    codes: dict[str, None] = {}
    for item in items:
        text = unicodedata.normalize("NFKC", str(item or "")).upper()
        for match in _IPC.finditer(text):
            section, klass, subclass, group, subgroup = match.groups()
            code = f"{section}{klass}{subclass}"
            if group is not None:
                code += f"{int(group)}/{subgroup if subgroup is not None else '00'}"
            codes[code] = None
    return list(codes)


def ipc_prefixes(code: str) -> list[str]:
    """Table keys for one code, most specific first: 'A61B5/024' → ['A61B5/024', 'A61B5/', 'A61B']."""
    subclass = code[:4]
    if "/" not in code:
        return [subclass]
    group = code.split("/", 1)[0] + "/"
    return [code, group, subclass] if code != group + "00" else [group, subclass]
