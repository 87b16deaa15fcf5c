"""``neurocompile run`` and ``neurocompile inspect`` on files that are not programs or are not there."""
from __future__ import annotations

from tests.helpers import EXAMPLES_DIR, run_cli, write_text


def test_run_and_inspect_reject_bad_program_files(capsys, tmp_path):
    bad = write_text(tmp_path / "bad.ncp", "not a program")
    for command in ("run", "inspect"):
        code, _, err = run_cli(capsys, command, bad)
        assert code == 1
        assert "truncated or corrupt" in err


def test_a_missing_program_file_is_a_one_line_usage_error(capsys, tmp_path):
    missing = tmp_path / "missing.ncp"
    for argv in (["run", missing], ["inspect", missing],
                 ["plot", EXAMPLES_DIR / "cuba.py", "--program", missing, "--out", tmp_path]):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2, argv
        assert err == f"error: program file '{missing}' does not exist\n"
    code, _, err = run_cli(capsys, "inspect", tmp_path)
    assert code == 2
    assert err == f"error: program file '{tmp_path}' is a directory, not a file\n"
