"""The HTML page writer: every text escaped, tables through the notebook's table code, figures
embedded, nothing outside the file referenced."""
from __future__ import annotations

import base64

from rich.table import Table

from neurocompile.io.html_report import Image, Note, Section, page_html, write_page
from neurocompile.io.tables import table_html

EVIL = '<script>alert("x")</script>&'


def test_every_text_is_escaped_and_the_page_stands_alone(tmp_path):
    table = Table(title=EVIL)
    table.add_column(EVIL)
    table.add_row(EVIL)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    sections = [Section(EVIL, "part-1", [Note(EVIL), Note(EVIL, "warning"), Note(EVIL, "skipped"), table,
                                         Image(EVIL, png, alt=EVIL)])]
    page = page_html(EVIL, [(EVIL, EVIL)], sections, "failed", EVIL, [EVIL])
    assert "<script>" not in page and 'alert("x")' not in page
    # title and heading, a fact (2), verdict, error, link, section heading, 3 notes, the table's
    # caption, header and cell, the image's alt text and caption
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;") == 16
    assert table_html(table) in page  # the table a notebook shows, unchanged
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    assert 'href="#part-1"' in page and 'id="part-1"' in page
    assert "http" not in page and "<link" not in page and "<script" not in page
    path = write_page(tmp_path / "new" / "page.html", page)
    assert path.read_text(encoding="utf-8") == page


def test_a_section_rule_of_a_rich_table_is_kept():
    table = Table()
    table.add_column("x")
    table.add_row("a")
    table.add_section()
    table.add_row("b")
    rows = table_html(table).split("<tr")
    assert "border-top" not in rows[2] and "border-top" in rows[3]
