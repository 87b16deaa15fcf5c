"""Shared pytest fixtures (shared builders and assertions live in ``helpers.py``).

Lava (lava-nc) installs only on Python 3.10 with numpy < 2. Tests that need it take the ``lava``
fixture: where Lava is missing they are skipped, except when ``NEUROCOMPILE_REQUIRE_LAVA=1`` is
set (CI's Python 3.10 environment), where a missing Lava is a failure, never a silent skip.

The compiled inner loops (numba) are cached in ``.neurocompile-cache/`` at the project root, not
in the user's cache directory (see :mod:`neurocompile.jit`), unless ``NEUROCOMPILE_CACHE_DIR``
is set for the run. It is set here, before any test imports them, and child processes (the
command line, the kernel's warm-up helper) inherit it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("NEUROCOMPILE_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".neurocompile-cache"))

from tests.helpers import NIR_PAPER_DIR  # noqa: E402 - after the cache directory is chosen


@pytest.fixture
def lava():
    """The imported ``lava`` package, or skip/fail depending on NEUROCOMPILE_REQUIRE_LAVA."""
    try:
        import lava  # noqa: F401
        import lava.magma.core.run_configs  # noqa: F401
    except ImportError as exc:
        if os.environ.get("NEUROCOMPILE_REQUIRE_LAVA") == "1":
            pytest.fail(f"Lava is required in this environment but cannot be imported: {exc}")
        pytest.skip("lava-nc is not installed (it needs Python 3.10); set NEUROCOMPILE_REQUIRE_LAVA=1 to fail instead")
    return lava


@pytest.fixture
def nir_paper_dir():
    """Directory of the real NIR files in ../shared/nir-paper (never copied into the repo)."""
    if not NIR_PAPER_DIR.is_dir():
        pytest.fail(f"missing {NIR_PAPER_DIR}: CI runs with ../shared beside the project root")
    return NIR_PAPER_DIR
