"""Placement quality: the ``spectral`` placer vs the naive and off-the-shelf baselines, under the exact traffic model.

For every benchmark network and algorithm this prints cores used, limit violations (the
baselines' raw count before repair; 0 is required of ``spectral``), spike messages per step,
hop-weighted traffic (link traversals per step, inter-chip links x the target's
inter_chip_link_cost), the maximum link load, the estimated energy per step, and the placement
time. Baselines (optional: ``pip install '.[bench]'``):

* ``metis``: pymetis k-way partition of the rate-weighted traffic graph into the minimal number
  of cores (vertex weight = the neuron's largest share of a core by neurons or synapse
  entries), part i on core i; cores over a limit are split by ``neurocompile.place.repair``.
* ``mtkahypar``: Mt-KaHyPar's Steiner-tree process mapping (``map_onto_graph``) of the
  spike hypergraph (one hyperedge per neuron: itself and its targets, weight ~ rate) onto the
  graph of the same number of cores (intra-tile links 1, tile hops 10, inter-chip hops
  10 x inter_chip_link_cost); repaired the same way.

Each baseline runs with ``--baseline-runs`` seeds (default 3) and reports its best; its time is
the total of those runs. All metrics come from ``neurocompile.place.placement_metrics`` on the
repaired placement. The
``lower bound`` row is ``neurocompile.place.traffic_lower_bound``: no placement within
the per-core limits has less hop-weighted traffic (docs/placement.md section 5).

The CNN is the real Sinabs N-MNIST network of the NIR paper, read from
``../shared/nir-paper/cnn_sinabs.nir`` (relative to the project root; not part of the
repository); without that file a CNN of similar shape built in Python is used.
Usage: python bench/placement.py [--quick] [--full-microcircuit] [--large] [--only NAME ...] [--skip NET/PLACER ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import placement_networks as nets  # noqa: E402

from neurocompile.place import Placement, place, placement_metrics, repair, traffic_lower_bound  # noqa: E402
from neurocompile.place.activity import spikes_per_step  # noqa: E402
from neurocompile.place.graph import neuron_graph  # noqa: E402
from neurocompile.place.mesh_regions import compact_cores  # noqa: E402
from neurocompile.place.usage import core_usage  # noqa: E402
from neurocompile.target import Target, load_target  # noqa: E402

# Each baseline's result is its best of this many seeds: Mt-KaHyPar's result varies from run to
# run even with one thread and a fixed seed.
BASELINE_RUNS = 3


def big_core_target(fanin: int, synapses: int, name: str) -> Target:
    """The emu chip with larger cores (for the dense microcircuit, whose fan-in per core is
    close to the whole network)."""
    data = load_target("emu").to_dict()
    data["name"] = name
    data["description"] = f"emu mesh with fanin_axons={fanin}, synapse_entries={synapses} per core"
    data["core"]["fanin_axons"] = fanin
    data["core"]["synapse_entries"] = synapses
    data["core"].pop("fanout_axons", None)
    return Target.from_dict(data)


def _core_of_from_parts(network, graph, parts, cores):
    out = {}
    for p in network.populations.values():
        if p.is_source:
            out[p.name] = np.full(p.size, -1, dtype=np.int32)
        else:
            s = graph.offsets[p.name]
            out[p.name] = cores[parts[s:s + p.size]].astype(np.int32)
    return out


def _shares(graph, target):
    lim = target.core
    return np.maximum(1.0 / lim.neurons, graph.in_synapses / lim.synapse_entries)


def _int_weights(values, scale=1000):
    v = np.asarray(values, dtype=float)
    return np.maximum(1, np.rint(v / v.max() * scale)).astype(np.int64) if v.size and v.max() > 0 else np.ones(v.size, np.int64)


def baseline_metis(network, target, rates, seed):
    import pymetis

    p = spikes_per_step({q.name: (q.size, q.model) for q in network.populations.values()}, network.dt, rates)
    graph = neuron_graph(network, p, with_adjacency=True)
    share = _shares(graph, target)
    k = int(np.ceil(share.sum()))
    adj = graph.adjacency.tocsr()
    adj.setdiag(0)
    adj.eliminate_zeros()
    if k == 1:
        parts = np.zeros(graph.n, dtype=np.int64)
    else:
        opts = pymetis.Options(seed=seed)
        if hasattr(pymetis, "CSRAdjacency"):  # pymetis >= 2025.2; the xadj/adjncy form is deprecated
            graph_arg = {"adjacency": pymetis.CSRAdjacency(adj.indptr, adj.indices)}
        else:
            graph_arg = {"xadj": adj.indptr, "adjncy": adj.indices}
        _, parts = pymetis.part_graph(k, **graph_arg, eweights=_int_weights(adj.data),
                                      vweights=_int_weights(share), options=opts)
        parts = np.asarray(parts)
    return _core_of_from_parts(network, graph, parts, np.arange(target.total_cores))


def _mesh_target_graph(target, cores):
    """Edges and weights of the core graph for Mt-KaHyPar: intra-tile 1, tile hop 10, chip hop 10*c."""
    from neurocompile.place.routing import board_tiles

    cpt = target.chip.cores_per_tile
    rows, cols = board_tiles(target, cores)
    edges, weights = [], []
    index = {int(c): i for i, c in enumerate(cores)}
    for i, c in enumerate(cores):
        for j in range(i + 1, len(cores)):
            d = cores[j]
            if c // cpt == d // cpt:
                edges.append((i, j))
                weights.append(1)
            elif c % cpt == d % cpt and abs(rows[i] - rows[j]) + abs(cols[i] - cols[j]) == 1:
                h = target.hops(int(c), int(d))
                edges.append((i, j))
                weights.append(10 if h.inter_chip == 0 else int(round(10 * target.board.inter_chip_link_cost)))
    return edges, weights, index


_MTK = []


def _mtkahypar():
    """Mt-KaHyPar's initializer; one thread so that a fixed seed gives a fixed result."""
    import mtkahypar

    if not _MTK:
        _MTK.append(mtkahypar.initialize(1, False))
    return _MTK[0]


def baseline_mtkahypar(network, target, rates, seed):
    import mtkahypar

    p = spikes_per_step({q.name: (q.size, q.model) for q in network.populations.values()}, network.dt, rates)
    graph = neuron_graph(network, p, with_adjacency=False)
    share = _shares(graph, target)
    k = int(np.ceil(share.sum()))
    cores = compact_cores(target, k)
    if k == 1:
        return _core_of_from_parts(network, graph, np.zeros(graph.n, np.int64), cores)
    cpt = target.chip.cores_per_tile
    # Mt-KaHyPar maps onto at most 64 blocks: beyond that map onto tiles, then split each
    # tile's block into its cores in network order.
    by_tile = k > 64
    if by_tile:
        tiles = np.unique(cores // cpt)
        nodes = tiles * cpt
    # one hyperedge per neuron: itself and its targets (non-source neurons only)
    import scipy.sparse as sp
    from neurocompile.place.destinations import structure

    blocks = []
    for name in graph.names:
        row = []
        for other in graph.names:
            mats = [structure(pr.weights) for pr in network.projections
                    if pr.pre.name == name and pr.post.name == other]
            row.append(sum(mats[1:], mats[0]) if mats else sp.csr_matrix((graph.sizes[name], graph.sizes[other])))
        blocks.append(row)
    out = sp.bmat(blocks, format="csr") + sp.eye(graph.n, format="csr")
    out.sort_indices()
    hyperedges = [out.indices[out.indptr[i]:out.indptr[i + 1]].tolist() for i in range(graph.n)]
    rate = np.concatenate([p[n] for n in graph.names])
    mtk = _mtkahypar()
    ctx = mtk.context_from_preset(mtkahypar.PresetType.DEFAULT)
    ctx.set_mapping_parameters(nodes.size if by_tile else k, 0.03)
    ctx.logging = False
    mtkahypar.set_seed(seed)
    hg = mtk.create_hypergraph(ctx, graph.n, len(hyperedges), hyperedges,
                               _int_weights(share).tolist(), _int_weights(rate, 100).tolist())
    if not by_tile:
        edges, weights, _ = _mesh_target_graph(target, cores)
        tg = mtk.create_target_graph(ctx, k, len(edges), edges, weights)
        phg = hg.map_onto_graph(tg, ctx)
        parts = np.array([phg.block_id(v) for v in range(graph.n)])
        return _core_of_from_parts(network, graph, parts, cores)
    edges, weights, _ = _mesh_target_graph(target, nodes)
    tg = mtk.create_target_graph(ctx, nodes.size, len(edges), edges, weights)
    phg = hg.map_onto_graph(tg, ctx)
    tile_part = np.array([phg.block_id(v) for v in range(graph.n)])
    parts = np.empty(graph.n, dtype=np.int64)
    core_list = []
    for t in range(nodes.size):
        members = np.flatnonzero(tile_part == t)
        tile_cores = cores[cores // cpt == tiles[t]]
        chunks = np.array_split(members, tile_cores.size)
        for chunk, c in zip(chunks, tile_cores):
            parts[chunk] = len(core_list)
            core_list.append(c)
    return _core_of_from_parts(network, graph, parts, np.array(core_list))


def run_baseline(fn, network, target, rates, runs=BASELINE_RUNS):
    """The best of ``runs`` runs of baseline ``fn`` (seeds network.seed, +1, ...) by hop-weighted
    traffic after repair: (placement, raw violations of that run, total seconds of all runs)."""
    start = time.perf_counter()
    best = None
    for seed in range(network.seed, network.seed + runs):
        core_of = fn(network, target, rates, seed)
        raw = Placement.build(fn.__name__, core_of, target)
        raw_violations = core_usage(network, raw, target).n_violations()
        fixed = Placement.build(fn.__name__.replace("baseline_", ""), repair(network, core_of, target), target)
        traffic = placement_metrics(network, fixed, target, rates).hop_weighted_traffic
        if best is None or traffic < best[0]:
            best = (traffic, fixed, raw_violations)
    return best[1], best[2], time.perf_counter() - start


def networks(args):
    emu = load_target("emu")
    quick = args.quick
    yield "E/I sheet", "structured", nets.ei_sheet(side=120 if quick else 200), emu, None
    yield "ring attractor", "structured", nets.ring_attractor(), emu, None
    if args.large:
        yield "ring attractor 40k", "structured", nets.ring_attractor(n_exc=32000, n_inh=8000), emu, None
    yield "modular small-world", "structured", nets.modular_small_world(), emu, None
    nir_cnn = Path(__file__).resolve().parents[1] / ".." / "shared" / "nir-paper" / "cnn_sinabs.nir"
    if nir_cnn.exists():
        import neurocompile as nc

        yield "CNN (NIR, Sinabs)", "structured", nc.read_nir(nir_cnn, dt=0.1), emu, None
    else:
        yield "CNN (Python)", "structured", nets.cnn(), emu, None
    yield "CUBA 4000", "population", nets.cuba(), emu, None
    net, rates = nets.microcircuit(0.1)
    yield "microcircuit 10%", "population", net, big_core_target(16384, 1 << 20, "emu-bigcore"), rates
    if args.full_microcircuit:
        net, rates = nets.microcircuit(1.0)
        yield "microcircuit 100%", "population", net, big_core_target(131072, 1 << 23, "emu-hugecore"), rates


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full-microcircuit", action="store_true")
    parser.add_argument("--large", action="store_true",
                        help="also a 40000-neuron ring attractor that fills a chip (add --skip "
                             "'ring attractor 40k/mtkahypar': Mt-KaHyPar did not finish it in 20 min here)")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--baseline-runs", type=int, default=BASELINE_RUNS,
                        help="best of this many seeds per baseline (default %(default)s)")
    parser.add_argument("--skip", nargs="*", default=[], metavar="NETWORK/PLACER",
                        help="skip these combinations, e.g. 'CNN/mtkahypar' (Mt-KaHyPar did not finish "
                             "the 28k-neuron CNN in 25 min here)")
    args = parser.parse_args(argv)
    console = Console(width=200)
    table = Table(title="Placement benchmark (expected values per step; rates: published or default 10 Hz)")
    for col in ("network", "neurons", "synapses", "target", "placer", "cores", "violations", "msgs/step",
                "hop-weighted", "max link", "energy/step", "time s", "vs best baseline"):
        table.add_column(col, justify="right" if col not in ("network", "placer", "target") else "left")
    for label, kind, net, target, rates in networks(args):
        if args.only and not any(o.lower() in label.lower() for o in args.only):
            continue
        rows = []
        algos = [("sequential", None), ("spectral", None)]
        if not args.no_baselines:
            algos += [("metis", baseline_metis), ("mtkahypar", baseline_mtkahypar)]
        for name, fn in algos:
            if any(label.lower().startswith(k.split("/")[0].lower()) and name == k.split("/")[1]
                   for k in args.skip if "/" in k):
                console.print(f"{label}: {name} skipped (--skip)")
                continue
            try:
                if fn is None:
                    start = time.perf_counter()
                    pl = place(net, target, name, rates=rates)
                    seconds, raw = time.perf_counter() - start, None
                else:
                    pl, raw, seconds = run_baseline(fn, net, target, rates, args.baseline_runs)
            except ImportError as exc:
                console.print(f"{label}: {name} skipped ({exc})")
                continue
            except Exception as exc:  # noqa: BLE001 - report and go on with the other placers
                console.print(f"{label}: {name} failed: {type(exc).__name__}: {exc}")
                continue
            m = placement_metrics(net, pl, target, rates)
            viol = str(m.violations) if raw is None else f"{raw} raw, {m.violations} after repair"
            rows.append((name, m, viol, seconds))
            console.print(f"  {label} / {name}: {m.hop_weighted_traffic:.4g} hop-weighted in {seconds:.1f} s")
        baselines = [m.hop_weighted_traffic for n, m, _, _ in rows if n in ("metis", "mtkahypar", "sequential")]
        best = min(baselines) if baselines else None
        for name, m, viol, seconds in rows:
            ratio = f"{m.hop_weighted_traffic / best:.3f}x" if best and name == "spectral" else ""
            if best == 0 and name == "spectral":
                ratio = "=" if m.hop_weighted_traffic == 0 else "worse"
            table.add_row(label, str(net.n_neurons), str(net.n_synapses), target.name, name, str(m.cores_used),
                          viol, f"{m.messages_per_step:.4g}", f"{m.hop_weighted_traffic:.4g}",
                          f"{m.max_link_load:.3g}", f"{m.energy_per_step_pj / 1e3:.4g} nJ", f"{seconds:.1f}", ratio)
        start = time.perf_counter()
        bound = traffic_lower_bound(net, target, rates)
        seconds = time.perf_counter() - start
        ratio = f"{bound / best:.3f}x" if best else ""
        table.add_row(label, "", "", "", "lower bound", "", "", "", f"{bound:.4g}", "", "", f"{seconds:.1f}", ratio)
        table.add_section()
        console.print(table)  # the table so far, so that a long run shows every finished network


if __name__ == "__main__":
    main()
