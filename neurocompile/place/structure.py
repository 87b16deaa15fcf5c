"""Whether a network's connectivity has structure a placer can use, judged by one cheap cut.

A random split of the neurons into halves cuts about half of the traffic graph's weight,
whatever the network. A network with spatial, modular or layered structure can be cut far
more cheaply along its spectral coordinates: a sheet, a ring or a modular network keeps 3-6 %
of that, a convolutional network 14-27 %, the cortical microcircuit (10 %) 68 %. A random
network keeps 86-94 % (measured on the networks of bench/placement.py and the 50,000-neuron
random network bench/networks/random_50k.py): no coordinate set can then place talking
neurons together, and the bisections and whole-core swaps would spend their time for nothing.

:func:`cut_ratio` is that comparison: the least traffic cut at the balanced split along the
two principal axes a bisection tries first (:func:`.bisection.cut_orders`), over the traffic
a random balanced split cuts. It costs two passes over the traffic graph.
"""
from __future__ import annotations

import numpy as np

from .bisection import cut_orders, cut_profile

#: At or above this :func:`cut_ratio` the connectivity counts as unstructured.
UNSTRUCTURED_CUT_RATIO = 0.8


def cut_ratio(graph, coords: np.ndarray) -> float | None:
    """Least traffic cut into halves along the two principal axes of ``coords`` ((n, d)
    coordinates of the neurons of ``graph``), as a fraction of the traffic a random split into
    halves cuts (half of all); None when the graph has no traffic between placed neurons or
    fewer than 4 neurons.

    Units: traffic in expected spikes per step; the ratio is dimensionless (0: the halves do
    not talk, 1: no better than random).
    """
    adjacency = graph.adjacency
    if adjacency is None or adjacency.nnz == 0 or graph.n < 4:
        return None
    # each undirected edge is stored twice; a neuron's synapses onto itself are never cut
    total = (float(adjacency.sum()) - float(adjacency.diagonal().sum())) / 2.0
    if total <= 0:
        return None
    members = np.arange(graph.n)
    scratch = np.full(graph.n, -1, dtype=np.int64)
    half = graph.n // 2
    orders = cut_orders(coords)[:2]  # the principal axes; the diagonals between them add little
    cut = min(float(cut_profile(adjacency, members, order, scratch)[half]) for order in orders)
    return cut / (0.5 * total)
