"""``compile``: quantize -> place -> route, producing a :class:`~neurocompile.program.Program`."""
from __future__ import annotations

from ..errors import BuildError
from ..place import DEFAULT_PLACER, RENAMED_PLACERS, core_usage, place, route_tables
from ..place.destinations import destination_matrices
from ..quantize import quantize
from ..target import Target, load_target
from .program import Program


def compile(network, target="emu", *, strict: bool = False, placer: str = DEFAULT_PLACER,  # noqa: A001
            rates=None) -> Program:
    """Compile ``network`` for ``target`` (a built-in name, a TOML path or a Target).

    Args:
        strict: make every clipped value during quantization an error (else a warning).
        placer: placement algorithm, a key of ``neurocompile.place.PLACERS`` (``"spectral"``,
            the default, or ``"sequential"``; ``"ours"`` is the deprecated name of ``"spectral"``).
        rates: optional population name -> firing rate in Hz (scalar or per neuron), e.g. from a
            float reference run (``{p: ref.rates(p) for p in ...}``); the placer weights spike
            traffic by it (activity-aware placement). Without it rates are uniform.
    """
    from .. import __version__

    tgt = target if isinstance(target, Target) else load_target(target)
    quantized = quantize(network, tgt, strict=strict)
    placement = place(network, tgt, placer, rates=rates)
    destinations = destination_matrices(network, placement.core_of, placement.n_cores)
    usage = core_usage(network, placement, tgt, destinations)
    broken = usage.violations()
    if broken:  # a placer bug, never a user error: placers must respect every limit
        raise BuildError(f"placement '{placer}' violates target limits: {'; '.join(broken[:5])}")
    routes = route_tables(network, placement, tgt, destinations)
    sources = {p.name: p.model for p in network.populations.values() if p.is_source}
    probes = tuple((p.population.name, p.indices, p.variable) for p in network.probes)
    info = {"neurocompile_version": __version__, "placer": RENAMED_PLACERS.get(placer, placer), "strict": strict,
            "seed": network.seed}
    return Program(network.name, tgt, quantized, placement, routes, usage, sources, probes, info)
