"""The board's mesh as a picture: per-core load and per-link spike traffic of a compiled program."""
from __future__ import annotations

import numpy as np

from ._mpl import colormap, new_figure, save


def mesh_figure(program, rates=None, load: str = "max", rates_from: str | None = None):
    """A Figure of ``program``'s placement on the board-wide tile mesh.

    Every tile is a square split into its cores, coloured by core load: ``load="max"`` (default)
    is the largest fraction of any per-core limit the core uses (neurons, synapse entries,
    fan-in axons...), or a limit name (``"neurons"``, ``"fanin_axons"``, ...). Arrows between
    tiles are the directed links, their width and colour the expected traversals per step
    under ``rates`` (population -> Hz, e.g. ``{p: result.rates(p) ...}``, and ``rates_from``
    where they come from, e.g. "chip run"; default rates otherwise), which the title names;
    with no traffic at all the figure says "no link traffic" instead of a colour bar. Thick
    lines are chip boundaries; the host port is marked at core 0.
    """
    from ..place.metrics import placement_metrics
    from ..place.routing import board_tiles

    from matplotlib import cm, colors
    from matplotlib.patches import FancyArrow, Rectangle

    target, placement = program.target, program.placement
    metrics = placement_metrics(program, rates=rates, rates_from=rates_from)
    util = metrics.utilisation
    core_load = np.max(np.stack(list(util.values())), axis=0) if load == "max" else util[load]
    rows = target.board.chip_rows * target.chip.mesh_rows
    cols = target.board.chip_cols * target.chip.mesh_cols
    cpt = target.chip.cores_per_tile
    sub_c = int(np.ceil(np.sqrt(cpt)))
    sub_r = int(np.ceil(cpt / sub_c))
    fig = new_figure((min(16, 1.2 * cols + 3), min(14, 1.2 * rows + 1.5)))
    ax = fig.subplots()
    core_cmap = colormap("Blues")
    core_norm = colors.Normalize(0.0, 1.0)
    cores = np.arange(placement.n_cores)
    t_row, t_col = board_tiles(target, cores)
    tile_size = 0.62
    cell = tile_size / max(sub_r, sub_c)
    for c in cores:
        slot = c % cpt
        x0 = t_col[c] - tile_size / 2 + (slot % sub_c) * cell
        y0 = t_row[c] - tile_size / 2 + (slot // sub_c) * cell
        used = metrics.utilisation["neurons"][c] > 0
        face = core_cmap(core_norm(core_load[c])) if used else "#f4f4f4"
        ax.add_patch(Rectangle((x0, y0), cell, cell, facecolor=face, edgecolor="#999999", lw=0.4))
        if used and cols * rows <= 256:
            ax.text(x0 + cell / 2, y0 + cell / 2, f"{core_load[c]:.0%}", ha="center", va="center",
                    fontsize=5, color="white" if core_load[c] > 0.6 else "black")
    links = metrics.link_loads
    top = float(links.max())
    link_cmap = colormap("Reds")
    link_norm = colors.Normalize(0.0, top if top > 0 else 1.0)
    shift, reach = 0.07, 1 - tile_size - 0.04
    for arr, dr, dc, sign in ((links.east, 0, 1, 1), (links.west, 0, 1, -1),
                              (links.south, 1, 0, 1), (links.north, 1, 0, -1)):
        for r, c in zip(*np.nonzero(arr)):
            value = arr[r, c]
            # the link joins tile (r, c) and (r + dr, c + dc); arrows of the two directions sit side by side
            mid_r, mid_c = r + dr / 2, c + dc / 2
            off = shift * sign
            start_r = mid_r - sign * dr * reach / 2 + (off if dc else 0)
            start_c = mid_c - sign * dc * reach / 2 + (off if dr else 0)
            ax.add_patch(FancyArrow(start_c, start_r, sign * dc * reach, sign * dr * reach,
                                    width=0.01 + 0.05 * value / top, head_width=0.02 + 0.07 * value / top,
                                    head_length=0.05, length_includes_head=True,
                                    color=link_cmap(0.25 + 0.75 * link_norm(value)), lw=0))
    for b in range(1, target.board.chip_cols):
        ax.axvline(b * target.chip.mesh_cols - 0.5, color="black", lw=2)
    for b in range(1, target.board.chip_rows):
        ax.axhline(b * target.chip.mesh_rows - 0.5, color="black", lw=2)
    ax.annotate("host", (t_col[0] - tile_size / 2, t_row[0] - tile_size / 2), xytext=(t_col[0] - 0.45, t_row[0] + 0.45),
                fontsize=7, color="darkgreen")
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("tile column (board-wide)")
    ax.set_ylabel("tile row (board-wide)")
    traffic = (f"{metrics.hop_weighted_traffic:.3g} hop-weighted traversals/step, "
               f"max link {metrics.max_link_load:.3g}/step" if top > 0 else "no link traffic")
    ax.set_title(f"{program.name} on '{target.name}' ({placement.method}): {metrics.cores_used} "
                 f"core{'s' if metrics.cores_used != 1 else ''}, {traffic} ({metrics.rates})",
                 fontsize=9)
    fig.colorbar(cm.ScalarMappable(norm=core_norm, cmap=core_cmap), ax=ax, fraction=0.04, pad=0.02,
                 label=f"core load ({load} of limits)")
    if top > 0:
        fig.colorbar(cm.ScalarMappable(norm=link_norm, cmap=link_cmap), ax=ax, fraction=0.04, pad=0.08,
                     orientation="horizontal", label="link traversals / step")
    else:  # a colour bar over 0..0 would read "1e-12"; say what the picture shows instead
        ax.text(0.5, -0.12, "no link traffic: no spike crosses a tile boundary at these rates",
                transform=ax.transAxes, ha="center", va="top", fontsize=9, color="#555555")
    fig.tight_layout()
    return fig


def plot_mesh(program, path, rates=None, load: str = "max", rates_from: str | None = None):
    """Write :func:`mesh_figure` as a PNG to ``path``; returns the path written."""
    return save(mesh_figure(program, rates, load, rates_from), path)
