"""``-q/--quiet`` and ``-v/--verbose`` of ``build``, ``run`` and ``plot``; the default output is
short (a line or two per stage), ``-v`` has every table, ``-q`` only warnings and results; and
the live progress display, which only a terminal gets."""
from __future__ import annotations

import contextlib
import io

import pytest
from rich.console import Console

from neurocompile import progress
from neurocompile.cli.main import main
from neurocompile.cli.progress_display import RichReporter, count_text, showing
from tests.helpers import EXAMPLES_DIR, run_cli, write_text

CUBA = EXAMPLES_DIR / "cuba.py"

#: Tables only -v prints (their titles).
DETAIL = ("Network 'cuba'", "Projections", "Float reference, 20 ms", "Resources on target 'emu'",
          "Quantization: populations", "Placement (", "Chip (emu), 20 ms", "Chip activity",
          "Distributions:")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The output of one CUBA build at each level: {level: (code, out, err)}."""
    out = {}
    for level, flags in (("quiet", ["-q"]), ("default", []), ("verbose", ["-v"])):
        folder = tmp_path_factory.mktemp(level)
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = main(["build", str(CUBA), "--duration", "20", "--out", str(folder), *flags])
        out[level] = (code, captured.getvalue(), folder)
    return out


def test_default_build_output_is_a_line_or_two_per_stage(builds):
    code, out, folder = builds["default"]
    assert code == 0
    lines = out.splitlines()
    assert len(lines) <= 30, out
    for title in DETAIL:
        assert title not in out, title
    assert "compiled: 4000 neurons, 320948 synapses on 5 of 256 cores (1 chip)" in out
    assert "placement (spectral):" in out and "hop-weighted traffic" in out
    assert "chip run: no register saturated" in out and "chip activity:" in out
    assert "Float vs chip over 20 ms" in out              # the short comparison, with the verdict
    assert any(line.startswith("rates: every population within 10% of float") for line in lines)
    assert lines[-1].startswith("build of 'cuba' for target 'emu' done in")
    assert (folder / "cuba.ncp").is_file()


def test_verbose_build_prints_every_table_and_stage_times(builds):
    code, out, _ = builds["verbose"]
    assert code == 0
    for title in DETAIL:
        assert title in out, title
    assert "van Rossum" in out                            # the full comparison table
    for stage in ("load", "validate", "reference", "compile", "emit", "chip", "compare"):
        assert f"\n{stage}: " in out, stage                # how long each stage took


def test_quiet_build_prints_only_results(builds):
    code, out, folder = builds["quiet"]
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"wrote {folder / 'cuba.ncp'}")
    assert lines[1].startswith("rates: every population within 10% of float")
    assert lines[2].startswith("build of 'cuba' for target 'emu' done in")
    assert len(lines) == 3, out


def test_quiet_build_still_prints_warnings(capsys, tmp_path):
    silent = write_text(tmp_path / "silent.py", """
import neurocompile as nc
net = nc.Network("silent", dt=0.1)
quiet = net.population("quiet", 4, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0))
net.probe(quiet, "spikes")
""")
    code, out, _ = run_cli(capsys, "build", silent, "--validate", "20", "--out", tmp_path, "-q")
    assert code == 0
    assert out.splitlines()[1].startswith("warning: population 'quiet': no spike in float nor on chip")
    assert len(out.splitlines()) == 3


def test_quiet_and_verbose_exclude_each_other(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "-q", "-v", "--out", tmp_path)
    assert code == 2
    assert "not allowed with argument" in err


@pytest.mark.parametrize("value, message", [
    ("-5", "argument --place-budget: '-5' must be a time > 0 s (or inf for no limit)"),
    ("0", "argument --place-budget: '0' must be a time > 0 s (or inf for no limit)"),
    ("soon", "argument --place-budget: 'soon' is not a number of seconds"),
])
def test_a_bad_place_budget_is_a_one_line_usage_error(capsys, tmp_path, value, message):
    code, out, err = run_cli(capsys, "build", CUBA, "--place-budget", value, "--out", tmp_path)
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1].endswith(message)


def test_run_levels(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "--duration", "10", "--out", tmp_path, "-q")
    assert code == 0, err
    program = tmp_path / "cuba.ncp"
    code, out, _ = run_cli(capsys, "run", program, "--duration", "10", "-q")
    assert code == 0
    assert out.splitlines() == [line for line in out.splitlines() if line.startswith("'cuba': 100 steps in")]
    assert len(out.splitlines()) == 1
    code, out, _ = run_cli(capsys, "run", program, "--duration", "10")
    assert "'cuba' on emu (emu), 10 ms" in out and "chip activity:" in out and "Chip activity" not in out
    code, out, _ = run_cli(capsys, "run", program, "--duration", "10", "-v")
    assert "Chip activity (target's energy and time constants)" in out


def test_count_text():
    assert count_text(1200, 2000, "steps") == "1,200/2,000 steps"
    assert count_text(1200, None, "tries") == "1,200 tries"
    assert count_text(0, None, "") == ""


def test_progress_display_shows_tasks_on_a_terminal_only():
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=80, color_system=None)
    with showing(console) as reporter:
        assert isinstance(reporter, RichReporter) and progress.listening()
        with progress.stage("placement: refine", total=40, unit="sweeps") as task:
            task.update(completed=12)
            reporter.display.refresh()
    assert not progress.listening()
    assert "placement: refine" in terminal.getvalue() and "12/40 sweeps" in terminal.getvalue()
    piped = io.StringIO()
    console = Console(file=piped, width=80)
    with showing(console) as reporter:
        assert reporter is None and not progress.listening()
        progress.stage("anything", total=3).close()
    assert piped.getvalue() == ""


def test_verbose_progress_display_leaves_a_line_per_finished_task():
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=80, color_system=None)
    with showing(console, verbose=True):
        with progress.stage("float reference", total=100, unit="steps") as task:
            task.advance(100)
    assert "float reference: 100 steps in " in terminal.getvalue()
