"""Brunel (2000): a sparse network of excitatory and inhibitory LIF neurons with delays.

N_E excitatory and N_I = N_E / 4 inhibitory LIF neurons; every neuron receives C_E = 10 % of
N_E excitatory and C_I = 10 % of N_I inhibitory synapses (fixed in-degree), with delta
synapses (``tau_syn = 0``: the membrane jumps by J), a 1.5 ms delay, excitatory weight J and
inhibitory weight -g J. External input: Poisson spikes through excitatory synapses of weight J
at ``eta`` times the rate that would bring the mean input to threshold without recurrence
(``nu_thr = theta / (J C_E tau_m)``). Brunel's neuron: tau_m = 20 ms, theta = 20 mV above rest,
reset to 10 mV, 2 ms refractory. Time step 0.1 ms.

The original has N_E = 10000 and C_E = 1000 with J = 0.1 mV; at the default size here
(N_E = 2000, C_E = 200) J = 0.5 mV keeps J C_E = 100 mV, so the mean recurrent input is the
same. With g = 5 and eta = 2 recurrent inhibition dominates and the network sits in the
asynchronous-irregular (AI) regime of Brunel's phase diagram at this size and delay.

What you should see (``python examples/brunel.py``; 500 ms, default size)::

    float  exc 44.9 Hz, inh 45.6 Hz, ISI CV 1.10 (irregular), synchrony chi 0.13 (asynchronous:
           independent neurons would give 1/sqrt(200) = 0.07 for the 200 probed ones)
    chip   exc 43.2 Hz (3.8 % lower), ISI CV 1.12, chi 0.14; spikes diverge from float after a
           few tens of ms (a chaotic network), so the comparison judges it by distribution

The external input is drawn per step (at most one spike per step, rate * dt <= 1): 4 kHz per
neuron at dt = 0.1 ms is a Bernoulli probability of 0.4, a little less variable than Poisson.

Build it: ``neurocompile build examples/brunel.py --target emu --validate 500``.

Reference: N. Brunel, "Dynamics of sparsely connected networks of excitatory and inhibitory
spiking neurons", J. Comput. Neurosci. 8:183-208 (2000), model A, Fig. 8.
"""
from __future__ import annotations

import numpy as np

import neurocompile as nc

TAU_MEM_MS = 20.0
THETA_MV = 20.0        # threshold above rest (rest = 0 mV in Brunel's units)
DELAY_MS = 1.5
DURATION_MS = 500.0


def build(n_exc: int = 2000, g: float = 5.0, eta: float = 2.0, seed: int = 0,
          probe_exc: int = 200) -> nc.Network:
    """The network at size ``n_exc`` (N_I = n_exc / 4); spikes of the first ``probe_exc``
    excitatory and all inhibitory neurons are probed, and v of three excitatory neurons."""
    n_inh = n_exc // 4
    c_exc, c_inh = n_exc // 10, max(1, n_inh // 10)
    weight = 100.0 / c_exc            # J C_E = 100 mV, as Brunel's 0.1 mV x 1000
    nu_thr = THETA_MV / (weight * c_exc * TAU_MEM_MS) * 1e3        # Hz per external synapse
    external_rate = eta * nu_thr * c_exc                            # Hz per neuron, all synapses
    net = nc.Network("brunel", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=TAU_MEM_MS, tau_syn=0.0, v_rest=0.0, v_reset=10.0, v_th=THETA_MV,
                 refractory=2.0)
    exc = net.population("exc", n_exc, lif, v_init=nc.Uniform(0.0, THETA_MV))
    inh = net.population("inh", n_inh, lif, v_init=nc.Uniform(0.0, THETA_MV))
    ext = net.poisson("ext", n_exc + n_inh, external_rate)
    net.connect(ext[:n_exc], exc, nc.OneToOne(), weight=weight)
    net.connect(ext[n_exc:], inh, nc.OneToOne(), weight=weight)
    for pre, c, w in ((exc, c_exc, weight), (inh, c_inh, -g * weight)):
        for post in (exc, inh):
            net.connect(pre, post, nc.FixedInDegree(c, allow_autapses=False), weight=w,
                        delay=DELAY_MS)
    net.probe(exc[:probe_exc], "spikes")
    net.probe(inh, "spikes")
    net.probe(exc[:3], "v")
    return net


def synchrony(result, population: str, bin_ms: float = 1.0) -> float:
    """Golomb's synchrony measure chi: sqrt(variance of the population rate / mean variance
    of single-neuron rates), from probed spikes in ``bin_ms`` bins; about 1/sqrt(N) for
    independent neurons, near 1 for synchronous ones."""
    steps, ids = result.spike_steps(population)
    n = result.spike_indices(population).size
    per_bin = max(1, int(round(bin_ms / result.dt)))
    n_bins = result.n_steps // per_bin
    keep = steps < n_bins * per_bin
    counts = np.zeros((n_bins, n))
    np.add.at(counts, (steps[keep] // per_bin, np.searchsorted(result.spike_indices(population),
                                                                ids[keep])), 1)
    single = counts.var(axis=0).mean()
    return float(np.sqrt(counts.mean(axis=1).var() / single)) if single > 0 else float("nan")


def evaluate(duration: float = DURATION_MS, n_exc: int = 2000, target: str = "emu") -> dict:
    """Float and chip runs: mean rates (Hz), ISI CV and synchrony chi of the excitatory
    neurons, and the comparison (:func:`neurocompile.compare`)."""
    from neurocompile.validate.metrics import per_neuron_isi_cv

    net = build(n_exc=n_exc)
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target).run(duration)
    out = {"comparison": nc.compare(ref, chip, network=net)}
    for label, result in (("float", ref), ("chip", chip)):
        steps, ids = result.spike_steps("exc")
        out[label] = {"rate_exc": float(result.rates("exc").mean()),
                      "rate_inh": float(result.rates("inh").mean()),
                      "cv_exc": float(np.mean(per_neuron_isi_cv(steps, ids, result.dt))),
                      "chi_exc": synchrony(result, "exc")}
    return out


if __name__ == "__main__":
    numbers = evaluate()
    for label in ("float", "chip"):
        r = numbers[label]
        print(f"{label:5s}  exc {r['rate_exc']:.2f} Hz, inh {r['rate_inh']:.2f} Hz, "
              f"ISI CV {r['cv_exc']:.2f}, synchrony chi {r['chi_exc']:.3f}")
    print(numbers["comparison"])
