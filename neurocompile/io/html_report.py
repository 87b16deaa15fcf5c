"""One self-contained HTML page of sections: tables, notes, warnings and figures.

What a page holds is given as :class:`Section` objects (see :mod:`neurocompile.cli.report` for
the build report); this module only writes them. The page needs nothing but itself to be
viewed: the style sheet is inline, figures are PNG images embedded as base64 ``data:`` URLs,
there is no script and no reference to another file or to the network. Every text that can
come from a user's file (names of networks, populations, projections, paths, messages) is
escaped with :func:`html.escape`; tables are rendered by :func:`neurocompile.io.tables.table_html`,
the code a notebook's ``_repr_html_`` uses, so a table reads the same in the terminal, in a
notebook and in a report.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from .tables import table_html

#: Status of a report's verdict -> (label, colour of its banner).
STATUS = {"passed": ("passed", "#1a7f37"), "warnings": ("passed with warnings", "#9a6700"),
          "failed": ("failed", "#cf222e")}

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px;
       color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; background: #ffffff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
p { margin: 6px 0; }
nav { font-size: 13px; margin: 8px 0 12px; }
nav a { margin-right: 12px; color: #0969da; text-decoration: none; }
.facts { border-collapse: collapse; margin: 8px 0; }
.facts th { text-align: left; font-weight: 600; padding: 2px 16px 2px 0; vertical-align: top; }
.facts td { padding: 2px 0; }
.verdict { color: #ffffff; padding: 8px 12px; border-radius: 6px; font-weight: 600; margin: 8px 0; }
.scroll { overflow-x: auto; margin: 10px 0 14px; }
.scroll table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
.scroll caption { padding: 4px 0; white-space: nowrap; }
.scroll th, .scroll td { border: 1px solid #d0d7de; padding: 3px 8px; white-space: nowrap; }
.scroll thead th { background: #f6f8fa; }
.scroll tbody tr:nth-child(even) { background: #fafbfc; }
.note { color: #3d444d; }
.warning { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 4px 8px; margin: 4px 0; }
.error { background: #ffebe9; border-left: 4px solid #cf222e; padding: 6px 8px; margin: 6px 0; }
.skipped { color: #6e7781; font-style: italic; }
figure { margin: 12px 0 20px; }
figure img { max-width: 100%; max-height: 760px; width: auto; height: auto; border: 1px solid #d0d7de; }
figcaption { font-size: 13px; color: #3d444d; margin-top: 4px; }
"""


@dataclass(frozen=True)
class Note:
    """A line of text; ``kind`` "note", "warning" (highlighted, prefixed "warning: ") or
    "skipped" (greyed: something the page does not show, and why)."""

    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Image:
    """A PNG figure (its bytes) with a caption; ``alt`` describes it for screen readers."""

    caption: str
    png: bytes
    alt: str = ""


@dataclass
class Section:
    """One part of the page: a heading and its blocks, in order (rich ``Table``, :class:`Note`,
    :class:`Image`). ``anchor``: its id in the page (letters, digits, dashes)."""

    title: str
    anchor: str
    blocks: list = field(default_factory=list)


def block_html(block) -> str:
    """One block as HTML (a rich Table through :func:`table_html`)."""
    if isinstance(block, Note):
        prefix = "warning: " if block.kind == "warning" else ""
        return f'<p class="{block.kind}">{prefix}{html.escape(block.text)}</p>'
    if isinstance(block, Image):
        data = base64.b64encode(block.png).decode("ascii")
        alt = html.escape(block.alt or block.caption, quote=True)
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
    return f'<div class="scroll">{table_html(block)}</div>'


def page_html(title: str, facts: list[tuple[str, str]], sections: list[Section], status: str | None = None,
              verdict: str = "", errors: list[str] = ()) -> str:
    """The whole page: ``title``; a table of ``facts`` (label, value) pairs; a banner with the
    ``verdict`` coloured by ``status`` (a key of :data:`STATUS`; None: no banner); ``errors``
    (one line each); a link to every section; then the sections."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><main>",
             f"<h1>{html.escape(title)}</h1>"]
    if facts:
        rows = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
                       for label, value in facts)
        parts.append(f'<table class="facts">{rows}</table>')
    if status is not None:
        label, colour = STATUS[status]
        parts.append(f'<div class="verdict" style="background:{colour}">{html.escape(label)}: '
                     f"{html.escape(verdict)}</div>")
    parts.extend(f'<p class="error">error: {html.escape(line)}</p>' for line in errors)
    if sections:
        links = "".join(f'<a href="#{html.escape(s.anchor, quote=True)}">{html.escape(s.title)}</a>'
                        for s in sections)
        parts.append(f"<nav>{links}</nav>")
    for section in sections:
        parts.append(f'<section id="{html.escape(section.anchor, quote=True)}">'
                     f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(block_html(block) for block in section.blocks)
        parts.append("</section>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def write_page(path, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8, folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
