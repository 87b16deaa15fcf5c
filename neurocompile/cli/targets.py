"""``neurocompile targets``: list the built-in targets and their main limits."""
from __future__ import annotations

from rich.console import Console

from ..target import available_targets, load_target
from . import render

NAME = "targets"
HELP = "list the built-in targets"
DESCRIPTION = ("List the built-in targets with their main per-core limits. Any other chip "
               "can be described in a .toml file of the same layout and passed to "
               "`neurocompile build --target path/to/chip.toml`.")


def run(args, console: Console) -> int:
    targets = [load_target(name) for name in available_targets()]
    console.print(render.targets_table(targets))
    for target in targets:
        console.print(f"{target.name}: {target.description}", markup=False, soft_wrap=True)
    return 0
