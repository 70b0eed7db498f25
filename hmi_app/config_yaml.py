"""Reading plant-config YAML strictly, and saying where in the file a problem is.

PyYAML's defaults suit data exchange, not a file a commissioning engineer edits by hand: a key
written twice silently keeps the last value, a file saved in GBK or UTF-16 ends in a
``UnicodeDecodeError`` traceback, deeply nested brackets end in a ``RecursionError`` traceback,
and a few aliases (``&a`` / ``*a``) can expand into billions of nodes that validation then walks.
:func:`read_yaml` refuses each of these with a :class:`YamlProblem` naming the line; the
helpers below turn a pydantic location into ``file:line: field`` text.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_FILE_BYTES = 64 * 2**20  # a 20,000-tag plant is a few MB of YAML
MAX_DEPTH = 40  # the plant schema nests about 8 levels
MAX_NODES = 5_000_000  # after expanding aliases; about 50x the largest plant we know of
_MERGE = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """The text is not a usable YAML document; ``line`` is 1-based where known."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def located(self, path: str) -> str:
        """``file:line: problem`` (without the line where it is not known)."""
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path}: {self.message}"


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping key given twice (PyYAML keeps the last one silently),
    and reports a scalar its constructors cannot convert (``!!timestamp x``, an int of 5,000
    digits) with its line instead of the constructor's ValueError or AttributeError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except _CONSTRUCTOR_ERRORS:
            raise YamlProblem(node.start_mark.line + 1, _not_valid(node)) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # e.g. "!!map [1]"
            raise YamlProblem(node.start_mark.line + 1, _not_valid(node))
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                continue  # merge keys override on purpose; non-scalar keys fail in SafeLoader itself
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first:
                raise YamlProblem(
                    line,
                    f"{key}: duplicate key (first at line {first[key]}); "
                    "the second value would silently replace the first",
                )
            first[key] = line
        return super().construct_mapping(node, deep)


# What PyYAML's constructors raise for a well-formed scalar they cannot convert.
_CONSTRUCTOR_ERRORS = (ValueError, TypeError, AttributeError, OverflowError, KeyError, IndexError)


def _not_valid(node: yaml.Node) -> str:
    kind = str(node.tag).rsplit(":", 1)[-1]
    if not isinstance(node, yaml.ScalarNode):
        return f"a {node.id} is not a valid {kind}"
    text = node.value if len(node.value) <= 40 else node.value[:40] + "..."
    return f"{text!r} is not a valid {kind}"


def decode(raw: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else is refused with the line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem(1, "the file is UTF-16 text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            line,
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded); "
            "save it as UTF-8 (e.g. from GBK or Latin-1)",
        ) from None


def read_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Compose and construct one YAML document: (root node for line look-ups, plain data)."""
    try:
        loader = StrictLoader(text)  # the reader checks every character here
        try:
            root = loader.get_single_node()
            if root is None:
                return None, None
            _check_shape(root)
            return root, loader.construct_document(root)
        finally:
            loader.dispose()
    except RecursionError:
        raise YamlProblem(_deep_line(text), f"nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(_error_line(exc, text), f"YAML syntax error: {_problem(exc)}") from None
    except _CONSTRUCTOR_ERRORS as exc:  # a constructor failing outside construct_object
        raise YamlProblem(None, f"YAML that cannot be read: {exc}") from None


def _error_line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # a ReaderError (control character) has no mark
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def _problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return f"character #x{exc.character:04x} is not allowed in YAML"  # type: ignore[attr-defined]
    return str(getattr(exc, "problem", None) or exc)


def _deep_line(text: str) -> int | None:
    """Line where nesting first exceeds MAX_DEPTH, found with PyYAML's non-recursive parser."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.line) + 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def _check_shape(root: yaml.Node) -> None:
    """Refuse too deep nesting, recursive aliases and alias bombs before anything walks the data.

    Sizes and depths are memoised per node, so the check costs one visit per distinct node even
    when aliases make the expanded document astronomically large.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            line = int(node.start_mark.line) + 1
            if depth[key] > MAX_DEPTH:
                raise YamlProblem(line, f"nested deeper than {MAX_DEPTH} levels")
            if size[key] > MAX_NODES:
                raise YamlProblem(line, f"aliases expand to more than {MAX_NODES:,} values")
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise YamlProblem(int(node.start_mark.line) + 1, "an alias refers to the node that contains it")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


# ---- where a problem is -------------------------------------------------------------------------
def line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def format_problem(path: str, root: yaml.Node | None, loc: tuple[Any, ...], msg: str, data: Any) -> str:
    """``file:line: field: problem`` (the line of the field, or of its nearest parent)."""
    line = line_of(root, loc)
    field = describe(loc, data)
    where = f"{path}:{line}" if line else path
    return f"{where}: {field or '<top level>'}: {msg}"


def error_location(error: Any) -> tuple[tuple[Any, ...], str]:
    """One pydantic error as (location in the data, problem in a commissioning engineer's words)."""
    loc = tuple(error["loc"])
    if len(loc) > 2 and loc[0] == "devices" and loc[2] in ("modbus", "s7", "opcua"):
        loc = loc[:2] + loc[3:]  # pydantic puts the discriminator into the location: drop it
    if error["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    elif error["type"] == "missing":
        message = "field required"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return loc, message


def validation_problem(path: str, root: yaml.Node | None, error: Any, data: Any) -> str:
    """One pydantic error as ``file:line: field: problem``, in a commissioning engineer's words."""
    loc, message = error_location(error)
    return format_problem(path, root, loc, message, data)


def describe(loc: tuple[Any, ...], data: Any) -> str:
    """tags[3](FSF.MATTE_TEMP).limits.hi — indices plus the item's name when it has one."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if (
                isinstance(node, list)
                and key < len(node)
                and isinstance(node[key], dict)
                and "name" in node[key]
            ):
                label += f"({node[key]['name']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
        node = node[key] if isinstance(node, (list, dict)) and _has(node, key) else None
    return "".join(parts)


def _has(node: list[Any] | dict[str, Any], key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and key < len(node)
