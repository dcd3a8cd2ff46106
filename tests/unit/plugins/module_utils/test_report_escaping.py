# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""API-sourced text is inert in the Markdown and HTML reports: parsed, not string-matched."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _report as r
from ansible_collections.msp.autotask.plugins.module_utils import _report_changes as history

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = [
    "## Injected heading",
    "- [x] Fake ticked item",
    "```\nunclosed fence",
    "a | b | c",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "{{ lookup('env', 'HOME') }} {% if true %}x{% endif %}",
    "1. ordered",
    "> quoted",
    "+ plus item",
    "*bold* _em_ __strong__ ~~gone~~ [link](http://evil.example) ![img](x)",
    "&lt;b&gt; &#60;",
    "line one\r\nline two\u2028three",
    "evil\u202eexe.txt \u200bzero\u200dwidth\ufeff",
    "tail \\",
    "=====",
    "x" * 6000,
]


def parse(text):
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)


def inline_text(token):
    """What a reader sees of an inline token: its text, with no markup left."""
    return "".join(c.content for c in token.children if c.type in ("text", "code_inline"))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_after_a_list_marker_stays_one_plain_list_item(value):
    tokens = parse("- [ ] %s\n" % r._md(value))
    kinds = [t.type for t in tokens]
    opened = ["bullet_list_open", "list_item_open", "paragraph_open"]
    assert kinds == [*opened, "inline", *[k.replace("_open", "_close") for k in reversed(opened)]]
    (inline,) = [t for t in tokens if t.type == "inline"]
    assert [c.type for c in inline.children] == ["text"]  # no emphasis, link, image, html or code
    assert inline_text(inline) == "[ ] " + r.plain(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_a_heading_or_a_table_cell_keeps_the_structure(value):
    text = "## %s\n\n| vendor | n |\n| --- | ---: |\n| %s | 1 |\n" % (r._md(value), r._md(value))
    tokens = parse(text)
    assert [t.tag for t in tokens if t.type.endswith("_open")].count("h2") == 1
    assert [t.type for t in tokens if t.type.endswith("_open")].count("td_open") == 2
    cells = [inline_text(t) for t in tokens if t.type == "inline"]
    assert cells[0] == r.plain(value) and cells[3] == r.plain(value)


def test_hidden_and_control_characters_are_spelt_out():
    assert r.plain("a\u202eb\u200bc\x00d\n\te") == "a{U+202E}b{U+200B}c{U+0000}d e"


def test_plain_values_stay_readable():
    for value in ("propel@t1.example", "API Tracking Identifier > Integration Vendor 'X – Y'", "propel_attestations"):
        assert r._md(value) == value


def test_a_task_name_with_backticks_stays_one_code_span():
    (inline,) = [t for t in parse("at %s: x\n" % r._md_code("a `` b ` c")) if t.type == "inline"]
    assert [c.type for c in inline.children] == ["text", "code_inline", "text"]
    assert inline.children[1].content == "a `` b ` c"


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [name for name, _value in attrs if name.startswith("on")]


def test_the_html_report_gains_no_element_from_hostile_values():
    steps = list(HOSTILE)
    outcome = {
        "vendor": HOSTILE[4],
        "role": "propel",
        "parts": {"api_user": {"verification": [{"property": HOSTILE[4], "status": "missing"}], "manual_steps": steps}},
    }
    clean = dict(outcome, vendor="V", parts={"api_user": dict(outcome["parts"]["api_user"], manual_steps=["s"] * 16)})
    hostile_doc = r.build([{"host": "t", "name": HOSTILE[4], "results": [outcome]}])
    clean_doc = r.build([{"host": "t", "name": "T", "results": [clean]}])
    seen = []
    for doc in (hostile_doc, clean_doc):
        parser = Elements()
        parser.feed(r.to_html(doc))
        seen.append(parser)
    assert seen[0].tags == seen[1].tags and seen[0].handlers == []


def hostile_pair(value):
    """A previous and a current report whose tenant, vendor, drift, step and owner are all ``value``."""
    row = {"property": value, "expected": "x", "observed": value, "status": "drift"}
    row["exception"] = {"owner": value, "expires": value, "reason": value}
    part = {"verification": [row], "compliant": False, "manual_steps": [value], "attestation": "void"}
    outcome = {"vendor": value, "role": "propel", "parts": {"api_user": part}}
    before = r.build([{"host": "h", "name": value, "results": [dict(outcome, parts={})]}])
    now = r.build([{"host": value, "name": value, "results": [outcome]}, {"host": "f", "failure": {"msg": value}}])
    now["changes"] = history.changes(before, now)
    return now


@pytest.mark.parametrize("value", HOSTILE)
def test_the_changes_section_is_one_plain_list_item_per_change(value):
    doc = hostile_pair(value)
    tokens = parse(r.to_markdown(doc))
    start = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2")
    assert inline_text(tokens[start + 1]).startswith("Since the previous report")
    end = next(i for i in range(start + 3, len(tokens)) if tokens[i].type == "bullet_list_close")
    items = [t for t in tokens[start + 3 : end] if t.type == "inline"]
    expected = [r._change_text(c) for c in doc["changes"]["items"]] + ["not in this run: h"]
    assert [inline_text(t) for t in items] == [r.plain(x) for x in expected]
    assert all([c.type for c in t.children] == ["text"] for t in items)


@pytest.mark.parametrize("value", HOSTILE)
def test_the_changes_section_adds_no_html_element(value):
    hostile, clean = Elements(), Elements()
    hostile.feed(r.to_html(hostile_pair(value)))
    clean.feed(r.to_html(hostile_pair("plain")))
    assert hostile.tags == clean.tags and hostile.handlers == []


FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1", "\u200b=1"]


@pytest.mark.parametrize("value", HOSTILE + FORMULAS)
def test_every_csv_cell_is_inert(value):
    rows = list(csv.reader(io.StringIO(r.to_csv(hostile_pair(value)), newline="")))
    assert rows[0] == list(r.CSV_COLUMNS) and len(rows) == 3
    for cells in rows[1:]:
        assert len(cells) == len(r.CSV_COLUMNS)
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert "\n" not in cell and "\u202e" not in cell and "\u200b" not in cell
    tenant = next(cells for cells in rows[1:] if cells[1] != "f")
    text = r.plain(value)
    assert tenant[0] == ("'" + text if text.startswith(("=", "+", "-", "@")) else text)
