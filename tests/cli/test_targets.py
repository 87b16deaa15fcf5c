"""``neurocompile targets``: the built-in targets and their core sizes."""
from __future__ import annotations

from tests.helpers import run_cli


def test_targets_lists_emu_and_lava(capsys):
    code, out, _ = run_cli(capsys, "targets")
    assert code == 0
    assert "emu" in out and "lava" in out
    assert "neurons per core" in out and "1024" in out
