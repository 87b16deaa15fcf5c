"""``neurocompile run`` and ``neurocompile inspect`` on files that are not programs."""
from __future__ import annotations

from tests.helpers import run_cli, write_text


def test_run_and_inspect_reject_bad_program_files(capsys, tmp_path):
    bad = write_text(tmp_path / "bad.ncp", "not a program")
    for command in ("run", "inspect"):
        code, _, err = run_cli(capsys, command, bad)
        assert code == 1
        assert "truncated or corrupt" in err
    code, _, err = run_cli(capsys, "run", tmp_path / "missing.ncp")
    assert code == 1 and "does not exist" in err
