"""The project's pytest options (pyproject.toml): the summary says why a test was skipped."""
from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO_DIR, write_text

TESTS = """
import pytest


def test_skips():
    pytest.skip("lava-nc is not installed")


def test_fails():
    assert False
"""


def test_the_summary_lists_skips_with_their_reason_and_failures(tmp_path):
    write_text(tmp_path / "test_summary.py", TESTS)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
                           str(REPO_DIR / "pyproject.toml"), "--rootdir", str(tmp_path), "test_summary.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    summary = done.stdout[done.stdout.index("short test summary info"):].splitlines()[1:3]
    assert summary == ["FAILED test_summary.py::test_fails - assert False",
                       "SKIPPED [1] test_summary.py:6: lava-nc is not installed"]
