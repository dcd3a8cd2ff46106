"""`make demo`'s story end to end, its reports against the schema, and the HTML as a person sees it."""

import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
import yaml

from playbook import COLLECTIONS, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,  # as make demo runs it: paths outside the checkout are printed whole
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out, proc.stdout


def report(out, run):
    with open(out / ("run%d" % run) / "fleet-report.json", encoding="utf-8") as handle:
        return json.load(handle)


def statuses(doc):
    return {t["host"]: t["status"] for t in doc["tenants"]}


def test_the_demo_tells_the_whole_story(demo):
    out, stdout = demo
    assert statuses(report(out, 1)) == {
        "tailspin": "failed",
        "northwind": "drift",
        "contoso": "manual",
        # The half-done Propel user was put on the system level: userType shows it.
        "fabrikam": "drift",
        "woodgrove": "manual",
        "adatum": "compliant",
    }
    done = dict.fromkeys(("northwind", "contoso", "fabrikam", "woodgrove", "adatum"), "compliant")
    assert statuses(report(out, 2)) == dict(done, tailspin="failed")
    assert statuses(report(out, 3)) == dict(done, tailspin="failed")
    assert "Run 3: changed=0 across 6 tenants, 0 API writes" in stdout
    assert "failed: tailspin" in stdout
    # The wrong credential is named as the reason, every run.
    assert "authentication failed" in report(out, 3)["tenants"][0]["failure"]["msg"]
    # The technician's attestations came from the report and now close the UI-only gaps.
    with open(out / "inventory" / "host_vars" / "contoso" / "attestations.yml", encoding="utf-8") as handle:
        recorded = yaml.safe_load(handle)
    assert set(recorded) == {"propel_attestations", "solarwinds_rmm_attestations"}
    assert set(recorded["propel_attestations"]) == {"security_level", "api_user"}


def readme_sample():
    """The demo output README.md shows: the first ``text`` block after the Quick start."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    start = readme.index("```text\n", readme.index("## Quick start")) + len("```text\n")
    return readme[start : readme.index("```", start)]


def test_readme_shows_the_demos_real_output(demo):
    out, stdout = demo
    # The two things that differ between machines: the sandbox's port and the output folder.
    seen = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", stdout).replace(str(out), "demo-output")
    assert re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", readme_sample()) == seen


def test_each_run_says_what_changed_since_the_one_before(demo):
    out, stdout = demo
    assert report(out, 1)["changes"] is None
    second = report(out, 2)["changes"]
    assert second["better"] >= 4 and second["worse"] == 0
    assert {c["host"] for c in second["items"] if c["newly_compliant"]} >= {"contoso", "woodgrove", "northwind"}
    assert report(out, 3)["changes"]["items"] == []  # nothing moved between runs 2 and 3
    assert "since run 1: 0 worse, %d better" % second["better"] in stdout
    with open(out / "run2" / "fleet-report.md", encoding="utf-8") as handle:
        assert "## Since the previous report (onboard," in handle.read()


def test_every_report_matches_the_published_schema(demo):
    with open(os.path.join(ROOT, "docs", "fleet-report.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    for run in (1, 2, 3):
        jsonschema.validate(report(demo[0], run), schema)


def test_no_secret_reaches_any_output(demo):
    out, stdout = demo
    with open(os.path.join(ROOT, "sandbox", "seeds", "demo.yml"), encoding="utf-8") as handle:
        seed = yaml.safe_load(handle)
    secrets = [r["api_user"]["secret"] for t in seed["tenants"] for r in t["resources"] if r.get("api_user")]
    secrets += [c for t in seed["tenants"] for c in t["internal_integration_codes"]]
    assert len(secrets) > 10
    texts = {"stdout": stdout}
    for folder, _dirs, files in os.walk(out):
        for name in files:
            if name != "vault.yml":  # encrypted; it is where the secrets belong
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                    texts[os.path.join(folder, name)] = handle.read()
    leaks = [(where, s) for where, text in texts.items() for s in secrets if s in text]
    assert leaks == []


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs Debian's chromium package first")
        pytest.skip("chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_the_html_report_reads_at_a_glance(demo, browser):
    out = demo[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((out / "run1" / "fleet-report.html").as_uri())
    assert page.title() == "Autotask fleet report"
    # The matrix is on the first screen: every tenant a row, every vendor a column.
    matrix = page.locator("#matrix")
    assert matrix.is_visible() and matrix.bounding_box()["y"] < 900
    assert page.locator("#matrix tbody tr").count() == 6
    headers = page.locator("#matrix thead th").all_inner_texts()
    assert headers[1:] == ["AutoElevate", "Mindmatrix", "MSPintegrations Email2AT", "Propel Your MSP", "SolarWinds RMM"]

    def cell(tenant, vendor):
        return page.locator('#matrix tr[data-tenant="%s"] td[data-vendor="%s"]' % (tenant, vendor))

    def colour(locator):
        return locator.evaluate("e => getComputedStyle(e).backgroundColor")

    # Each state reads as words and as a distinct colour.
    seen = {
        "failed": cell("tailspin", "propel"),
        "drift (changed)": cell("northwind", "propel"),
        "needs manual steps": cell("contoso", "propel"),
        "compliant": cell("adatum", "email2at"),
    }
    for text, locator in seen.items():
        assert locator.inner_text() == text
    assert len({colour(locator) for locator in seen.values()}) == 4
    assert cell("tailspin", "email2at").inner_text() == "–"  # not a vendor of that tenant
    assert page.locator("#count-failed").inner_text().split() == ["1", "failed"]
    # The failure's reason and a tenant's checklist are on the page, readable.
    page.locator('a[href="#t-tailspin"]').click()
    assert page.locator("#t-tailspin .error").is_visible()
    assert "authentication failed" in page.locator("#t-tailspin .error").inner_text()
    steps = page.locator("#t-contoso ul.steps li")
    assert steps.count() >= 20 and steps.first.is_visible()
    assert "Copy Security Level" in steps.first.inner_text()
    assert "propel_attestations:" in page.locator("#t-contoso pre").first.inner_text()
    # Nothing spills sideways on a laptop screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(out / "run1" / "fleet-report.png"), full_page=False)
    page.close()
