"""Emitting the Lava graph (neurocompile.lava): weights Lava would alter and a missing Lava are
build errors with a clear message."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from neurocompile.errors import BuildError
from tests.helpers import compile_quietly, random_lif_network


def test_weights_that_lava_would_alter_are_a_build_error(lava):
    from lava.utils.weightutils import SignMode
    from neurocompile.lava.emit import check_weights_survive_lava
    from neurocompile.lava.plan import SynapseBlock

    def block(values, mode):
        w = sp.csr_matrix(np.asarray([values], dtype=np.int32))
        return SynapseBlock("p", "p", "a", "b", w, None, 0, mode, False)

    check_weights_survive_lava(block([-256, 254, 2], "mixed"), SignMode.MIXED)
    check_weights_survive_lava(block([255, 1], "excitatory"), SignMode.EXCITATORY)
    check_weights_survive_lava(block([-255, -1], "inhibitory"), SignMode.INHIBITORY)
    with pytest.raises(BuildError, match="mantissa 3 becomes 2"):
        check_weights_survive_lava(block([3, -4], "mixed"), SignMode.MIXED)
    with pytest.raises(BuildError, match="mantissa -5 becomes 0"):
        check_weights_survive_lava(block([-5, 4], "excitatory"), SignMode.EXCITATORY)


def test_missing_lava_is_a_clear_build_error(monkeypatch):
    import neurocompile.lava as nl

    monkeypatch.setattr(nl, "lava_available", lambda: False)
    program = compile_quietly(random_lif_network(0), "lava")
    with pytest.raises(BuildError, match=r"Python 3\.10.*pip install '\.\[lava\]'"):
        program.to_lava()
