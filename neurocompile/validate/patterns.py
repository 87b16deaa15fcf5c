"""Name the firing pattern of one neuron driven by a current step (Naud et al. 2008 classes).

Used to check that an AdEx neuron fires the same kind of pattern on the chip as in float
(``examples/adex_patterns.py``), where exact spike times may differ by a step or two.
"""
from __future__ import annotations

import numpy as np

#: Every label :func:`classify_pattern` returns.
PATTERN_LABELS = ("silent", "transient", "bursting", "irregular", "initial burst", "adapting",
                  "accelerating", "tonic")


def classify_pattern(spike_times, start: float, stop: float) -> str:
    """Name the firing pattern of one neuron's spike times (ms) during a step from start to stop.

    A rough classifier in the spirit of Naud et al. (2008), enough to tell the classes apart:

    * ``"silent"``: no spike; ``"transient"``: spikes in the first half of the step only;
    * ``"bursting"``: the inter-spike intervals (ISIs) of the second half fall into two groups,
      the longer at least 3x the shorter;
    * ``"irregular"``: neighbouring second-half ISIs differ by more than 30 % on average
      (mean CV2 above 0.3);
    * ``"initial burst"``: one of the first three ISIs is followed by one 3x longer;
    * else by the ratio of the mean second-half ISI to the first ISI: ``"adapting"`` (> 1.5),
      ``"accelerating"`` (< 0.67) or ``"tonic"``.

    It does not detect a delayed first spike; that needs the subthreshold trace.

    References: R. Naud et al., Biol. Cybern. 99:335-347 (2008); CV2: G. R. Holt et al.,
    J. Neurophysiol. 75:1806-1814 (1996).
    """
    if not (np.isfinite(start) and np.isfinite(stop) and stop > start):
        from ..errors import invalid
        raise invalid("classify_pattern", "stop", stop, f"must be a finite time > start = {start} ms")
    t = np.sort(np.asarray(spike_times, dtype=np.float64).ravel())
    t = t[(t >= start) & (t < stop)]
    if t.size == 0:
        return "silent"
    middle = 0.5 * (start + stop)
    late = t[t >= middle]
    if late.size == 0:
        return "transient"
    isi = np.diff(t)
    late_isi = np.diff(late) if late.size >= 3 else isi
    if late_isi.size >= 2:
        ordered = np.sort(late_isi)
        if np.max(ordered[1:] / ordered[:-1]) >= 3.0:
            return "bursting"
        # Local variation (CV2) rather than the CV: a steady trend such as adaptation has a
        # large CV but neighbouring intervals that are alike.
        cv2 = np.mean(2.0 * np.abs(np.diff(late_isi)) / (late_isi[1:] + late_isi[:-1]))
        if cv2 > 0.3:
            return "irregular"
    if isi.size >= 2 and np.any(isi[1:4] / isi[:3] >= 3.0):
        return "initial burst"
    if isi.size == 0:
        return "tonic"
    ratio = late_isi.mean() / isi[0]
    if ratio > 1.5:
        return "adapting"
    if ratio < 0.67:
        return "accelerating"
    return "tonic"
