"""Field specifications: how each key of a target file is typed, bounded and checked.

Every section dataclass declares its fields with :func:`spec_field`, which stores the key's
kind (``"int"``, ``"float"``, ``"str"``, ``"names"``), bounds and one-line meaning in the field's
metadata. One generic checker, :func:`check_value`, enforces them, so that all keys of all
sections fail with messages of the same shape.
"""
from __future__ import annotations

import math
from dataclasses import MISSING, field

from ..errors import TargetError, invalid

_KIND_TEXT = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "names": "a list of strings",
}


def spec_field(kind: str, doc: str, *, lo=None, hi=None, default=MISSING):
    """A dataclass field of ``kind`` ("int", "float", "str", "names"), bounded by ``lo..hi``.

    ``doc`` says what the key means; error messages for a missing key quote it.
    """
    meta = {"kind": kind, "doc": doc, "lo": lo, "hi": hi}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def expected_text(kind: str, lo, hi) -> str:
    """What a field accepts, e.g. ``an integer >= 1``."""
    noun = _KIND_TEXT[kind]
    if lo is not None and hi is not None:
        return f"{noun} in {lo}..{hi}"
    if lo is not None:
        return f"{noun} >= {lo}"
    if hi is not None:
        return f"{noun} <= {hi}"
    return noun


def type_name(value) -> str:
    """The TOML name of a parsed value's type (``table`` for a dict), for error messages."""
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "list",
            dict: "table"}.get(type(value), type(value).__name__)


def check_value(obj: str, param: str, value, meta: dict):
    """Return ``value`` converted to the field's Python type, or raise a TargetError.

    ``obj`` names the target (``target file '...'``), ``param`` the key (``section.key``) and
    ``meta`` is the metadata :func:`spec_field` stored on the field.
    """
    kind, lo, hi = meta["kind"], meta["lo"], meta["hi"]
    rule = "must be " + expected_text(kind, lo, hi)
    wrong_type = invalid(obj, param, value, f"{rule} (got a {type_name(value)})", cls=TargetError)
    if kind == "int":
        # bool is a subclass of int in Python, but `neurons = true` is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong_type
    elif kind == "float":
        # An integer where a number is expected is fine (`hop_east_west_pj = 3`).
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong_type
        value = float(value)
        if not math.isfinite(value):
            raise invalid(obj, param, value, f"{rule} and finite", cls=TargetError)
    elif kind == "str":
        if not isinstance(value, str):
            raise wrong_type
        return value
    elif kind == "names":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise wrong_type
        return tuple(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise invalid(obj, param, value, rule, cls=TargetError)
    return value
