"""Loading network files (neurocompile.io.load_network): ``dt`` and ``reset`` belong to .nir files;
missing files."""
from __future__ import annotations

import pytest

from neurocompile.cli.main import main
from neurocompile.errors import UnreadableFileError
from neurocompile.io import NetworkFileError, UnreadableNetworkFileError, load_network


def test_nir_file_needs_dt(nir_paper_dir):
    pytest.importorskip("nir", reason="reading .nir files needs the 'nir' extra (pip install '.[nir]')")
    with pytest.raises(NetworkFileError, match="--dt 0.1"):
        load_network(nir_paper_dir / "lif_norse.nir")
    net = load_network(nir_paper_dir / "lif_norse.nir", dt=0.1, reset="subtract")
    assert net.dt == 0.1 and net["n1"].model.reset == "subtract"


def test_dt_refused_for_python_files(tmp_path, capsys):
    script = tmp_path / "net.py"
    script.write_text("import neurocompile as nc\nnet = nc.Network('x', dt=0.1)\n", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="only .nir files take dt"):
        load_network(script, dt=0.1)
    code = main(["build", str(script), "--dt", "0.1", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "only .nir files take dt" in captured.out + captured.err


def test_a_missing_file_is_an_unreadable_network_file(tmp_path):
    """Also a NetworkFileError, as before; the command line makes it a usage error (exit 2)."""
    for name in ("nope.py", "nope.nir"):
        with pytest.raises(UnreadableNetworkFileError) as info:
            load_network(tmp_path / name)
        assert isinstance(info.value, NetworkFileError) and isinstance(info.value, UnreadableFileError)
        assert str(info.value) == f"network file '{tmp_path / name}' does not exist"
    with pytest.raises(UnreadableNetworkFileError, match="is a directory, not a file"):
        load_network(tmp_path)
