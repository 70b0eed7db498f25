"""Mutations of the demo plant config for the property-based config test (no tests here).

Each mutation takes a *chooser* (``pick(n)`` returns an int in ``0..n-1``) so that the same code
serves hypothesis (which draws, and can shrink, every choice) and a plain ``random.Random`` for a
larger fuzz campaign run by hand. A mutated config is returned as bytes: some mutations work on
the parsed tree (deletions, type changes, extreme numbers, renamed references, bad addresses and
conditions, duplicated list items), others on the text (duplicated keys, random bytes, deep
nesting, truncation), because a real broken file is broken at either level.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import yaml

from hmi_app.config import DEMO_CONFIG

Pick = Callable[[int], int]

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")
DEMO_TREE: dict[str, Any] = yaml.safe_load(DEMO_TEXT)

EXTREMES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    -1,
    0,
    1,
    2**63,
    -(2**63),
    10**30,
    65535,
    65536,
    1e9,
    0.001,
]
OTHER_TYPES: list[Any] = ["text", "", 42, -3.5, True, None, [], {}, [1, 2], {"x": 1}, "nan", "1e999"]
ADDRESSES = [
    "hr:65535",
    "hr:65534",
    "ir:65535",
    "co:65535",
    "di:65536",
    "hr:65535.15",
    "DB0.DBD0",
    "DB65535.DBD0",
    "DB65536.DBW0",
    "DB1.DBD65535",
    "DB1.DBX65535.7",
    "MW65535",
    "ns=2;s=",
    "nsu=;i=1",
    "",
]
CONDITIONS = [
    "FSF.BURNER_ON",
    "NO.SUCH_TAG == 0",
    "FSF.BURNER_ON === 0",
    "FSF.BURNER_ON == nan",
    "FSF.BURNER_ON == inf",
    "FSF.BURNER_ON == ",
    "== 0",
    "FSF.BURNER_ON ~ 1",
    "FSF.BURNER_ON == 0 and FSF.BURNER_ON == 1",
    "FSF.BURNER_ON <> 1",
    "",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the tree (not the root), parents before children. Callers list them
    reversed: hypothesis favours small indices, and the end of the file (tags) is where most
    of a plant config is."""
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def _strings(tree: Any) -> list[str]:
    return sorted({v for p in _paths(tree) if isinstance(v := _get(tree, p), str)})


def _choose(pick: Pick, options: list[Any]) -> Any:
    return options[pick(len(options))]


def _path_where(pick: Pick, tree: Any, accept: Callable[[tuple[Any, ...], Any], bool]) -> tuple[Any, ...]:
    paths = [p for p in _paths(tree) if accept(p, _get(tree, p))]
    return _choose(pick, paths[::-1]) if paths else _choose(pick, _paths(tree)[::-1])


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(tree, path[:-1])[path[-1]] = value


# ---- tree mutations -----------------------------------------------------------------------------
def delete(pick: Pick, tree: Any) -> None:
    path = _choose(pick, _paths(tree)[::-1])
    del _get(tree, path[:-1])[path[-1]]


def change_type(pick: Pick, tree: Any) -> None:
    _set(tree, _choose(pick, _paths(tree)[::-1]), copy.deepcopy(_choose(pick, OTHER_TYPES)))


def extreme_number(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda _p, v: isinstance(v, (int, float)) or isinstance(v, list))
    target = _get(tree, path)
    if isinstance(target, list) and target:  # a range, scaling span or write limit: one end
        path = (*path, pick(len(target)))
    _set(tree, path, _choose(pick, EXTREMES))


def rename_reference(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda _p, v: isinstance(v, str))
    strings = _strings(tree)
    replacement = _choose(pick, [*strings, f"{_get(tree, path)}_X", "X"])
    _set(tree, path, replacement)


def bad_address(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda p, _v: p[-1] == "address")
    _set(tree, path, _choose(pick, ADDRESSES))


def bad_condition(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda p, v: p[-1] in ("hi", "lo", "hihi", "lolo", "deviation", "limits"))
    target = _get(tree, path)
    if isinstance(target, dict):
        target["suppress_when"] = _choose(pick, CONDITIONS)


def duplicate_item(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda _p, v: isinstance(v, list) and bool(v) and isinstance(v[0], dict))
    target = _get(tree, path)
    if isinstance(target, list) and target:
        target.append(copy.deepcopy(target[pick(len(target))]))


def huge_size(pick: Pick, tree: Any) -> None:
    """Sizes that ask for more memory than a workstation has: ring seconds, fast polls, many polls."""
    historian = tree.setdefault("historian", {}) if isinstance(tree, dict) else {}
    if isinstance(historian, dict):
        historian["ring_seconds"] = _choose(pick, [1e9, 1e7, 86400 * 30, 3600, 2**63])
    devices = tree.get("devices") if isinstance(tree, dict) else None
    if isinstance(devices, list) and devices and isinstance(devices[0], dict):
        devices[pick(len(devices))]["poll_ms"] = _choose(pick, [50, 1, 10**12, 1000])


TREE_MUTATIONS = [
    delete,
    change_type,
    extreme_number,
    rename_reference,
    bad_address,
    bad_condition,
    duplicate_item,
    huge_size,
]


# ---- mutations a valid config survives (so that many mutated configs are accepted and started) --
TEXT_FIELDS = {
    "description",
    "description_zh",
    "message",
    "message_zh",
    "cause",
    "action",
    "site",
    "eng_unit",
}
ODD_TEXTS = ["", "°C µ 中文 ü", "a: b # c", "'\"", "x" * 5000, "\t", '=HYPERLINK("x")', "\u202e"]
OPTIONAL = {"limits", "scaling", "deadband", "sim", "description_zh", "eng_unit", "decimals", "message"}


def retext(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda p, v: p[-1] in TEXT_FIELDS and isinstance(v, str))
    if path[-1] in TEXT_FIELDS:
        _set(tree, path, _choose(pick, ODD_TEXTS))


def drop_optional(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda p, _v: p[-1] in OPTIONAL)
    if path[-1] in OPTIONAL:
        del _get(tree, path[:-1])[path[-1]]


def nudge_number(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda _p, v: isinstance(v, (int, float)) and not isinstance(v, bool))
    value = _get(tree, path)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        factor = _choose(pick, [0.5, 0.9, 1.1, 2])
        _set(tree, path, type(value)(value * factor) if isinstance(value, float) else int(value * factor))


def reverse_list(pick: Pick, tree: Any) -> None:
    path = _path_where(pick, tree, lambda _p, v: isinstance(v, list) and len(v) > 1)
    target = _get(tree, path)
    if isinstance(target, list):
        target.reverse()


BENIGN_MUTATIONS = [retext, drop_optional, nudge_number, reverse_list]


# ---- text mutations -----------------------------------------------------------------------------
def duplicate_key(pick: Pick, text: bytes) -> bytes:
    lines = text.split(b"\n")
    keyed = [i for i, line in enumerate(lines) if b": " in line and not line.lstrip().startswith(b"- ")]
    if not keyed:
        return text
    i = _choose(pick, keyed)
    return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])


def random_bytes(pick: Pick, text: bytes) -> bytes:
    at = pick(len(text) + 1)
    noise = bytes(pick(256) for _ in range(1 + pick(8)))
    return text[:at] + noise + text[at:]


def deep_nesting(pick: Pick, text: bytes) -> bytes:
    depth = _choose(pick, [50, 2_000, 20_000, 200_000])
    opener = _choose(pick, [b"[", b"{a: "])
    closer = b"]" if opener == b"[" else b"}"
    return text + b"\nextra: " + opener * depth + b"1" + closer * depth + b"\n"


def truncate(pick: Pick, text: bytes) -> bytes:
    return text[: pick(len(text) + 1)]


def non_utf8(pick: Pick, text: bytes) -> bytes:
    encoding = _choose(pick, ["gbk", "utf-16", "latin-1"])
    return text.decode("utf-8").encode(encoding, errors="replace")


ODD_SCALARS = [
    b"9" * 5000,
    b"!!timestamp x",
    b"!!bool maybe",
    b"!!map [1]",
    b"!!set x",
    b"&a *a",
    b"*nowhere",
]


def odd_scalar(pick: Pick, text: bytes) -> bytes:
    """A value PyYAML parses but its constructors cannot convert (or an alias to nothing)."""
    lines = text.split(b"\n")
    keyed = [i for i, line in enumerate(lines) if b": " in line]
    if not keyed:
        return text
    i = _choose(pick, keyed)
    lines[i] = lines[i].split(b": ", 1)[0] + b": " + _choose(pick, ODD_SCALARS)
    return b"\n".join(lines)


TEXT_MUTATIONS = [duplicate_key, random_bytes, deep_nesting, truncate, non_utf8, odd_scalar]


def mutate(pick: Pick) -> tuple[bytes, list[str]]:
    """One mutated demo config and the names of the mutations applied (1 to 3 of them); about half
    of them are refused by ``check-config``."""
    tree = copy.deepcopy(DEMO_TREE)
    applied: list[str] = []
    for _ in range(1 + pick(2)):
        mutation = _choose(pick, BENIGN_MUTATIONS + TREE_MUTATIONS)
        if _paths(tree):
            mutation(pick, tree)
            applied.append(mutation.__name__)
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode("utf-8")
    if pick(3) == 2:
        mutation = _choose(pick, TEXT_MUTATIONS)
        text = mutation(pick, text)
        applied.append(mutation.__name__)
    return text, applied
