"""``--threads`` of ``neurocompile run`` and ``neurocompile build``: results identical on 1 and 2
threads, and bad counts refused as usage errors."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import EXAMPLES_DIR, compile_quietly, lif_network, run_cli


def test_run_writes_the_same_result_on_one_and_two_threads(capsys, tmp_path):
    program = tmp_path / "paths.ncp"
    compile_quietly(lif_network(), placer="sequential").save(program)
    for threads in ("1", "2"):
        code, _, err = run_cli(capsys, "run", program, "--duration", "20", "--threads", threads,
                               "--out", tmp_path / f"t{threads}.npz")
        assert code == 0, err
    with np.load(tmp_path / "t1.npz") as one, np.load(tmp_path / "t2.npz") as two:
        assert sorted(one.files) == sorted(two.files) and one.files
        for name in one.files:
            np.testing.assert_array_equal(one[name], two[name], err_msg=name)


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "two"])
def test_bad_thread_counts_are_usage_errors(capsys, tmp_path, bad):
    for argv in (["run", tmp_path / "p.ncp"], ["build", EXAMPLES_DIR / "cuba.py", "--out", tmp_path]):
        code, _, err = run_cli(capsys, *argv, "--threads", bad)
        assert code == 2, argv
        assert "--threads" in err and repr(bad) in err
