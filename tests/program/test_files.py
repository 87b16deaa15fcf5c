"""``.ncp`` program files (neurocompile.program.files): identical runs after a round trip, clear
errors for truncated, foreign, missing and future-version files."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.program import UnreadableProgramFileError
from tests.helpers import rewrite_manifest, single_lif_driven


def test_save_load_identical_and_bad_files(tmp_path):
    net = single_lif_driven(weight=3.0, spike_times=np.arange(0.5, 10.0, 0.7))
    prog = nc.compile(net, "emu")
    path = tmp_path / "build" / "single.ncp"
    prog.save(path)
    loaded = nc.load(path)
    a, b = prog.run(20.0), loaded.run(20.0)
    assert a.spikes("n").any()
    assert np.array_equal(a.spikes("n"), b.spikes("n"))
    assert np.array_equal(a.trace("n", "v", raw=True), b.trace("n", "v", raw=True))
    data = path.read_bytes()
    (tmp_path / "cut.ncp").write_bytes(data[: len(data) // 2])
    with pytest.raises(nc.ProgramFileError, match="truncated or corrupt"):
        nc.load(tmp_path / "cut.ncp")
    (tmp_path / "text.ncp").write_text("hello")
    with pytest.raises(nc.ProgramFileError, match="truncated or corrupt"):
        nc.load(tmp_path / "text.ncp")
    with pytest.raises(UnreadableProgramFileError, match="does not exist"):  # a ProgramFileError too
        nc.load(tmp_path / "missing.ncp")


def test_wrong_version_file(tmp_path, monkeypatch):
    import neurocompile.program.files as io

    prog = nc.compile(single_lif_driven(), "emu")
    monkeypatch.setattr(io, "FORMAT_VERSION", 99)
    prog.save(tmp_path / "v99.ncp")
    monkeypatch.undo()
    with pytest.raises(nc.ProgramFileError, match="format version 99"):
        nc.load(tmp_path / "v99.ncp")


def test_same_program_from_target_files_in_two_places_has_the_same_bytes(tmp_path):
    """The manifest keeps the target as data and its file's name, not the checkout's path."""
    from tests.helpers import TARGETS_DIR

    text = (TARGETS_DIR / "emu.toml").read_text(encoding="utf-8")
    written = []
    for folder in ("one/clone/targets", "elsewhere/targets"):
        target = tmp_path / folder / "emu.toml"
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
        out = tmp_path / folder / "single.ncp"
        nc.compile(single_lif_driven(), target).save(out)
        written.append(out.read_bytes())
    assert written[0] == written[1]
    assert nc.load(tmp_path / "elsewhere/targets/single.ncp").target.source == "file 'emu.toml'"


def test_a_core_holding_more_synapse_entries_than_its_memory_is_refused(tmp_path):
    """The loader counts synapse entries per core as placement does (every synapse on the core
    of its postsynaptic neuron) and checks them against the file's own target."""
    net = nc.Network("dense", dt=0.1, seed=1)
    src = net.spike_source("src", 30, times=[1.0], indices=[0])
    a = net.population("a", 40, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(src, a, nc.AllToAll(), weight=0.5)
    net.connect(a, a, nc.FixedProbability(0.5, seed=2), weight=-0.1)
    prog = nc.compile(net, "emu", placer="sequential")
    entries = prog.usage.synapse_entries
    most, core = int(entries.max()), int(entries.argmax())
    assert most == 30 * 40 + prog.quantized.projections[1].n_synapses
    path = tmp_path / "dense.ncp"

    def synapse_memory(entries_per_core):
        prog.save(path)
        rewrite_manifest(path, lambda tree: tree["target"]["core"].update(synapse_entries=entries_per_core))

    synapse_memory(most)  # exactly full: loads and runs
    assert nc.load(path).run(2.0).n_steps == 20
    synapse_memory(most - 1)
    with pytest.raises(nc.ProgramFileError) as err:
        nc.load(path)
    assert str(err.value) == (f"'{path}': placement: synapse entries of core[{core}] = {most} exceeds the "
                              f"{most - 1} synapse entries a core of target 'emu' holds")
