"""Which models a target runs, and how (natively or as a custom process): one error for every check."""
from __future__ import annotations

import re

import pytest

from neurocompile.errors import BuildError
from neurocompile.target import Target, load_target


def lif_only_lava() -> Target:
    """The lava target without its custom processes (and so without the [adex], [hh] and [learning] tables)."""
    data = load_target("lava").to_dict()
    data["models"]["custom_process"] = []
    del data["adex"], data["hh"], data["learning"]
    return Target.from_dict(data)


def test_require_model_says_how_the_target_runs_it():
    lava = load_target("lava")
    assert lava.require_model("LIF", "Population 'exc'") == "native"
    assert lava.require_model("AdEx", "Population 'cell'") == "custom_process"
    assert load_target("emu").require_model("AdEx", "Population 'cell'") == "native"


def test_require_model_names_owner_model_target_and_supported_models():
    message = ("Population 'cell': model AdEx is not supported by target 'lava' "
               "(native: LIF, LI, DiscreteLIF, DiscreteLI; custom processes: none)")
    with pytest.raises(BuildError, match=re.escape(message)):
        lif_only_lava().require_model("AdEx", "Population 'cell'")


def test_model_checks_of_a_build_share_the_error():
    import neurocompile as nc
    from neurocompile.quantize.network import quantize
    from neurocompile.quantize.support import model_support as check_model_support

    net = nc.Network("one_adex", dt=0.1)
    net.population("cell", 2, nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0,
                                      a=4.0, tau_w=144.0, b=80.5, V_reset=-70.6, V_peak=-40.4,
                                      tau_syn=5.0))
    target = lif_only_lava()
    message = re.escape("Population 'cell': model AdEx is not supported by target 'lava' "
                        "(native: LIF, LI, DiscreteLIF, DiscreteLI; custom processes: none)")
    with pytest.raises(BuildError, match=message):
        check_model_support(net, target)
    with pytest.raises(BuildError, match=message):
        quantize(net, target)
    assert check_model_support(net, load_target("lava")) == {"cell": "custom_process"}
