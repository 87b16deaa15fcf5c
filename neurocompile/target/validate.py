"""Validate the parsed content of a target file (a dict of TOML tables) into a :class:`Target`.

Each key is checked against its field's spec (:mod:`.spec`), then the rules that relate several
keys are checked. Every failure raises :class:`~neurocompile.errors.TargetError` naming the
target, the ``section.key``, the offending value and the rule. Unknown sections and keys are
rejected, never ignored.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import MISSING, fields

from ..errors import TargetError, describe_value, invalid, unknown_names
from .description import Target
from .layout import BACKENDS, FORMAT_VERSION, KNOWN_MODELS, SECTIONS, TOP_LEVEL_KEYS
from .sections import MAX_BOARD_CORES
from .spec import check_value, expected_text, type_name

__all__ = ["parse_target"]


def parse_target(data, source: str) -> Target:
    """Validate ``data`` (the tables of a target file) read from ``source`` into a Target.

    ``source`` says where the data came from, as error messages name it (``file '...'``).
    """
    obj = f"target {source}"
    if not isinstance(data, dict):
        raise TargetError(f"{obj}: must be a table of sections, got {type_name(data)}")

    unknown = set(data) - set(SECTIONS) - set(TOP_LEVEL_KEYS)
    if unknown:
        raise unknown_names(obj, "top-level section or key", unknown,
                            list(SECTIONS) + list(TOP_LEVEL_KEYS), cls=TargetError)

    version = data.get("format_version", FORMAT_VERSION)
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise invalid(obj, "format_version", version,
                      f"is not supported; this neurocompile reads format_version = {FORMAT_VERSION}",
                      cls=TargetError)
    backend = _require_str(obj, data, "backend")
    if backend not in BACKENDS:
        raise unknown_names(obj, "backend", [backend], BACKENDS, cls=TargetError)
    name = _require_str(obj, data, "name")
    if not name.strip():
        raise invalid(obj, "name", name, "must not be empty", cls=TargetError)
    description = _require_str(obj, data, "description")

    sections = {}
    for section, (spec_cls, required) in SECTIONS.items():
        if section not in data:
            if required:
                raise TargetError(f"{obj}: missing required section [{section}]")
            sections[section] = None
            continue
        sections[section] = _parse_section(obj, section, data[section], spec_cls)

    _check_geometry(obj, sections["chip"], sections["board"])
    _check_precision(obj, sections["precision"])
    _check_models(obj, backend, sections["models"])
    _check_adex(obj, sections["models"], sections["adex"], sections["precision"])
    _check_hh(obj, sections["models"], sections["hh"])
    _check_learning(obj, sections["models"], sections["learning"], sections["precision"])
    return Target(backend=backend, name=name, description=description,
                  format_version=FORMAT_VERSION, source=source, **sections)


def _parse_section(obj: str, section: str, table, spec_cls: type):
    """Check every key of the ``[section]`` table against its field spec; build ``spec_cls``."""
    if not isinstance(table, dict):
        raise invalid(obj, f"[{section}]", table,
                      f"must be a table (a [{section}] header followed by key = value lines)",
                      cls=TargetError)
    allowed = {f.name: f for f in fields(spec_cls)}
    unknown = set(table) - set(allowed)
    if unknown:
        raise unknown_names(obj, f"key in [{section}]", unknown, allowed, cls=TargetError)
    values = {}
    for name, f in allowed.items():
        param = f"{section}.{name}"
        if name not in table:
            if f.default is MISSING:
                meta = f.metadata
                raise TargetError(
                    f"{obj}: missing required key {param} "
                    f"({meta['doc']}; {expected_text(meta['kind'], meta['lo'], meta['hi'])})"
                )
            continue
        values[name] = check_value(obj, param, table[name], f.metadata)
    return spec_cls(**values)


def _require_str(obj: str, data: dict, key: str) -> str:
    """The string value of the top-level ``key``."""
    if key not in data:
        raise TargetError(f"{obj}: missing required key {key} (a string)")
    value = data[key]
    if not isinstance(value, str):
        raise invalid(obj, key, value, f"must be a string (got a {type_name(value)})",
                      cls=TargetError)
    # the name and description reach the terminal: no escape sequences or other control characters
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise TargetError(f"{obj}: {key} = {value!r} must be printable text (no control characters)")
    return value


# ---- rules that relate several keys ----------------------------------------------------------

def _check_geometry(obj: str, chip, board) -> None:
    """The core and chip counts agree with the meshes they repeat, and the board's cores are at
    most MAX_BOARD_CORES."""
    product = chip.mesh_rows * chip.mesh_cols * chip.cores_per_tile
    if chip.cores != product:
        raise invalid(obj, "chip.cores", chip.cores,
                      f"must equal chip.mesh_rows * chip.mesh_cols * chip.cores_per_tile = "
                      f"{chip.mesh_rows} * {chip.mesh_cols} * {chip.cores_per_tile} = {product}",
                      cls=TargetError)
    if board.chips != board.chip_rows * board.chip_cols:
        raise invalid(obj, "board.chips", board.chips,
                      f"must equal board.chip_rows * board.chip_cols = {board.chip_rows} * "
                      f"{board.chip_cols} = {board.chip_rows * board.chip_cols} "
                      f"(chip_rows and chip_cols default to 1)", cls=TargetError)
    if chip.cores * board.chips > MAX_BOARD_CORES:
        raise invalid(obj, "board.chips", board.chips,
                      f"times chip.cores = {chip.cores} is {chip.cores * board.chips} cores; a board may "
                      f"have at most {MAX_BOARD_CORES} (placement keeps arrays per core)", cls=TargetError)


def _check_precision(obj: str, prec) -> None:
    """Exponent ranges are ordered, and the threshold, one input and the bias fit the state."""
    for what in ("weight", "bias"):
        low = getattr(prec, f"{what}_exponent_min")
        high = getattr(prec, f"{what}_exponent_max")
        if low > high:
            raise invalid(obj, f"precision.{what}_exponent_min", low,
                          f"must be <= precision.{what}_exponent_max = {high}", cls=TargetError)
    # The effective threshold (mantissa << shift) must be a positive value of the signed state.
    threshold_bits = prec.threshold_mantissa_bits + prec.alignment_shift_bits
    if threshold_bits > prec.state_bits - 1:
        raise invalid(obj, "precision.threshold_mantissa_bits", prec.threshold_mantissa_bits,
                      f"plus precision.alignment_shift_bits = {prec.alignment_shift_bits} must be "
                      f"<= precision.state_bits - 1 = {prec.state_bits - 1}, so that the "
                      f"threshold fits in the signed state", cls=TargetError)
    # One synaptic input at the largest exponent must fit in the state register.
    weight_bits = (prec.weight_mantissa_bits + prec.alignment_shift_bits
                   + max(prec.weight_exponent_max, 0))
    if weight_bits > prec.state_bits:
        raise invalid(obj, "precision.weight_mantissa_bits", prec.weight_mantissa_bits,
                      f"plus alignment_shift_bits = {prec.alignment_shift_bits} plus "
                      f"max(weight_exponent_max, 0) = {max(prec.weight_exponent_max, 0)} must be "
                      f"<= precision.state_bits = {prec.state_bits}, so that one synaptic input "
                      f"fits in the state", cls=TargetError)
    bias_bits = prec.bias_mantissa_bits + max(prec.bias_exponent_max, 0)
    if bias_bits > prec.state_bits:
        raise invalid(obj, "precision.bias_mantissa_bits", prec.bias_mantissa_bits,
                      f"plus max(bias_exponent_max, 0) = {max(prec.bias_exponent_max, 0)} must be "
                      f"<= precision.state_bits = {prec.state_bits}, so that the bias fits in "
                      f"the state", cls=TargetError)


def _check_models(obj: str, backend: str, models) -> None:
    """Known model names, each listed once, at least one native, custom processes only on lava."""
    _check_model_names(obj, "models.native", models.native)
    _check_model_names(obj, "models.custom_process", models.custom_process)
    if not models.native:
        raise invalid(obj, "models.native", [], "must list at least one model", cls=TargetError)
    both = sorted(set(models.native) & set(models.custom_process))
    if both:
        raise invalid(obj, "models.custom_process", list(models.custom_process),
                      f"must not repeat native models ({', '.join(both)})", cls=TargetError)
    if models.custom_process and backend != "lava":
        raise invalid(obj, "models.custom_process", list(models.custom_process),
                      f"must be empty for backend '{backend}' (only the lava backend runs "
                      f"custom processes)", cls=TargetError)


def _check_model_names(obj: str, param: str, names: tuple[str, ...]) -> None:
    """Every name in the list ``param`` is a known model, listed once."""
    unknown = set(names) - set(KNOWN_MODELS)
    if unknown:
        raise unknown_names(obj, f"model in {param}", unknown, KNOWN_MODELS, cls=TargetError)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise invalid(obj, param, list(names), f"lists {', '.join(duplicates)} more than once",
                      cls=TargetError)


#: Models whose chip update reads the exp table of the [adex] section.
TABLE_MODELS = ("AdEx", "ExpIF")


def _section_for_model(obj: str, models, section: str, table, model: str) -> None:
    """Section ``[section]`` is present exactly when the target runs ``model`` (natively or as
    a custom process)."""
    runs = model in models.native or model in models.custom_process
    if runs and table is None:
        keys = ", ".join(f.name for f in fields(SECTIONS[section][0]))
        raise TargetError(f"{obj}: missing section [{section}] ({keys}), required because the target runs {model}")
    if table is not None and not runs:
        raise TargetError(f"{obj}: section [{section}] is only meaningful when models.native or models.custom_process "
                          f"lists {model}; remove it or add {model}")


def _check_hh(obj: str, models, hh) -> None:
    """The [hh] gate tables are present exactly when the target runs HH, over an ordered range."""
    _section_for_model(obj, models, "hh", hh, "HH")
    if hh is not None and hh.gate_v_min >= hh.gate_v_max:
        raise invalid(obj, "hh.gate_v_min", hh.gate_v_min, f"must be < hh.gate_v_max = {hh.gate_v_max:g} mV",
                      cls=TargetError)


def _check_learning(obj: str, models, learning, prec) -> None:
    """The [learning] engine is present exactly when the target runs STDP, and a plastic weight
    register (mantissa and fraction bits) fits 16 bits."""
    _section_for_model(obj, models, "learning", learning, "STDP")
    if learning is not None:
        width = prec.weight_mantissa_bits - 1 + learning.weight_fraction_bits
        if width > 16:
            raise invalid(obj, "learning.weight_fraction_bits", learning.weight_fraction_bits,
                          f"makes a {width}-bit plastic weight register with the {prec.weight_mantissa_bits - 1} "
                          "magnitude bits of precision.weight_mantissa_bits; at most 16", cls=TargetError)


def _check_adex(obj: str, models, adex, prec) -> None:
    """The [adex] table is present exactly when the target runs a model that reads it (AdEx,
    ExpIF), its range is ordered and its largest value fits a table entry."""
    # A custom AdEx process runs the chip's own integer AdEx, table included.
    listed = set(models.native) | set(models.custom_process)
    readers = [m for m in TABLE_MODELS if m in listed]
    if readers and adex is None:
        raise TargetError(f"{obj}: missing section [adex] (exp_table_entries, exp_input_min, "
                          f"exp_input_max), required because the target runs {' and '.join(readers)}")
    if adex is not None and not readers:
        raise TargetError(f"{obj}: section [adex] is only meaningful when models.native or "
                          f"models.custom_process lists AdEx or ExpIF (models.native = "
                          f"{describe_value(list(models.native))}); remove it or add AdEx")
    if adex is not None and adex.exp_input_min >= adex.exp_input_max:
        raise invalid(obj, "adex.exp_input_min", adex.exp_input_min,
                      f"must be < adex.exp_input_max = {adex.exp_input_max:g}", cls=TargetError)
    # the table's entries are unsigned with state_bits - 1 bits; exp(exp_input_max) is the largest
    if adex is not None and adex.exp_input_max > math.log(prec.saturation_limit):
        raise invalid(obj, "adex.exp_input_max", adex.exp_input_max,
                      f"must be <= ln(2**(precision.state_bits - 1) - 1) = "
                      f"{math.log(prec.saturation_limit):.4g}, so that exp(exp_input_max) fits a table "
                      f"entry of precision.state_bits - 1 = {prec.state_bits - 1} bits", cls=TargetError)
