"""NIR import (neurocompile.nir.read): the real files of the NIR paper, the neuron mapping,
convolution graphs, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError
from neurocompile.nir import NirFileError, NirImportWarning, read_nir
from neurocompile.nir.conv import conv_matrix

nir = pytest.importorskip("nir", reason="NIR import needs the 'nir' extra (pip install '.[nir]')")
h5py = pytest.importorskip("h5py", reason="NIR import needs the 'nir' extra (pip install '.[nir]')")


GOOD_FILES = ["lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir", "cnn_sinabs.nir",
              "braille_noDelay_bias_zero.nir", "braille_noDelay_noBias_subtract.nir"]


def sequential(*nodes):
    return nir.NIRGraph.from_list(*nodes, type_check=False)


def write_graph(tmp_path, graph, name="g.nir"):
    path = tmp_path / name
    nir.write(str(path), graph)
    return path


# -- the real files ---------------------------------------------------------------------------

def test_every_paper_file_is_covered(nir_paper_dir):
    files = sorted(p.name for p in nir_paper_dir.glob("*.nir"))
    assert files == sorted(GOOD_FILES + ["braille_noDelay_bias_zero_subgraph.nir"])


@pytest.mark.parametrize("name", GOOD_FILES)
def test_paper_file_imports(nir_paper_dir, name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = read_nir(nir_paper_dir / name, dt=0.1)
    net.validate()
    assert net.n_neurons > 0 and net.probes
    messages = [str(w.message) for w in caught if issubclass(w.category, NirImportWarning)]
    if name == "lif_rockpool.nir":  # its Output declares (1, 1, 1) for a 1-neuron signal
        assert any("'output'" in m and "(1, 1, 1)" in m for m in messages)
    else:
        assert not messages


def test_subgraph_file_with_missing_node_names_it(nir_paper_dir):
    with pytest.raises(NirFileError) as err:
        read_nir(nir_paper_dir / "braille_noDelay_bias_zero_subgraph.nir", dt=0.1)
    message = str(err.value)
    assert "subgraph 'lif1'" in message and "'lif1.lif'" in message and "does not exist" in message


def test_lif_norse_matches_norse_output_spikes(nir_paper_dir):
    data = np.loadtxt(nir_paper_dir / "lif_norse.csv", delimiter=",")
    in_steps = np.flatnonzero(data[:, 0])
    expected = np.flatnonzero(data[:, 2])
    drive = nc.SpikeTrains(in_steps * 0.1, np.zeros(in_steps.size, dtype=np.int64))
    net = read_nir(nir_paper_dir / "lif_norse.nir", dt=0.1, inputs={"input": drive})
    lif = net["n1"]
    assert lif.model.tau_mem == pytest.approx(2.5) and lif.model.v_th == pytest.approx(0.1)
    # r w dt / tau = 1 * 1 * 1e-4 / 0.0025
    assert net.projections[0].weights.toarray() == pytest.approx(np.array([[0.04]]))
    duration = data.shape[0] * 0.1
    ref = nc.simulate(net, duration).spike_steps("n1")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chip = nc.compile(net, "emu", placer="sequential").run(duration).spike_steps("n1")[0]
    for got in (ref, chip):
        assert got.size == expected.size == 4
        assert np.all(np.abs(got - expected) <= 1)


def test_cnn_compiles_onto_emu(nir_paper_dir):
    net = read_nir(nir_paper_dir / "cnn_sinabs.nir", dt=0.1)
    sizes = {p.name: p.size for p in net.populations.values()}
    assert sizes == {"input": 2312, "n1": 4096, "n3": 4096, "n6": 512, "n10": 256, "n12": 10}
    assert np.isinf(net["n1"].model.tau_mem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(net, "emu", placer="sequential")
    cores = {int(c) for name, arr in program.placement.core_of.items() if name != "input" for c in arr}
    assert 10 <= len(cores) <= program.placement.n_cores


@pytest.mark.parametrize("name,reset", [("braille_noDelay_bias_zero.nir", "zero"),
                                        ("braille_noDelay_noBias_subtract.nir", "subtract")])
def test_braille_compiles_and_runs(nir_paper_dir, name, reset):
    drive = nc.PoissonSource(300.0, seed=4)
    net = read_nir(nir_paper_dir / name, dt=0.1, semantics="exact", reset=reset, inputs={"input": drive})
    hidden = net["lif1.lif"]
    assert hidden.model.reset == ("value" if reset == "zero" else "subtract")
    # snnTorch's r = tau_mem/dt and w_in = tau_syn/dt: a spike of weight w raises I_syn by
    # r w_in w dt / tau_syn = (tau_mem / dt) w.
    graph = nir.read(str(nir_paper_dir / name))
    w_nir = np.asarray(graph.nodes["lif1.w_rec"].weight, dtype=np.float64)
    rec = next(p for p in net.projections if p.pre is hidden and p.post is hidden)
    tau_mem = float(np.asarray(graph.nodes["lif1.lif"].tau_mem).ravel()[0])
    dense = rec.weights.toarray()
    assert dense == pytest.approx(w_nir.T * tau_mem / 1e-4, rel=1e-5)
    ref = nc.simulate(net, 30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chip = nc.compile(net, "emu", placer="sequential").run(30.0)
    assert ref.spike_steps("lif2")[0].size > 0
    assert chip.spike_steps("lif2")[0].size > 0


# -- neuron mapping -----------------------------------------------------------------------------

def one(value):
    return np.array([float(value)])


def test_lif_mapping_units_and_bias(tmp_path):
    graph = sequential(nir.Affine(weight=np.array([[2.0]]), bias=one(0.5)),
                       nir.LIF(tau=one(0.02), r=one(3.0), v_leak=one(-0.1), v_threshold=one(1.0),
                               v_reset=one(-0.2)))
    net = read_nir(write_graph(tmp_path, graph), dt=0.5)
    model = net["lif"].model
    assert model.tau_mem == pytest.approx(20.0) and model.tau_syn == 0
    assert model.v_rest == pytest.approx(-0.1) and model.v_reset == pytest.approx(-0.2)
    assert model.bias == pytest.approx(3.0 * 0.5)  # r c
    assert net.projections[0].weights.toarray()[0, 0] == pytest.approx(3.0 * 2.0 * 0.5e-3 / 0.02)


def test_cuba_lif_mapping(tmp_path):
    graph = sequential(nir.Linear(weight=np.array([[1.5]])),
                       nir.CubaLIF(tau_syn=one(0.005), tau_mem=one(0.01), r=one(2.0), v_leak=one(0.0),
                                   v_threshold=one(1.0), w_in=one(4.0)))
    net = read_nir(write_graph(tmp_path, graph), dt=0.1)
    model = net["cubalif"].model
    assert (model.tau_mem, model.tau_syn) == pytest.approx((10.0, 5.0))
    assert net.projections[0].weights.toarray()[0, 0] == pytest.approx(2.0 * 4.0 * 1.5 * 1e-4 / 0.005)


def test_if_and_i_are_perfect_integrators(tmp_path):
    graph = sequential(nir.Linear(weight=np.array([[0.3]])),
                       nir.IF(r=one(2.0), v_threshold=one(1.0)))
    spikes = nc.SpikeTrains([0.0, 1.0, 2.0], [0, 0, 0])
    net = read_nir(write_graph(tmp_path, graph), dt=1.0, inputs={"input": spikes})
    assert np.isinf(net["if"].model.tau_mem)
    assert net.projections[0].weights.toarray()[0, 0] == pytest.approx(0.6)  # r w per step
    net.probe("if", "v")
    v = nc.simulate(net, 4.0).trace("if", "v")[:, 0]
    assert v == pytest.approx([0.0, 0.6, 0.0, 0.6])  # 1.2 >= 1 spikes and resets to 0


def test_if_with_constant_input_is_an_error(tmp_path):
    graph = sequential(nir.Affine(weight=np.array([[1.0]]), bias=one(0.1)),
                       nir.IF(r=one(1.0), v_threshold=one(1.0)))
    with pytest.raises(NetworkError, match=r"'if'.*constant input"):
        read_nir(write_graph(tmp_path, graph), dt=0.1)


def test_li_readout_gets_a_v_probe(tmp_path):
    graph = sequential(nir.Linear(weight=np.ones((2, 3))),
                       nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2),
                               v_threshold=np.ones(2)),
                       nir.Linear(weight=np.ones((1, 2))),
                       nir.LI(tau=one(0.01), r=one(1.0), v_leak=one(0.0)))
    net = read_nir(write_graph(tmp_path, graph), dt=0.1)
    assert [(p.population.name, p.variable) for p in net.probes] == [("li", "v")]


def test_threshold_after_li_becomes_spiking(tmp_path):
    graph = sequential(nir.Linear(weight=np.array([[1.0]])),
                       nir.LI(tau=one(0.01), r=one(1.0), v_leak=one(0.0)),
                       nir.Threshold(threshold=one(0.5)))
    with pytest.warns(NirImportWarning, match="does not reset"):
        net = read_nir(write_graph(tmp_path, graph), dt=0.1)
    model = net["li"].model
    assert model.spiking and model.v_th == 0.5
    assert [(p.population.name, p.variable) for p in net.probes] == [("li", "spikes")]


def test_delay_and_scale_nodes(tmp_path):
    graph = sequential(nir.Linear(weight=np.array([[1.0], [1.0]])),
                       nir.Scale(scale=np.array([2.0, 3.0])),
                       nir.Delay(delay=np.array([0.0, 3e-4])),
                       nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2),
                               v_threshold=np.ones(2)))
    net = read_nir(write_graph(tmp_path, graph), dt=0.1)
    by_name = {p.name: p for p in net.projections}
    assert set(by_name) == {"input->lif@1", "input->lif@4"}
    assert by_name["input->lif@4"].delay_steps.tolist() == [4]
    gain = 1e-4 / 0.01
    assert by_name["input->lif@1"].weights.toarray() == pytest.approx(np.array([[2.0 * gain, 0.0]]))
    assert by_name["input->lif@4"].weights.toarray() == pytest.approx(np.array([[0.0, 3.0 * gain]]))


def test_reset_option(nir_paper_dir):
    net = read_nir(nir_paper_dir / "two_lif_neurons.nir", dt=0.1, reset="subtract")
    assert net["lif1"].model.reset == "subtract"
    with pytest.raises(NetworkError, match="reset"):
        read_nir(nir_paper_dir / "two_lif_neurons.nir", dt=0.1, reset="sometimes")
    with pytest.raises(NetworkError, match="dt"):
        read_nir(nir_paper_dir / "two_lif_neurons.nir", dt=0)


# -- graphs with convolutions ---------------------------------------------------------------------

def test_conv_graph_folds_into_one_projection(tmp_path):
    rng = np.random.default_rng(2)
    weight = rng.normal(size=(2, 1, 3, 3))
    conv = nir.Conv2d(input_shape=(5, 5), weight=weight, stride=1, padding=1, dilation=1, groups=1,
                      bias=np.zeros(2))
    neurons = nir.IF(r=np.ones((2, 5, 5)), v_threshold=np.ones((2, 5, 5)))
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([1, 5, 5])), "conv": conv,
                                "if": neurons, "output": nir.Output(output_type=np.array([2, 5, 5]))},
                         edges=[("input", "conv"), ("conv", "if"), ("if", "output")], type_check=False)
    net = read_nir(write_graph(tmp_path, graph), dt=0.1)
    matrix, _ = conv_matrix((1, 5, 5), weight, 1, 1, 1, 1, "x")
    assert net.projections[0].weights.toarray() == pytest.approx(matrix.toarray())


# -- malformed files --------------------------------------------------------------------------

def test_not_hdf5(tmp_path):
    path = tmp_path / "junk.nir"
    path.write_bytes(b"this is not HDF5 at all")
    with pytest.raises(NirFileError, match="not an HDF5 file"):
        read_nir(path, dt=0.1)


def test_missing_file(tmp_path):
    with pytest.raises(NirFileError, match="does not exist"):
        read_nir(tmp_path / "nothing.nir", dt=0.1)


def test_edge_to_unknown_node(tmp_path):
    graph = sequential(nir.Linear(weight=np.ones((1, 1))),
                       nir.LIF(tau=one(0.01), r=one(1.0), v_leak=one(0.0), v_threshold=one(1.0)))
    graph.edges.append(("lif", "ghost"))
    with pytest.raises(NirFileError, match=r"'ghost'.*does not exist"):
        read_nir(write_graph(tmp_path, graph), dt=0.1)


def test_wrong_shapes_name_the_node(tmp_path):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([3])), "fc": nir.Linear(weight=np.ones((2, 4))),
               "lif": nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2),
                              v_threshold=np.ones(2)),
               "output": nir.Output(output_type=np.array([2]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False)
    with pytest.raises(NirFileError, match=r"NIR node 'fc' \(Linear\).*shape \(2, 4\)"):
        read_nir(write_graph(tmp_path, graph), dt=0.1)
    graph.nodes["fc"] = nir.Linear(weight=np.ones((3, 3)))
    with pytest.raises(NirFileError, match=r"NIR node 'lif' \(LIF\).*2 neurons"):
        read_nir(write_graph(tmp_path, graph, "g2.nir"), dt=0.1)


def test_unsupported_primitive(tmp_path):
    path = tmp_path / "foo.nir"
    with h5py.File(path, "w") as f:
        node = f.create_group("node")
        node.create_dataset("type", data=b"NIRGraph")
        node.create_dataset("edges", data=np.array([[b"input", b"weird"]], dtype=object),
                            dtype=h5py.string_dtype())
        nodes = node.create_group("nodes")
        inp = nodes.create_group("input")
        inp.create_dataset("type", data=b"Input")
        inp.create_dataset("shape", data=np.array([1]))
        weird = nodes.create_group("weird")
        weird.create_dataset("type", data=b"Quantum")
    with pytest.raises(NirFileError, match=r"node 'weird' is a 'Quantum'.*supported primitives"):
        read_nir(path, dt=0.1)


def test_malformed_node_parameters(tmp_path):
    graph = sequential(nir.Linear(weight=np.ones((1, 1))),
                       nir.LIF(tau=one(-0.01), r=one(1.0), v_leak=one(0.0), v_threshold=one(1.0)))
    with pytest.raises(NetworkError, match=r"'lif' \(LIF\).*tau"):
        read_nir(write_graph(tmp_path, graph), dt=0.1)


def test_unknown_input_name(nir_paper_dir):
    with pytest.raises(NetworkError, match="Input nodes"):
        read_nir(nir_paper_dir / "lif_norse.nir", dt=0.1, inputs={"inp": nc.SpikeTrains([], [])})


# -- files that would exhaust the machine -----------------------------------------------------

def _small_graph(tmp_path, input_shape=(2,)):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array(input_shape)), "fc": nir.Linear(weight=np.ones((2, 2))),
               "lif": nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
               "output": nir.Output(output_type=np.array([2]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False)
    return write_graph(tmp_path, graph)


def test_input_declaring_more_neurons_than_memory_is_refused_before_allocating(tmp_path):
    path = _small_graph(tmp_path, input_shape=(10**9,))
    with pytest.raises(NirFileError, match=r"NIR node 'input'.*1000000000 neurons.*available memory"):
        read_nir(path, dt=0.1)


def test_a_compressed_gigabyte_of_nothing_in_a_parameter_is_refused(tmp_path):
    path = _small_graph(tmp_path)
    with h5py.File(path, "a") as f:   # 1 GiB declared, nothing stored (unallocated chunks)
        del f["node/nodes/fc/weight"]
        f["node/nodes/fc"].create_dataset("weight", shape=(2**14, 2**14), dtype="float32",
                                          chunks=(2**10, 2**10), compression="gzip")
    assert path.stat().st_size < 100_000
    with pytest.raises(NirFileError, match=r"dataset 'node/nodes/fc/weight' declares 1024 MiB but stores"):
        read_nir(path, dt=0.1)


def _add_zeros(group, name, n_values):
    """A gzip dataset of ``n_values`` float32 zeros, written (and stored) chunk by chunk."""
    chunk = 2**20
    data = group.create_dataset(name, shape=(n_values,), dtype="float32", chunks=(chunk,),
                                compression="gzip", compression_opts=9)
    zeros = np.zeros(chunk, dtype=np.float32)
    for start in range(0, n_values, chunk):
        data[start:start + chunk] = zeros


def test_datasets_the_import_does_not_use_are_not_read(tmp_path, monkeypatch):
    import time
    import tracemalloc
    (tmp_path / "clean").mkdir()
    reference = read_nir(_small_graph(tmp_path / "clean"), dt=0.1)
    path = _small_graph(tmp_path)
    with h5py.File(path, "a") as f:   # 48 MiB each, stored compressed: below the expansion check
        _add_zeros(f["node/nodes/fc"], "junk", 12 * 2**20)
        _add_zeros(f["node/nodes/lif"].require_group("metadata"), "notes", 12 * 2**20)
        _add_zeros(f["node"].require_group("metadata"), "history", 12 * 2**20)
    assert 50_000 < path.stat().st_size < 1_000_000
    read = []
    getitem = h5py.Dataset.__getitem__

    def recording(self, key):
        read.append(self.name)
        return getitem(self, key)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.warns(NirImportWarning) as caught:
            net = read_nir(path, dt=0.1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5.0
    assert peak < 8 * 2**20
    assert not {"/node/nodes/fc/junk", "/node/nodes/lif/metadata/notes", "/node/metadata/history"} & set(read)
    assert "/node/nodes/fc/weight" in read and "/node/nodes/lif/tau" in read
    assert [str(w.message) for w in caught] == [
        f"NIR file '{path}': ignored (not read) datasets that are no parameter of their node: "
        "'node/nodes/fc/junk'"]
    assert net.projections[0].weights.toarray() == pytest.approx(reference.projections[0].weights.toarray())
    assert {p.name: p.size for p in net.populations.values()} == {"input": 2, "lif": 2}


def test_graph_nested_600_deep_is_a_named_error_not_a_recursion_error(tmp_path):
    path = _small_graph(tmp_path)
    with h5py.File(path, "a") as f:
        group = f["node/nodes"]
        for level in range(600):
            graph = group.create_group(f"g{level}")
            graph.create_dataset("type", data=b"NIRGraph")
            graph.create_dataset("edges", data=np.zeros((0, 2), dtype=object), dtype=h5py.string_dtype())
            group = graph.create_group("nodes")
    with pytest.raises(NirFileError, match=r"graph 'node/nodes/g0(/nodes/g\d+){64}' is nested deeper than 64 levels"):
        read_nir(path, dt=0.1)


# -- values of the wrong kind ---------------------------------------------------------------------

def _graph_with_metadata(tmp_path, graph_metadata=None, lif_metadata=None):
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([2])), "fc": nir.Linear(weight=np.ones((2, 2))),
               "lif": nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2),
                              metadata=lif_metadata or {}),
               "output": nir.Output(output_type=np.array([2]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False,
        metadata=graph_metadata or {})
    return write_graph(tmp_path, graph)


@pytest.mark.parametrize("metadata,message", [
    ({"seed": "abc"}, "metadata['seed'] = 'abc' must be an integer >= 0"),
    ({"seed": 2.5}, "metadata['seed'] = 2.5 must be an integer >= 0"),
    ({"neurocompile_dt_ms": "x"}, "metadata['neurocompile_dt_ms'] = 'x' must be a time step > 0 ms"),
    ({"neurocompile_dt_ms": -0.1}, "metadata['neurocompile_dt_ms'] = -0.1 must be a time step > 0 ms"),
    ({"neurocompile_semantics": 5},
     "metadata['neurocompile_semantics'] = 5 must be one of 'snntorch', 'norse', 'sinabs', 'exact'"),
])
def test_graph_metadata_of_the_wrong_kind_is_named(tmp_path, metadata, message):
    path = _graph_with_metadata(tmp_path, metadata)
    with pytest.raises(NirFileError) as err:
        read_nir(path, dt=None if "neurocompile_dt_ms" in metadata else 0.1)
    assert str(err.value) == f"NIR file '{path}': {message}"


def test_node_metadata_of_the_wrong_kind_is_named(tmp_path):
    snntorch = {"neurocompile_semantics": "snntorch"}
    path = _graph_with_metadata(tmp_path, snntorch, {"bias_onset_ms": "soon"})
    with pytest.raises(NirFileError) as err:
        read_nir(path, dt=0.1)
    assert str(err.value) == (f"NIR node 'lif' (LIF) in '{path}': metadata['bias_onset_ms'] = 'soon' "
                              "must be a time >= 0 ms")
    (tmp_path / "reset").mkdir()
    path = _graph_with_metadata(tmp_path / "reset", snntorch, {"reset": np.array([1, 2])})
    with pytest.raises(NirFileError) as err:
        read_nir(path, dt=0.1)
    assert str(err.value) == (f"NIR file '{path}': dataset 'node/nodes/lif/metadata/reset' has shape (2,); "
                              "a metadata entry read_nir interprets is one value")


def test_a_parameter_that_is_not_numbers_is_named(tmp_path):
    path = _small_graph(tmp_path)
    with h5py.File(path, "a") as f:
        del f["node/nodes/lif/r"]
        f["node/nodes/lif"].create_dataset("r", data=np.array([b"ab", b"cd"], dtype=object),
                                           dtype=h5py.string_dtype())
    with pytest.raises(NirFileError) as err:
        read_nir(path, dt=0.1)
    assert str(err.value) == (f"NIR file '{path}': dataset 'node/nodes/lif/r' holds object values; "
                              "a parameter of a NIR node is numbers")
