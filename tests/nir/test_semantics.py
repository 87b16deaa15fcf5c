"""How a NIR file's ODEs are read (``read_nir(semantics=...)``) and which time step it implies.

A file written the way snnTorch's exporter writes it (built here with ``nir`` from the update
equations of ../shared/nir-clients/README.md, no torch) must be read as snnTorch computes it,
bit for bit against the numpy implementation of those equations.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError
from neurocompile.nir import NirImportWarning, read_nir, write_nir
from tests.helpers import NIR_CLIENTS_DIR, TrainedLayer, layer_rasters, random_trained_layers, snntorch_numpy_run

nir = pytest.importorskip("nir", reason="NIR import needs the 'nir' extra (pip install '.[nir]')")

DT_S = 1e-4  # snnTorch's exporter assumes 0.1 ms
STEPS = 30


def snntorch_style_file(path, layers):
    """``layers`` as snnTorch's ``export_to_nir`` writes them: Affine -> LIF (``tau = dt /
    (1 - beta)``, ``r = tau / dt``) or CubaLIF (also ``tau_syn = dt / (1 - alpha)``,
    ``w_in = tau_syn / dt``), named "0", "1", ... in float32 as torch holds them."""
    f32 = np.float32
    nodes, edges, previous = {"input": nir.Input(input_type=np.array([layers[0].weight.shape[0]]))}, [], "input"
    for k, layer in enumerate(layers):
        affine, neuron = str(2 * k), str(2 * k + 1)
        nodes[affine] = nir.Affine(weight=layer.weight.T.astype(f32), bias=layer.bias.astype(f32))
        tau = (DT_S / (1 - layer.beta)).astype(f32)
        common = dict(r=(tau / DT_S).astype(f32), v_leak=np.zeros_like(tau), v_threshold=layer.threshold.astype(f32))
        if layer.alpha is None:
            nodes[neuron] = nir.LIF(tau=tau, **common)
        else:
            tau_syn = (DT_S / (1 - layer.alpha)).astype(f32)
            nodes[neuron] = nir.CubaLIF(tau_mem=tau, tau_syn=tau_syn, w_in=(tau_syn / DT_S).astype(f32), **common)
        edges += [(previous, affine), (affine, neuron)]
        previous = neuron
    nodes["output"] = nir.Output(output_type=np.array([layers[-1].weight.shape[1]]))
    edges.append((previous, "output"))
    nir.write(str(path), nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    return path


def as_read(net, n_layers):
    """The layers of an imported network (populations n1, n3, ...) with the parameters it
    read, for the numpy equations."""
    layers = []
    for k in range(n_layers):
        pop = net[f"n{2 * k + 1}"]
        proj = next(p for p in net.projections if p.post is pop)
        p = {name: np.broadcast_to(pop.params[name], (pop.size,)) for name in ("beta", "alpha", "threshold", "bias")}
        layers.append(TrainedLayer(proj.weights.toarray(), p["bias"], p["beta"],
                                   p["alpha"] if np.any(p["alpha"] > 0) else None, p["threshold"]))
    return layers


def rename(result, n_layers):
    """``layer_rasters`` expects populations l1, l2, ...; the import names them n1, n3, ..."""
    class Renamed:
        counts = {f"l{k + 1}": result.counts[f"n{2 * k + 1}"] for k in range(n_layers)}

        @staticmethod
        def spike_steps(name):
            return result.spike_steps(f"n{2 * int(name[1:]) - 1}")
    return Renamed


@pytest.mark.parametrize("seed", [3, 4])
def test_snntorch_style_file_is_read_as_snntorch_computes_bit_for_bit(tmp_path, seed):
    layers = random_trained_layers(seed)
    path = snntorch_style_file(tmp_path / "trained.nir", layers)
    raster = np.random.default_rng(seed).random((STEPS, layers[0].weight.shape[0])) < 0.3
    steps, ids = np.nonzero(raster)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about: dt and semantics are implied
        net = read_nir(path, inputs={"input": nc.SpikeTrains(steps * 0.1, ids)})
    assert net.dt == 0.1
    assert net.provenance["semantics"] == "snntorch" and net.provenance["dt_source"] == "implied by the file"
    read = as_read(net, len(layers))
    for original, got in zip(layers, read):  # float32 in the file: decays within 1e-6
        np.testing.assert_allclose(got.beta, original.beta, atol=1e-6)
        np.testing.assert_allclose(got.weight, original.weight, rtol=1e-6)
        assert (got.alpha is None) == (original.alpha is None)
    for k in range(len(layers)):
        net.probe(net[f"n{2 * k + 1}"], "spikes")
    result = nc.simulate(net, (STEPS + len(layers)) * net.dt)
    expected = snntorch_numpy_run(read, raster)
    got = layer_rasters(rename(result, len(layers)), len(layers), STEPS)
    for k, (e, g) in enumerate(zip(expected, got)):
        assert e.any()
        np.testing.assert_array_equal(g, e, err_msg=f"layer {k + 1}")


def test_auto_semantics_per_file(nir_paper_dir):
    leaky = read_nir(NIR_CLIENTS_DIR / "snntorch_leaky_64x100x10.nir")
    assert leaky.provenance["semantics"] == "snntorch" and leaky.dt == 0.1
    assert type(leaky["n1"].model).__name__ == "DiscreteLIF"
    assert leaky["n1"].params["reset"] == "subtract" and np.all(leaky["n1"].params["reset_delay"] == 1)
    # Norse writes r = 1: tau / r is no time step; read exactly, dt must be given
    norse = read_nir(nir_paper_dir / "lif_norse.nir", dt=0.1)
    assert norse.provenance["semantics"] == "exact" and type(norse["n1"].model).__name__ == "LIF"
    with pytest.raises(NetworkError, match=r"dt = None is needed.*--dt 0\.1"):
        read_nir(nir_paper_dir / "lif_norse.nir")
    # Rockpool's r = tau exp(-dt/tau) / dt gives no round dt: not taken for snnTorch's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rockpool = read_nir(nir_paper_dir / "lif_rockpool.nir", dt=0.1)
    assert rockpool.provenance["semantics"] == "exact"


def test_dt_contradicting_the_file_warns_naming_both():
    with pytest.warns(NirImportWarning, match=r"implies dt = 0\.1 ms .* read at dt = 1 ms"):
        net = read_nir(NIR_CLIENTS_DIR / "snntorch_leaky_64x100x10.nir", dt=1.0)
    assert net.dt == 1.0 and net.provenance["dt_source"] == "given"


@pytest.mark.parametrize("semantics", ["snntorch2", "Norse", ""])
def test_unknown_semantics_lists_the_choices(semantics):
    with pytest.raises(NetworkError, match=r"semantics.*'auto', 'snntorch', 'norse', 'sinabs', 'exact'"):
        read_nir(NIR_CLIENTS_DIR / "snntorch_leaky_64x100x10.nir", semantics=semantics)


def test_rockpool_semantics_is_refused_with_the_reason():
    with pytest.raises(NetworkError, match=r"semantics = 'rockpool'.*not implemented"):
        read_nir(NIR_CLIENTS_DIR / "snntorch_leaky_64x100x10.nir", semantics="rockpool")


def test_framework_semantics_are_limited_to_what_was_checked(nir_paper_dir):
    with pytest.raises(NetworkError, match=r"semantics 'norse' is defined here for LIF/LI nodes only"):
        read_nir(NIR_CLIENTS_DIR / "snntorch_synaptic_64x100x10.nir", semantics="norse")
    with pytest.raises(NetworkError, match=r"semantics 'sinabs' is defined here for IF/I nodes only"):
        read_nir(nir_paper_dir / "lif_norse.nir", dt=0.1, semantics="sinabs")
    sinabs = read_nir(nir_paper_dir / "cnn_sinabs.nir", dt=1.0, semantics="sinabs")
    pop = next(p for p in sinabs.populations.values() if not p.is_source)
    assert pop.params["reset"] == "subtract" and np.all(pop.params["reset_delay"] == 0)
    assert np.all(pop.params["strict"] == 0)  # Sinabs spikes at v >= threshold


def test_reset_overrides_and_their_errors():
    path = NIR_CLIENTS_DIR / "snntorch_leaky_64x100x10.nir"
    net = read_nir(path, reset="zero", reset_delay=False)
    assert net["n1"].params["reset"] == "zero" and np.all(net["n1"].params["reset_delay"] == 0)
    assert read_nir(path, reset="none")["n3"].params["reset"] == "none"
    with pytest.raises(NetworkError, match=r"reset.*'none' needs a framework's semantics"):
        read_nir(path, semantics="exact", reset="none")
    with pytest.raises(NetworkError, match=r"reset.*'hard'.*'zero', 'subtract', 'none'"):
        read_nir(path, reset="hard")


def test_euler_step_longer_than_tau_is_an_error(tmp_path):
    graph = nir.NIRGraph.from_list(nir.Affine(weight=np.ones((1, 1)), bias=np.zeros(1)),
                                   nir.LIF(tau=np.array([5e-4]), r=np.array([1.0]), v_leak=np.zeros(1),
                                           v_threshold=np.ones(1)), type_check=False)
    path = tmp_path / "fast.nir"
    nir.write(str(path), graph)
    with pytest.raises(NetworkError, match=r"dt = 1 ms is longer than tau = 0\.5 ms"):
        read_nir(path, dt=1.0, semantics="norse")


# -- export of discrete models ----------------------------------------------------------------

def discrete_network(reset="subtract", reset_delay=1, strict=1):
    layers = random_trained_layers(7, sizes=(10, 12, 4), synaptic=(True, False))
    net = nc.Network("discrete", dt=0.1, seed=2)
    src = net.poisson("src", 10, rate=2000.0)
    hidden = net.population("hidden", 12, nc.DiscreteLIF(
        beta=layers[0].beta, alpha=layers[0].alpha, threshold=layers[0].threshold, bias=layers[0].bias,
        bias_onset=0.1, reset=reset, reset_delay=reset_delay, strict=strict))
    out = net.population("out", 4, nc.DiscreteLI(beta=layers[1].beta, bias=0.05))
    net.connect(src, hidden, nc.Explicit(layers[0].weight))
    net.connect(hidden, out, nc.Explicit(layers[1].weight), delay=0.3)
    net.probe(hidden)
    net.probe(out, "v")
    return net


@pytest.mark.parametrize("reset,reset_delay,strict", [("subtract", 1, 1), ("zero", 0, 0), ("none", 0, 1)])
def test_discrete_round_trip_simulates_identically(tmp_path, reset, reset_delay, strict):
    net = discrete_network(reset, reset_delay, strict)
    path = write_nir(net, tmp_path / "discrete.nir")
    nir.read(str(path))  # the nir package accepts it
    back = read_nir(path, inputs={"src": net["src"].model})
    assert back.provenance["semantics"] == "snntorch" and back.provenance["dt_source"] == "recorded in the file"
    for name in ("hidden", "out"):
        for key, value in net[name].params.items():
            got = back[name].params[key]
            if isinstance(value, str):
                assert got == value, key
            else:
                np.testing.assert_allclose(np.broadcast_to(got, (net[name].size,)).astype(float),
                                           np.broadcast_to(value, (net[name].size,)).astype(float),
                                           rtol=1e-12, atol=1e-15, err_msg=key)
    a, b = nc.simulate(net, 20.0), nc.simulate(back, 20.0)
    assert a.spikes("hidden").size > 0
    np.testing.assert_array_equal(a.spikes("hidden"), b.spikes("hidden"))
    np.testing.assert_allclose(a.trace("out", "v"), b.trace("out", "v"), rtol=1e-12, atol=1e-12)


def test_export_refuses_mixing_ode_and_discrete_populations(tmp_path):
    net = discrete_network()
    net.population("ode", 2, nc.LIF(tau_mem=10.0, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    with pytest.raises(NetworkError, match=r"population 'ode'.*one semantics"):
        write_nir(net, tmp_path / "mixed.nir")
