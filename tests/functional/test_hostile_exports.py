"""The outputs issue #16 added (the CSV, the changes since the last run) keep the hostile-seed
discipline: hostile names from the tenants' own data reach them inert (see test_hostile_seed)."""

import csv
import json

from test_hostile_seed import (
    HOSTILE_DEPARTMENTS,
    Elements,
    hostile_fleet,  # noqa: F401 (a fixture)
    outline,
    play,
    unescape,
)

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
HIDDEN = ("\u202e", "\u200b", "\n", "\r")


def test_every_csv_cell_of_the_hostile_fleet_is_one_inert_line(hostile_fleet):  # noqa: F811
    folder = hostile_fleet[2].parent
    with open(folder / "fleet-report.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + sum(len(t["vendors"]) for t in hostile_fleet[0]["tenants"])
    for cells in rows:
        assert all(not cell.startswith(FORMULA_LEAD) for cell in cells), cells
        assert all(not any(h in cell for h in HIDDEN) for cell in cells), cells
    failure = next(cells for cells in rows if cells[1] == "hostile2")[-1]
    assert all(name in failure for name in HOSTILE_DEPARTMENTS)  # there, as plain text


def test_the_changes_section_of_the_hostile_fleet_adds_no_structure(hostile_fleet, sandbox):  # noqa: F811
    _doc, first_md, html_path = hostile_fleet
    tmp = html_path.parent.parent
    sandbox.control("PATCH", "/tenants/61001/entities/Resources/10", {"locationID": 2})  # hostile1 now as desired
    play("audit.yml", tmp / "hosts.yml", sandbox)
    with open(html_path.parent / "fleet-report.json", encoding="utf-8") as handle:
        doc = json.load(handle)
    changes = doc["changes"]
    assert [c["host"] for c in changes["items"]] == ["hostile1"]
    before, after = outline(first_md), outline((html_path.parent / "fleet-report.md").read_text(encoding="utf-8"))
    # One heading and one list item per change more than the first run's, and nothing else.
    assert after["headings"][0] == before["headings"][0]
    assert after["headings"][1][0] == "h2" and after["headings"][1][1].startswith("Since the previous report")
    assert [h[0] for h in after["headings"][2:]] == [h[0] for h in before["headings"][1:]]
    # The change is the first list item, plain text; every checkbox is one of the report's steps, unticked.
    assert unescape(after["items"][0]).startswith("better: hostile1, AutoElevate: drift -> needs manual steps")
    steps = [s for t in doc["tenants"] for e in t["vendors"] for s in e["manual_steps"]]
    boxes = [item for item in after["items"] if item and item.startswith("[")]
    assert len(boxes) == len(steps) and all(item.startswith("[ ] ") for item in boxes)
    assert after["fences"] == before["fences"] and after["tables"] == 1 and after["html"] == 0
    assert after["inline_markup"] <= {"strong_open", "strong_close", "code_inline"}
    page = Elements()
    page.feed(html_path.read_text(encoding="utf-8"))
    assert not any(name.startswith("on") for _tag, attrs in page.tags for name in attrs)
    assert {tag for tag, _attrs in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "div", "b", "table", "thead",
        "tbody", "tr", "th", "td", "a", "section", "small", "span", "p", "code", "ul", "li", "pre",
    }  # fmt: skip
