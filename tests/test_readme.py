"""The README's Python examples run as written, in order, in one namespace (as a reader types
them), from a folder holding the repository's ``examples/``. A block the tests cannot run is
preceded in README.md by ``<!-- not run by tests/test_readme.py: <reason> -->``."""
from __future__ import annotations

import re
import shutil

from tests.helpers import EXAMPLES_DIR, REPO_DIR

README = REPO_DIR / "README.md"
NOT_RUN = re.compile(r"<!-- not run by tests/test_readme\.py: (.+?) -->\n$")
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)


def python_blocks() -> list[tuple[int, str, str | None]]:
    """(first code line, code, reason it is not run or None) of every ```python block."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[:match.start()]
        reason = NOT_RUN.search(before[before.rfind("\n", 0, len(before) - 1) + 1:])
        line = before.count("\n") + 2
        blocks.append((line, match.group(1), reason.group(1) if reason else None))
    return blocks


def test_the_readme_python_blocks_run_as_written(tmp_path, monkeypatch):
    run = [(line, code) for line, code, reason in python_blocks() if reason is None]
    assert 'net = load_network("examples/cuba.py")' in run[0][1]  # the quick start's block stands alone
    shutil.copytree(EXAMPLES_DIR, tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "readme"}
    for line, code in run:
        # padded so that a traceback's line numbers are README.md's
        exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)  # noqa: S102
    assert (tmp_path / "build" / "cuba.ncp").is_file()
    assert namespace["m"].cores_used == namespace["prog"].summary()["cores_used"]
