"""The emulator's traffic counters against the compiled program's route tables."""
from __future__ import annotations

import neurocompile as nc
from tests.helpers import small_core_target


def test_spike_messages_and_hops_match_route_tables():
    net = nc.Network("routes", dt=0.1, seed=3)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    noise = net.poisson("noise", 40, rate=300.0)
    a = net.population("a", 1500, lif)
    b = net.population("b", 1500, lif)
    net.connect(noise, a, nc.FixedProbability(0.3), weight=0.8)
    net.connect(a, b, nc.FixedProbability(0.01), weight=0.5)
    net.connect(b, a, nc.FixedProbability(0.01), weight=-0.5)
    net.probe(a, "spikes")
    net.probe(b, "spikes")
    net.probe(noise, "spikes")
    # Cores of 32 neurons: 94 cores on 24 tiles, more than the 16 of one chip, so that routes
    # take every kind of hop (east-west, north-south, between chips).
    prog = nc.compile(net, small_core_target(neurons=32), placer="sequential")
    out = prog.run(50.0)
    expected = {"messages": 0, "east_west": 0, "north_south": 0, "inter_chip": 0}
    for name in ("noise", "a", "b"):
        _, ids = out.spike_steps(name)
        for key in expected:
            expected[key] += int(getattr(prog.routes[name], key)[ids].sum())
    totals = out.stats.totals()
    assert all(count > 0 for count in expected.values()), expected
    assert totals["spike_messages"] == expected["messages"]
    assert totals["hops_east_west"] == expected["east_west"]
    assert totals["hops_north_south"] == expected["north_south"]
    assert totals["hops_inter_chip"] == expected["inter_chip"]
