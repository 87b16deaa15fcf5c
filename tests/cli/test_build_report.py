"""``neurocompile build --report FILE.html``: one self-contained page with the build's tables,
warnings, verdict and figures. The page is parsed (html.parser) and checked for what it must
hold: every table the build prints, the verdict, one embedded PNG per figure the network has
data for, and no reference to anything outside the file."""
from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from tests.helpers import EXAMPLES_DIR, run_cli, write_text

pytest.importorskip("matplotlib")

#: Spikes of 'a' and v of three of its neurons probed: every figure has something to show.
PROBED_NET = """
import neurocompile as nc
net = nc.Network("tiny", dt=0.1)
lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0, refractory=2.0)
src = net.population("input", 20, nc.PoissonSource(200.0, seed=1))
a = net.population("a", 30, lif)
b = net.population("b", 10, lif)
net.connect(src, a, nc.FixedProbability(0.5, seed=2), weight=4.0)
net.connect(a, b, nc.FixedProbability(0.5, seed=3), weight=3.0)
net.probe(a, "spikes")
net.probe(a[:3], "v")
"""

#: Nothing probed: only the rate scatter and the mesh can be drawn.
UNPROBED_NET = PROBED_NET.split('net.probe(a, "spikes")')[0]


class Page(HTMLParser):
    """What the tests look at in a page: images, captions, tables' headers, every URL, text."""

    def __init__(self, text: str):
        super().__init__()
        self.images, self.captions, self.headers, self.urls, self.tags = [], [], [], [], []
        self.text_parts: list[str] = []
        self._in = None
        self.feed(text)
        self.text = " ".join(self.text_parts)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href", "action", "data"):
            if key in attrs:
                self.urls.append(attrs[key])
        if tag == "img":
            self.images.append(attrs)
        if tag in ("caption", "th"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._in == "caption":
            self.captions.append(data)
        elif self._in == "th":
            self.headers.append(data)


def build_report(capsys, tmp_path, net_text: str, *options, name="net.py"):
    net_file = write_text(tmp_path / name, net_text)
    report = tmp_path / "out" / "report.html"
    code, out, err = run_cli(capsys, "build", net_file, "--duration", "100", "--out", tmp_path / "build",
                             "--report", report, *options)
    return code, out, err, report


def test_report_holds_every_table_the_verdict_and_one_figure_per_kind(capsys, tmp_path):
    code, out, err, report = build_report(capsys, tmp_path, PROBED_NET)
    assert code == 0, err
    assert f"wrote {report}" in out
    page = Page(report.read_text(encoding="utf-8"))
    # the tables the build prints, by their titles
    for title in ("Network 'tiny'", "Projections", "Memory estimate", "Float reference, 100 ms",
                  "Resources on target 'emu'", "Quantization: populations", "Quantization: projections",
                  "Placement (spectral)", "Chip (emu), 100 ms", "Chip activity", "Float vs chip over 100 ms",
                  "Distributions", "Probed state: RMS error"):
        assert any(c.startswith(title) for c in page.captions), (title, page.captions)
    assert "rate chip Hz" in page.headers and "judged by" in page.headers
    assert re.search(r"(passed|passed with warnings): every population", page.text)
    # spikes and v probed: raster, rates over time, rate scatter, traces and the mesh
    assert len(page.images) == 5
    assert page.tags.count("svg") == 0
    for image in page.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(image["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(image["alt"] for image in page.images) == sorted(
        f"{kind} figure" for kind in ("raster", "rates_time", "rates", "traces", "mesh"))
    # self-contained: no URL but the embedded images and the page's own anchors
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in page.urls)
    assert not re.search(r"https?://|<script|<link|@import|url\(", report.read_text(encoding="utf-8"))


def test_figures_without_data_are_named_not_drawn(capsys, tmp_path):
    code, _, err, report = build_report(capsys, tmp_path, UNPROBED_NET)
    assert code == 0, err
    page = Page(report.read_text(encoding="utf-8"))
    assert sorted(image["alt"] for image in page.images) == ["mesh figure", "rates figure"]
    assert "Spike rasters: not drawn, no population's spikes were probed" in page.text
    assert "Probed state variables: not drawn, no state variable was probed" in page.text


def test_names_from_user_files_are_escaped(capsys, tmp_path):
    folder = tmp_path / '<script>alert("x")&'
    folder.mkdir()
    text = PROBED_NET + 'net.provenance = {"source": "<img src=x onerror=alert(1)>"}\n'
    code, _, err, report = build_report(capsys, folder, text)
    assert code == 0, err
    markup = report.read_text(encoding="utf-8")
    assert "<script>" not in markup and "<img src=x" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&amp;" in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup


def test_a_failed_build_still_writes_its_report_with_the_error(capsys, tmp_path):
    """A zero tolerance fails on any rate difference: exit 1, and the page says why (the
    network and its seed are fixed, so its chip rates differ from float on every run)."""
    code, out, err, report = build_report(capsys, tmp_path, PROBED_NET, "--tolerance", "0")
    assert code == 1 and err.startswith("error: validation failed")
    page = Page(report.read_text(encoding="utf-8"))
    assert "failed: the chip rate of" in page.text
    assert "error: validation failed (--tolerance 0)" in page.text
    assert any(c.startswith("Float vs chip") for c in page.captions)
    assert "(the build stopped with an error)" in out


def test_a_build_stopped_before_any_run_reports_what_it_reached(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROCOMPILE_MEMORY_LIMIT", "1M")
    code, _, err, report = build_report(capsys, tmp_path, PROBED_NET)
    assert code == 1 and "needs about" in err
    page = Page(report.read_text(encoding="utf-8"))
    assert "failed: the build stopped" in page.text
    assert any(c.startswith("Network 'tiny'") for c in page.captions)
    assert not page.images


def test_a_report_path_that_cannot_be_written_stops_the_build_first(capsys, tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    code, out, err = run_cli(capsys, "build", EXAMPLES_DIR / "cuba.py", "--out", tmp_path, "--report", folder)
    assert code == 1
    assert err.strip() == f"error: build: --report '{folder}' is a folder; give a file name, e.g. " \
                          f"'{folder / 'report.html'}'"
    assert "1. load" not in out  # nothing ran
