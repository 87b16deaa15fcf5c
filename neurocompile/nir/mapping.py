r"""How NIR neuron ODEs map onto neurocompile's LIF and LI models, at the user's ``dt``.

NIR states neurons as ODEs in seconds and leaves discretisation to the back end. Our models
(see :class:`~neurocompile.LIF`) read, in ms and mV::

    tau_mem dv/dt     = -(v - v_rest) + I_syn + bias
    tau_syn dI_syn/dt = -I_syn                  I_syn += w per spike (v += w if tau_syn = 0)

**Spikes.** In NIR a spike entering a node is the signal value 1 during the one time step
``dt`` in which it happens; this is how every tool that wrote the files in the NIR paper
integrates it (Norse's ``v += dt/tau (v_leak - v + r i)``, the paper's Lava import, snnTorch),
so a spike is an impulse of area ``dt`` (seconds) times its weight. A constant signal ``c``
(an ``Affine`` bias) has the value ``c`` at every step. Voltages are dimensionless in NIR and
become mV one to one; time constants in s become ms (x 1000). With ``dt_s = dt / 1000``:

=========  ==============================================  ===================================
NIR        our model                                        weight of a spike of NIR weight w
=========  ==============================================  ===================================
LIF        LIF(tau_mem = 1000 tau, tau_syn = 0,              v jumps by ``r w dt_s / tau``
           v_rest = v_leak, v_th = v_threshold,
           v_reset = v_reset, bias = r c)
LI         LI(tau_mem = 1000 tau, tau_syn = 0,               ``r w dt_s / tau``
           v_rest = v_leak, bias = r c)
CubaLIF    LIF(tau_mem = 1000 tau_mem,                       I_syn jumps by
           tau_syn = 1000 tau_syn, v_rest = v_leak,          ``r w_in w dt_s / tau_syn``
           v_th, v_reset, bias = r w_in c)                   (``tau_syn = 0``: v jumps by
                                                            ``r w_in w dt_s / tau_mem``)
CubaLI     LI, as CubaLIF without threshold                  as CubaLIF
IF         LIF(tau_mem = inf, tau_syn = 0, v_th, v_reset)   v jumps by ``r w``
I          LI(tau_mem = inf, tau_syn = 0)                    ``r w``
=========  ==============================================  ===================================

Derivations. LIF: ``tau dv/dt = (v_leak - v) + r I`` with an impulse of area ``w dt_s`` in
``I`` makes ``v`` jump by ``r w dt_s / tau``; a constant ``I = c`` moves the resting point by
``r c``, which is our ``bias``. CubaLIF: ``tau_syn dI/dt = -I + w_in S`` makes ``I`` jump by
``w_in w dt_s / tau_syn``, and ``r I`` is our ``I_syn`` (mV). snnTorch exports set
``r = tau_mem / dt_s`` and ``w_in = tau_syn / dt_s``: then a spike raises ``I_syn`` by
``tau_mem w / dt_s`` mV, i.e. ``v`` by about ``w`` per step, which is snnTorch's own
``syn += w; mem = beta mem + syn``. A constant input ``c`` into a CubaLIF is applied as
``bias = r w_in c``, its synaptic steady state, from the first step (the ``tau_syn`` rise of
the filter is not reproduced). IF and I: NIR's ``dv/dt = r I`` has no time scale, and every
tool that reads or writes these primitives (Sinabs, Norse's IAF, lava-dl in the NIR paper)
integrates one step as ``v += r x``; we do the same, with a leak-free neuron
(``tau_mem = inf``). Such neurons cannot take a constant input (our bias acts through the
leak), which is an error.

**Thresholds and reset.** NIR spikes when ``v > v_threshold``; we spike at ``v >= v_th`` (the
same except exactly at threshold). The format does not record the reset: ``reset="zero"``
sets ``v`` to ``v_reset`` (0 unless the file gives it; files written before ``v_reset``
existed have 0), ``reset="subtract"`` subtracts ``v_threshold - v_reset``. Initial state: ``v``
at ``v_leak`` (0 for IF and I), no synaptic current.

**Delays.** Every NIR edge is instantaneous; ours take at least one step, so a network
imported from NIR runs one step later per neuron-to-neuron hop. A ``Delay`` node adds
``round(delay / dt_s)`` steps (it must be a multiple of dt).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import NetworkError
from ..models import LI, LIF, DiscreteLI, DiscreteLIF

RESETS = {"zero": "value", "subtract": "subtract"}
#: How a NIR file's ODEs are read (see :func:`map_neuron_discrete` and ``read_nir``).
SEMANTICS = ("auto", "snntorch", "norse", "sinabs", "exact")
#: Reset rule and its timing each framework uses: (reset, reset_delay, strict threshold).
FRAMEWORK_RESETS = {"snntorch": ("subtract", True, True), "norse": ("zero", False, True),
                    "sinabs": ("subtract", False, False)}

SPIKING = ("LIF", "IF", "CubaLIF")
NON_SPIKING = ("LI", "I", "CubaLI")
NEURONS = SPIKING + NON_SPIKING


@dataclass
class NeuronMap:
    """Our model for one NIR neuron node, once its constant input is known.

    ``spike_gain`` (n,) converts the NIR weight of an incoming spike into our weight (mV);
    ``const_gain`` (n,) converts a constant NIR input into our ``bias`` (mV), or is None where
    the node cannot take one.
    """

    kind: str
    size: int
    params: dict
    spike_gain: np.ndarray
    const_gain: np.ndarray | None
    spiking: bool
    discrete: bool = False

    def model(self, const_input: np.ndarray, owner: str, bias_onset: float = 0.0):
        """The model, with the node's constant input as its bias (from ``bias_onset`` ms on,
        for a discrete-time model)."""
        params = dict(self.params)
        if np.any(const_input != 0):
            if self.const_gain is None:
                k = int(np.flatnonzero(const_input)[0])
                raise NetworkError(
                    f"{owner}: receives a constant input (an Affine/Conv bias), {const_input[k]:g} "
                    f"at element {k}; a {self.kind} node has no leak, so a constant input cannot "
                    "be represented (our bias acts through the leak)")
            params["bias"] = _compact(self.const_gain * const_input)
            if self.discrete:
                params["bias_onset"] = bias_onset
        if self.discrete:
            cls = DiscreteLIF if self.spiking else DiscreteLI
        else:
            cls = LIF if self.spiking else LI
        try:
            return cls(**params)
        except NetworkError as exc:
            raise NetworkError(f"{owner}: {exc}") from None


def _compact(values: np.ndarray):
    """A scalar when all neurons share the value, else the 1-D array."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size and np.all(values == values[0]):
        return float(values[0])
    return values


def _param(node, name: str, size: int, owner: str, positive: bool = False) -> np.ndarray:
    value = getattr(node, name, None)
    if value is None:
        raise NetworkError(f"{owner}: parameter '{name}' is missing")
    try:
        arr = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise NetworkError(f"{owner}: parameter '{name}' = {value!r} is not numeric") from None
    if arr.size == 1 and size != 1:
        arr = np.full(size, float(arr[0]))
    if arr.size != size:
        raise NetworkError(f"{owner}: parameter '{name}' has {arr.size} values but the node has "
                           f"{size} neurons (shape of its other parameters)")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{owner}: parameter '{name}' must be finite")
    if positive and np.any(arr <= 0):
        raise NetworkError(f"{owner}: parameter '{name}' (a time constant, s) must be > 0, "
                           f"got min {arr.min():g}")
    return arr


def node_size(node) -> int:
    """Number of neurons of a NIR neuron node (product of its parameter shape)."""
    first = {"LIF": "tau", "LI": "tau", "CubaLIF": "tau_mem", "CubaLI": "tau_mem",
             "IF": "r", "I": "r"}[type(node).__name__]
    return int(np.asarray(getattr(node, first)).size)


def map_neuron(node, dt_ms: float, reset: str, owner: str, threshold=None) -> NeuronMap:
    """Map NIR neuron ``node`` to our model parameters (see the module docstring).

    ``threshold`` (array) turns a non-spiking I/LI/CubaLI node followed by a NIR ``Threshold``
    into a spiking neuron with that threshold.
    """
    kind = type(node).__name__
    n = node_size(node)
    dt_s = dt_ms * 1e-3
    spiking = kind in SPIKING or threshold is not None
    if kind in ("LIF", "LI"):
        tau = _param(node, "tau", n, owner, positive=True)
        r = _param(node, "r", n, owner)
        params = {"tau_mem": _compact(tau * 1e3), "tau_syn": 0.0,
                  "v_rest": _compact(_param(node, "v_leak", n, owner))}
        gain, const_gain = r * dt_s / tau, r
    elif kind in ("CubaLIF", "CubaLI"):
        tau_mem = _param(node, "tau_mem", n, owner, positive=True)
        tau_syn = _param(node, "tau_syn", n, owner)
        if np.any(tau_syn < 0):
            raise NetworkError(f"{owner}: parameter 'tau_syn' must be >= 0 s")
        r = _param(node, "r", n, owner)
        w_in = _param(node, "w_in", n, owner)
        instantaneous = tau_syn == 0
        params = {"tau_mem": _compact(tau_mem * 1e3), "tau_syn": _compact(tau_syn * 1e3),
                  "v_rest": _compact(_param(node, "v_leak", n, owner))}
        gain = r * w_in * dt_s / np.where(instantaneous, tau_mem, tau_syn)
        const_gain = r * w_in
    elif kind in ("IF", "I"):
        r = _param(node, "r", n, owner)
        params = {"tau_mem": np.inf, "tau_syn": 0.0, "v_rest": 0.0}
        gain, const_gain = r, None
    else:  # pragma: no cover - callers only pass neuron nodes
        raise NetworkError(f"{owner}: {kind} is not a neuron node")
    if spiking:
        if threshold is not None:
            # NIR's Threshold does not reset; our neurons always do, to the resting potential.
            v_th = _param_array(threshold, n, owner, "threshold")
            v_reset = np.asarray(params["v_rest"], dtype=np.float64) * np.ones(n)
        else:
            v_th = _param(node, "v_threshold", n, owner)
            v_reset = _param(node, "v_reset", n, owner) if getattr(node, "v_reset", None) is not None \
                else np.zeros(n)
        params.update(v_th=_compact(v_th), v_reset=_compact(v_reset), reset=RESETS[reset])
    return NeuronMap(kind, n, params, gain, const_gain, spiking)


def implied_dt_ms(nodes: dict) -> float | None:
    """The time step a file's neuron parameters imply, ms, or None.

    snnTorch's exporter writes ``r = tau / dt`` (LIF) and ``r = tau_mem / dt``,
    ``w_in = tau_syn / dt`` (CubaLIF), so that one step of the NIR ODE is its own update; the
    file then records its step (0.1 ms in snnTorch 0.9). The convention is taken to hold when
    every such ratio gives one ``dt`` (within 1e-3), that ``dt`` is a round number (three
    significant digits) and not every ``r`` is 1: ``r = 1`` is the physical default other
    exporters write (Norse), for which ``tau / r`` is just ``tau``. IF/I nodes have no time
    scale and imply nothing.
    """
    ratios, resistances = [], []
    for node in nodes.values():
        kind = type(node).__name__
        if kind not in ("LIF", "LI", "CubaLIF", "CubaLI"):
            continue
        r = np.ravel(np.asarray(node.r, dtype=np.float64))
        resistances.append(r)
        if kind in ("LIF", "LI"):
            ratios.append(_ratio(node.tau, r))
        else:
            ratios.append(_ratio(node.tau_mem, r))
            tau_syn = np.ravel(np.asarray(node.tau_syn, dtype=np.float64))
            w_in = np.ravel(np.asarray(node.w_in, dtype=np.float64))
            ratios.append(_ratio(np.where(tau_syn > 0, tau_syn, np.nan), np.where(w_in != 0, w_in, np.nan)))
    if any(ratio is None for ratio in ratios):
        return None  # parameters of disagreeing sizes: the mapping names the node
    values = np.concatenate(ratios) if ratios else np.zeros(0)
    values = values[~np.isnan(values)]
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        return None
    if np.max(values) > np.min(values) * (1 + 1e-3) or np.all(np.concatenate(resistances) == 1.0):
        return None
    # Files store float32: 0.1 ms comes back as 0.09999999843 ms; the exporter meant the round
    # number (durations must be multiples of dt). A ratio that is not near one (Rockpool's
    # 0.104081 ms) is no time step.
    dt_ms = float(np.median(values)) * 1e3
    rounded = float(f"{dt_ms:.3g}")
    return rounded if abs(dt_ms - rounded) <= 1e-4 * rounded else None


def _ratio(numerator, denominator) -> np.ndarray | None:
    """``numerator / denominator`` element by element (flat), or None when their sizes neither
    agree nor one is a single value."""
    a = np.ravel(np.asarray(numerator, dtype=np.float64))
    b = np.ravel(np.asarray(denominator, dtype=np.float64))
    if a.size != b.size and 1 not in (a.size, b.size):
        return None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.ravel(a / b)


def map_neuron_discrete(node, dt_ms: float, semantics: str, reset: str | None, reset_delay: bool | None,
                        owner: str, threshold=None) -> NeuronMap:
    """Map NIR neuron ``node`` to a :class:`~neurocompile.DiscreteLIF` / ``DiscreteLI``: one
    forward-Euler step of its ODE per ``dt``, the input counted in its own step.

    ``tau dv/dt = (v_leak - v) + r I`` becomes ``v <- v_leak + beta (v - v_leak) + g I`` with
    ``beta = 1 - dt/tau`` and ``g = r dt/tau``; a CubaLIF's current
    ``tau_syn di/dt = -i + w_in I`` becomes ``i <- alpha i + (w_in dt/tau_syn) I`` with
    ``alpha = 1 - dt/tau_syn``, and ``v`` takes the new ``i`` (as snnTorch's ``Synaptic``
    does). IF/I (``dv/dt = r I``): ``v <- v + r I``. With snnTorch's export convention the
    gains are 1 and the decays snnTorch's ``beta``/``alpha``. The reset follows
    :data:`FRAMEWORK_RESETS` unless ``reset`` / ``reset_delay`` (or the node's metadata) say
    otherwise; Norse is verified for LIF/LI only, Sinabs for IF/I only.
    """
    kind = type(node).__name__
    n = node_size(node)
    dt_s = dt_ms * 1e-3
    spiking = kind in SPIKING or threshold is not None
    supported = {"norse": ("LIF", "LI"), "sinabs": ("IF", "I")}.get(semantics)
    if supported is not None and kind not in supported:
        raise NetworkError(f"{owner}: semantics '{semantics}' is defined here for {'/'.join(supported)} "
                           f"nodes only (what has been checked against that framework); read {kind} "
                           "nodes with semantics='snntorch' or 'exact'")

    def decay(tau, name):
        factor = 1.0 - dt_s / tau
        # dt = tau up to the file's float32 rounding is a decay of 0, not an overshoot
        factor = np.where((factor < 0) & (factor > -1e-6), 0.0, factor)
        if np.any(factor < 0):
            raise NetworkError(f"{owner}: dt = {dt_ms:g} ms is longer than {name} = "
                               f"{float(np.min(tau)) * 1e3:g} ms, so one Euler step would overshoot "
                               f"(decay factor 1 - dt/{name} = {float(np.min(factor)):g} < 0)")
        return factor

    alpha = np.zeros(n)
    if kind in ("LIF", "LI"):
        tau = _param(node, "tau", n, owner, positive=True)
        r = _param(node, "r", n, owner)
        beta, gain, v_leak = decay(tau, "tau"), r * dt_s / tau, _param(node, "v_leak", n, owner)
    elif kind in ("CubaLIF", "CubaLI"):
        tau_mem = _param(node, "tau_mem", n, owner, positive=True)
        tau_syn = _param(node, "tau_syn", n, owner)
        if np.any(tau_syn < 0):
            raise NetworkError(f"{owner}: parameter 'tau_syn' must be >= 0 s")
        r, w_in = _param(node, "r", n, owner), _param(node, "w_in", n, owner)
        beta = decay(tau_mem, "tau_mem")
        alpha = np.where(tau_syn > 0, decay(np.where(tau_syn > 0, tau_syn, np.inf), "tau_syn"), 0.0)
        synapse_gain = np.where(tau_syn > 0, w_in * dt_s / np.where(tau_syn > 0, tau_syn, 1.0), w_in)
        gain, v_leak = r * dt_s / tau_mem * synapse_gain, _param(node, "v_leak", n, owner)
    elif kind in ("IF", "I"):
        beta, gain, v_leak = np.ones(n), _param(node, "r", n, owner), np.zeros(n)
    else:  # pragma: no cover - callers only pass neuron nodes
        raise NetworkError(f"{owner}: {kind} is not a neuron node")
    params = {"beta": _compact(beta), "alpha": _compact(alpha), "v_rest": _compact(v_leak)}
    if spiking:
        default_reset, default_delay, strict = FRAMEWORK_RESETS.get(semantics, FRAMEWORK_RESETS["snntorch"])
        metadata = node.metadata if isinstance(getattr(node, "metadata", None), dict) else {}
        rule = reset or metadata.get("reset") or default_reset
        if rule not in ("zero", "subtract", "none"):
            raise NetworkError(f"{owner}: reset '{rule}' must be 'zero', 'subtract' or 'none'")
        delayed = reset_delay if reset_delay is not None else bool(metadata.get("reset_delay", default_delay))
        strict = bool(metadata.get("strict", strict))
        if threshold is not None:
            v_th = _param_array(threshold, n, owner, "threshold")
            v_reset = np.asarray(v_leak, dtype=np.float64) * np.ones(n)
        else:
            v_th = _param(node, "v_threshold", n, owner)
            v_reset = _param(node, "v_reset", n, owner) if getattr(node, "v_reset", None) is not None \
                else np.zeros(n)
        params.update(threshold=_compact(v_th), v_reset=_compact(v_reset), reset=rule,
                      reset_delay=int(delayed), strict=int(strict))
    return NeuronMap(kind, n, params, gain, gain, spiking, discrete=True)


def _param_array(value, n, owner, name):
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size == 1:
        arr = np.full(n, float(arr[0]))
    if arr.size != n or not np.all(np.isfinite(arr)):
        raise NetworkError(f"{owner}: {name} must be finite with {n} values, got shape {np.shape(value)}")
    return arr


# -- export: our models -> NIR parameters -----------------------------------------------------

def export_neuron(pop, dt_ms: float):
    """NIR node kind, its parameters (arrays, s) and per-neuron gains for ``pop``.

    Returns ``(kind, params, spike_gain, const_gain)``: a NIR weight ``w`` into this node is our
    weight ``spike_gain * w``, a NIR constant ``c`` our bias ``const_gain * c``. ``r`` and
    ``w_in`` are chosen so that ``spike_gain`` is 1 (NIR weights equal ours): LIF/LI get
    ``r = tau / dt_s``; CubaLIF/CubaLI get ``r = 1`` and ``w_in = tau_syn / dt_s`` (snnTorch's
    convention); IF/I get ``r = 1``.
    """
    p = pop.params
    n = pop.size
    dt_s = dt_ms * 1e-3
    spiking = pop.model.spiking
    tau_mem = p["tau_mem"] * 1e-3
    tau_syn = p["tau_syn"] * 1e-3
    ones = np.ones(n)
    if np.all(np.isinf(tau_mem)):
        kind = "IF" if spiking else "I"
        params = {"r": ones.copy()}
        gain, const = ones, None
    elif np.any(np.isinf(tau_mem)):
        raise NetworkError(f"Population '{pop.name}': mixes leak-free (tau_mem = inf) and leaky "
                           "neurons; NIR needs one node type per population")
    elif np.all(tau_syn == 0):
        kind = "LIF" if spiking else "LI"
        r = tau_mem / dt_s
        params = {"tau": tau_mem, "r": r, "v_leak": p["v_rest"].copy()}
        gain, const = r * dt_s / tau_mem, r
    elif np.all(tau_syn > 0):
        kind = "CubaLIF" if spiking else "CubaLI"
        w_in = tau_syn / dt_s
        params = {"tau_syn": tau_syn, "tau_mem": tau_mem, "r": ones.copy(), "v_leak": p["v_rest"].copy(),
                  "w_in": w_in}
        gain, const = w_in * dt_s / tau_syn, w_in
    else:
        raise NetworkError(f"Population '{pop.name}': mixes instantaneous (tau_syn = 0) and "
                           "exponential synapses; NIR needs one node type per population")
    if spiking:
        params["v_threshold"] = p["v_th"].copy()
        params["v_reset"] = p["v_reset"].copy()
    return kind, params, gain, const


def export_discrete(pop, dt_ms: float):
    """NIR node kind, parameters and gains for a :class:`~neurocompile.DiscreteLIF` /
    ``DiscreteLI`` population, in snnTorch's export convention (what
    :func:`map_neuron_discrete` reads back with the same ``dt``): ``tau = dt / (1 - beta)``,
    ``r = tau / dt``; with ``alpha > 0`` a CubaLIF/CubaLI with ``tau_syn = dt / (1 - alpha)``
    and ``w_in = tau_syn / dt`` (``tau_syn = 0``, ``w_in = 1`` for neurons with ``alpha = 0``);
    ``beta = 1`` everywhere: IF/I (``r = 1``). NIR weights and constants then equal ours
    (both gains 1). Returns ``(kind, params, spike_gain, const_gain)`` as :func:`export_neuron`.
    """
    p = pop.params
    n = pop.size
    dt_s = dt_ms * 1e-3
    owner = f"Population '{pop.name}'"
    beta, alpha = np.broadcast_to(p["beta"], (n,)), np.broadcast_to(p["alpha"], (n,))
    spiking = pop.model.spiking
    ones = np.ones(n)
    if np.all(beta == 1.0):
        if np.any(alpha > 0):
            raise NetworkError(f"{owner}: beta = 1 (no leak) with alpha > 0 has no NIR node "
                               "(IF/I have no synaptic current)")
        if np.any(np.broadcast_to(p["v_rest"], (n,)) != 0):
            raise NetworkError(f"{owner}: beta = 1 (no leak) is written as a NIR IF/I node, which has "
                               f"no v_leak; v_rest = {float(np.max(np.abs(p['v_rest']))):g} mV must be 0")
        kind, params = ("IF" if spiking else "I"), {"r": ones.copy()}
    elif np.any(beta == 1.0):
        raise NetworkError(f"{owner}: mixes beta = 1 (no leak) and leaky neurons; NIR needs one node "
                           "type per population")
    else:
        tau_mem = dt_s / (1.0 - beta)
        if np.all(alpha == 0):
            kind = "LIF" if spiking else "LI"
            params = {"tau": tau_mem, "r": tau_mem / dt_s, "v_leak": np.broadcast_to(p["v_rest"], (n,)).copy()}
        else:
            kind = "CubaLIF" if spiking else "CubaLI"
            tau_syn = np.where(alpha > 0, dt_s / (1.0 - alpha), 0.0)
            params = {"tau_syn": tau_syn, "tau_mem": tau_mem, "r": tau_mem / dt_s,
                      "v_leak": np.broadcast_to(p["v_rest"], (n,)).copy(),
                      "w_in": np.where(alpha > 0, tau_syn / dt_s, 1.0)}
    if spiking:
        params["v_threshold"] = np.broadcast_to(p["threshold"], (n,)).copy()
        params["v_reset"] = np.broadcast_to(p["v_reset"], (n,)).copy()
    return kind, params, ones, ones
