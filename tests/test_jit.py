"""Where the compiled inner loops are cached (neurocompile.jit): the user cache directory, its
environment variables, and what happens where it cannot be written."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from neurocompile import jit
from tests.helpers import REPO_DIR

#: A module with one compiled function, as a user's source file (numba caches by source file).
TINY_MODULE = """
from neurocompile.jit import njit


@njit
def add_one(x):
    return x + 1
"""

#: Imports the tiny module, calls its function once and prints where it is cached and whether
#: the call loaded the machine code from there.
CALL_AND_REPORT = ("import tiny; tiny.add_one(1); s = tiny.add_one.stats; "
                   "print(s.cache_path); print(sum(s.cache_hits.values()))")


def clear_cache_variables(monkeypatch):
    for name in (jit.CACHE_DIR_VARIABLE, "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    clear_cache_variables(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert jit.cache_directory() == str(tmp_path / "home" / ".cache" / "neurocompile" / "numba")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG specification says
    assert jit.cache_directory() == str(tmp_path / "home" / ".cache" / "neurocompile" / "numba")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert jit.cache_directory() == str(tmp_path / "xdg" / "neurocompile" / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba-wide"))
    assert jit.cache_directory() == str(tmp_path / "numba-wide")
    monkeypatch.setenv(jit.CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert jit.cache_directory() == str(tmp_path / "mine" / "numba")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(jit.CACHE_DIR_VARIABLE, "relative")
    assert jit.cache_directory() == str(tmp_path / "relative" / "numba")


def test_the_test_suite_caches_in_the_project():
    """tests/conftest.py keeps the suite's compiled code out of the user's cache directory."""
    project_cache = REPO_DIR / ".neurocompile-cache"
    if os.environ[jit.CACHE_DIR_VARIABLE] != str(project_cache):
        pytest.skip("NEUROCOMPILE_CACHE_DIR is set for this run")
    from neurocompile.emu.kernel import run_steps_lif

    assert jit.cache_directory() == str(project_cache / "numba")
    assert Path(run_steps_lif.stats.cache_path).parent.parent == project_cache / "numba"
    assert Path(run_steps_lif.stats.cache_path).parent.name == jit.source_digest()


def test_the_compiled_code_is_keyed_by_every_source_it_inlines(tmp_path):
    """numba checks only the file that defines a compiled function; a kernel inlines the chip's
    rules from other files, so their folder is named by a digest of all of them."""
    package = tmp_path / "neurocompile"
    shutil.copytree(Path(jit.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = jit.source_digest(str(package))
    assert before == jit.source_digest(str(Path(jit.__file__).parent))  # names and bytes, not the place
    (package / "cli" / "main.py").write_text((package / "cli" / "main.py").read_text() + "\n# not compiled\n")
    assert jit.source_digest.__wrapped__(str(package)) == before
    lif = package / "chip" / "lif.py"
    lif.write_text(lif.read_text() + "\n# a changed rule\n")
    assert jit.source_digest.__wrapped__(str(package)) != before


def call_tiny(source_dir: Path, cache_root: Path) -> tuple[str, int]:
    """Run :data:`CALL_AND_REPORT` in a new process: (cache folder, cache hits)."""
    env = {**os.environ, jit.CACHE_DIR_VARIABLE: str(cache_root)}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", CALL_AND_REPORT], cwd=source_dir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    path, hits = done.stdout.split()
    return path, int(hits)


def test_compiled_code_is_cached_in_the_cache_directory_and_loaded_by_the_next_process(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "tiny.py").write_text(TINY_MODULE)
    cache_root = tmp_path / "cache"

    path, hits = call_tiny(source, cache_root)
    assert Path(path).parent == cache_root / "numba" / jit.source_digest() and Path(path).name.startswith("src_")
    assert hits == 0
    assert sorted(p.suffix for p in Path(path).iterdir()) == [".nbc", ".nbi"]
    assert not list(source.glob("__pycache__/*.nb*"))  # nothing next to the source
    assert call_tiny(source, cache_root) == (path, 1)


@pytest.mark.skipif(tuple(int(p) for p in numba.__version__.split(".")[:2]) < (0, 68),
                    reason="numba before 0.68 keys its cache by the source file's time, which a reinstall renews")
def test_the_cache_outlives_a_reinstall_of_the_same_source(tmp_path):
    """``pip install`` over an installed package rewrites its files (same bytes, new times)."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "tiny.py").write_text(TINY_MODULE)
    cache_root = tmp_path / "cache"
    path, _ = call_tiny(source, cache_root)

    shutil.rmtree(source)
    source.mkdir()
    (source / "tiny.py").write_text(TINY_MODULE)
    assert call_tiny(source, cache_root) == (path, 1)


def load_module_from(path: Path):
    spec = importlib.util.spec_from_file_location("tiny", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unwritable_cache_directory_falls_back_to_numbas_default(monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a file where the cache folder should go: it cannot be created
    monkeypatch.setenv(jit.CACHE_DIR_VARIABLE, str(blocked))
    source = tmp_path / "src"
    source.mkdir()
    (source / "tiny.py").write_text(TINY_MODULE)

    tiny = load_module_from(source / "tiny.py")
    assert tiny.add_one(1) == 2
    assert tiny.add_one.stats.cache_path == str(source / "__pycache__")  # numba's in-tree default
    assert blocked.is_file()


def test_nowhere_to_cache_compiles_in_each_process_without_an_error(monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv(jit.CACHE_DIR_VARIABLE, str(blocked))   # ours
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))         # numba's user-wide default
    source = tmp_path / "src"
    source.mkdir()
    (source / "tiny.py").write_text(TINY_MODULE)
    (source / "__pycache__").write_text("")                     # numba's in-tree default

    tiny = load_module_from(source / "tiny.py")
    assert tiny.add_one(1) == 2
    assert tiny.add_one.stats.cache_path is None  # compiled, not cached
