"""Hostile names in the tenants' own data reach the fleet report inert (issue #14, item 3).

A fleet audit runs against a sandbox whose users, locations and departments carry HTML, Jinja,
Markdown breakers, bidirectional overrides, zero-width characters and a 6,000-character name.
The Markdown report is parsed with a real CommonMark parser and its structure must be exactly
the report's own; the HTML report must hold no element the report did not make. The CSV form
and the changes section have their own checks (test_hostile_exports.py).
"""

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml

from playbook import COLLECTIONS, ROOT

markdown_it = pytest.importorskip("markdown_it")

VENDOR = "AutoElevate – privilege management tools"
HOSTILE_USER = "<script>alert(1)</script>\n## Owned\n- [x] done {{ 7 * 7 }}"
HOSTILE_LOCATION = "```\n| a | b |\n> quote \u202eexe.txt\u200b {% raw %}"
HOSTILE_DEPARTMENTS = ["- [x] Approved", "# Heading <img src=x onerror=alert(2)>", "D" * 6000]


def tenant(n, **user):
    resource = {
        "id": 10,
        "firstName": "AE-Privilege Management",
        "lastName": "System",
        "email": "autoelevate@h%d.example" % n,
        "userName": "ae@h%d.example" % n,
        "locationID": 1,
        "api_user": {"secret": "p", "integration_vendor": VENDOR},
    }
    resource.update(user)
    return {
        "id": 61000 + n,
        "zone": "webservices%d" % n,
        "internal_integration_codes": ["HOSTILE-%d" % n],
        "locations": [{"id": 1, "name": HOSTILE_LOCATION}, {"id": 2, "name": "Engineering Office"}],
        "departments": [{"id": i + 1, "name": name} for i, name in enumerate(HOSTILE_DEPARTMENTS)],
        "roles": [{"id": 2, "name": "API Integration"}],
        "resources": [
            {
                "id": 9,
                "firstName": "MSP",
                "lastName": "Admin",
                "email": "a@h%d.example" % n,
                "userName": "admin@h%d.example" % n,
                "api_user": {"secret": "secret-%d" % n, "internal": True},
            },
            resource,
        ],
    }


def play(name, inventory, sandbox):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    env["AUTOTASK_TRUSTED_HOSTS"] = urlsplit(sandbox.url).netloc  # the sandbox is plain http on loopback
    return subprocess.run(
        ["ansible-playbook", os.path.join(ROOT, "playbooks", name), "-i", str(inventory)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def hostile_fleet(sandbox, tmp_path):
    sandbox.seed(
        {
            "integration_vendors": [{"name": VENDOR, "code": "VENDOR-AE"}],
            "tenants": [tenant(1, userName=HOSTILE_USER), tenant(2)],
        }
    )
    hosts = {}
    for n in (1, 2):
        hosts["hostile%d" % n] = {
            "autotask_tenant_id": 61000 + n,
            "autotask_username": "admin@h%d.example" % n,
            "autotask_secret": "secret-%d" % n,
            "autotask_integration_code": "HOSTILE-%d" % n,
            "msp_autotask_tenant_domain": "h%d.example" % n,
            "msp_autotask_vendors": ["autoelevate"],
            "autoelevate_location": "Engineering Office",
            "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
            "autotask_zone_cache_path": str(tmp_path / "zones.json"),
            "msp_autotask_report_dir": str(tmp_path / "report"),
        }
    # A department the tenant lacks: the failure message lists the tenant's (hostile) names.
    hosts["hostile2"]["autoelevate_departments"] = [{"department": "Nowhere", "role": "API Integration"}]
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"autotask_tenants": {"hosts": hosts}}))
    play("audit.yml", inventory, sandbox)
    report = tmp_path / "report"
    with open(report / "fleet-report.json", encoding="utf-8") as handle:
        doc = json.load(handle)
    return doc, (report / "fleet-report.md").read_text(encoding="utf-8"), (report / "fleet-report.html")


def test_the_hostile_data_reached_the_report(hostile_fleet):
    doc = hostile_fleet[0]
    by_host = {t["host"]: t for t in doc["tenants"]}
    steps = [s for e in by_host["hostile1"]["vendors"] for s in e["manual_steps"]]
    assert any(HOSTILE_USER in s for s in steps)  # the user name, verbatim in the JSON
    drift = [r for e in by_host["hostile1"]["vendors"] for r in e["drift"]]
    assert any(r["observed"] == HOSTILE_LOCATION for r in drift)
    assert by_host["hostile2"]["status"] == "failed"
    assert all(name in by_host["hostile2"]["failure"]["msg"] for name in HOSTILE_DEPARTMENTS)


def outline(text):
    """The Markdown's block structure: headings with their text, list items, fences, tables, HTML."""
    parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    shape = {"headings": [], "items": [], "fences": [], "tables": 0, "html": 0, "inline_markup": set()}
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            shape["headings"].append((token.tag, tokens[i + 1].content))
        elif token.type == "list_item_open":
            shape["items"].append(tokens[i + 2].content if tokens[i + 2].type == "inline" else None)
        elif token.type == "fence":
            shape["fences"].append(token.info)
        elif token.type == "table_open":
            shape["tables"] += 1
        elif token.type in ("html_block", "html_inline"):
            shape["html"] += 1
        if token.type == "inline":
            shape["inline_markup"] |= {c.type for c in token.children} - {"text", "softbreak"}
    return shape


def unescape(markdown):
    return re.sub(r"\\(.)", r"\1", markdown)


def test_the_markdown_has_exactly_the_reports_own_structure(hostile_fleet):
    doc, text = hostile_fleet[:2]
    shape = outline(text)
    expected = [("h1", doc["title"])]
    for t in doc["tenants"]:
        expected.append(("h2", "%s (%s): " % (t["name"], t["tenant_id"])))
        expected += [("h3", e["vendor"] + ": ") for e in t["vendors"] if e["role"] != "(tenant)"]
    assert [h[0] for h in shape["headings"]] == [h[0] for h in expected]
    assert all(unescape(got[1]).startswith(want[1]) for got, want in zip(shape["headings"], expected))
    # Every checklist item is one of the report's steps, none of them ticked.
    steps = [s for t in doc["tenants"] for e in t["vendors"] for s in e["manual_steps"]]
    boxes = [item for item in shape["items"] if item and item.startswith("[")]
    assert len(boxes) == len(steps) and all(item.startswith("[ ] ") for item in boxes)
    assert not any(item.startswith("[x]") or item.startswith("\\") for item in shape["items"] if item)
    blocks = [e for t in doc["tenants"] for e in t["vendors"] if e["attestation"]]
    assert shape["fences"] == ["yaml"] * len(blocks)
    assert shape["tables"] == 1 and shape["html"] == 0
    # Only the report's own markup: a bold "Failed" and the failed task's code span.
    assert shape["inline_markup"] <= {"strong_open", "strong_close", "code_inline"}
    assert "done {{ 7 * 7 }}" in unescape(text) and "done 49" not in unescape(text)  # Jinja never ran
    assert "\u202e" not in text and "\u200b" not in text and "{U+202E}" in text


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(name for name, _value in attrs))))


def test_the_html_has_no_injected_element(hostile_fleet):
    page = Elements()
    page.feed(hostile_fleet[2].read_text(encoding="utf-8"))
    tags = {tag for tag, _attrs in page.tags}
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "div", "b", "table", "thead",
        "tbody", "tr", "th", "td", "a", "section", "small", "span", "p", "code", "ul", "li", "pre",
    }  # fmt: skip
    assert not any(name.startswith("on") for _tag, attrs in page.tags for name in attrs)
    assert "<script" not in hostile_fleet[2].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "variables, culprit",
    [
        ({"email2at_queues": "Triage"}, "email2at_queues must be a list"),
        ({"email2at_departments": {"department": "Service Desk"}}, "email2at_departments"),  # the spec says so
        ({"email2at_queues": 3}, "email2at_queues must be a list"),
        ({"msp_autotask_tenant_domain": ""}, 'email2at_email is "mspintegrations@", not an address with a domain'),
    ],
)
def test_input_the_docs_call_wrong_fails_before_any_request(sandbox, tmp_path, variables, culprit):
    sandbox.seed({"integration_vendors": [{"name": VENDOR, "code": "VENDOR-AE"}], "tenants": [tenant(1)]})
    host = {
        "autotask_tenant_id": 61001,
        "autotask_username": "admin@h1.example",
        "autotask_secret": "secret-1",
        "autotask_integration_code": "HOSTILE-1",
        "msp_autotask_tenant_domain": "h1.example",
        "msp_autotask_vendors": ["email2at"],
        "autotask_zone_discovery_url": sandbox.url + "/atservicesrest",
        "autotask_zone_cache_path": str(tmp_path / "zones.json"),
        "msp_autotask_report_dir": str(tmp_path / "report"),
    }
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"autotask_tenants": {"hosts": {"hostile1": dict(host, **variables)}}}))
    proc = play("onboard.yml", inventory, sandbox)
    assert proc.returncode != 0
    with open(tmp_path / "report" / "fleet-report.json", encoding="utf-8") as handle:
        (entry,) = json.load(handle)["tenants"]
    assert entry["status"] == "failed" and culprit in entry["failure"]["msg"]
    assert sandbox.control("GET", "/tenants/61001/requests")["count"] == 0
