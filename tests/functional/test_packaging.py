"""The collection as users get it: the built artifact, Galaxy's importer, ansible-doc, the EE,
the AWX credential type, ansible-runner, and the getting-started guide followed to the letter."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile

import pytest
import yaml

from playbook import ROOT

GUIDE = os.path.join(ROOT, "docs", "docsite", "rst", "getting_started.rst")
with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as _handle:
    VERSION = yaml.safe_load(_handle)["version"]
# Top-level entries a built artifact may hold; anything else is a stray file.
ALLOWED_TOP = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "CHANGELOG.rst",
    "changelogs",
    "docs",
    "execution-environment.yml",
    "extensions",
    "inventories",
    "meta",
    "playbooks",
    "plugins",
    "requirements.txt",
    "roles",
    "tests",
    ".ansible-lint",
}
PLUGINS = (
    "autotask_api_user",
    "autotask_fleet_report",
    "autotask_info",
    "autotask_protected_data",
    "autotask_psa_tickets",
    "autotask_security_level",
    "autotask_vendor_desired",
    "autotask_vendor_users",
)
ROLES = ("vendor_api_user", "propel", "email2at", "solarwinds_rmm", "autoelevate", "mindmatrix")


def run(cmd, env=None, cwd=None, timeout=600):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, "%s\n%s\n%s" % (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(["ansible-galaxy", "collection", "build", "--output-path", str(out), "--force"], cwd=ROOT)
    return out / ("msp-autotask-%s.tar.gz" % VERSION)


@pytest.fixture(scope="module")
def installed(artifact, tmp_path_factory):
    """The artifact installed alone, the way a user installs it."""
    path = tmp_path_factory.mktemp("collections")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", **isolated(path))
    # Isolated too: seeing the dev tree, ansible-galaxy would call it installed already.
    run(["ansible-galaxy", "collection", "install", "--force", str(artifact), "-p", str(path)], env=env)
    assert (path / "ansible_collections" / "msp" / "autotask" / "MANIFEST.json").exists()
    return path, env


def isolated(collections_path):
    """Only the installed artifact: Ansible also scans sys.path, where the dev tree may be."""
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "PYTHONPATH": "",
    }


def test_the_artifact_holds_no_stray_files(artifact):
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    assert {n.split("/")[0] for n in names} <= ALLOWED_TOP
    for bad in ("sandbox/", "scripts/", ".venv", "__pycache__", ".pyc", "extensions/molecule", "tests/functional"):
        assert not [n for n in names if bad in n], bad
    assert not [n for n in names if n.startswith("build/")]
    assert "roles/propel/README.md" in names and "meta/execution-environment.yml" in names


def test_galaxy_importer_accepts_the_artifact(artifact, installed, tmp_path):
    env = dict(installed[1], GALAXY_IMPORTER_CONFIG=os.path.join(ROOT, "tests", "galaxy-importer.cfg"))
    # Its ansible-lint also looks in ~/.ansible/collections, where molecule leaves a copy of the
    # collection that may be older than this artifact.
    env["HOME"] = str(tmp_path)
    # It writes importer_result.json into its working directory.
    proc = run([sys.executable, "-m", "galaxy_importer.main", str(artifact)], env=env, cwd=artifact.parent, timeout=900)
    log = proc.stdout + proc.stderr
    assert "ERROR" not in log
    warnings = [line for line in log.splitlines() if line.startswith("WARNING")]
    assert warnings == [], "\n".join(warnings)
    assert "/build/collections/" not in log  # it linted the artifact, not the dev tree


def test_ansible_doc_lists_every_plugin_and_role_with_a_description(installed):
    env = installed[1]
    listed = json.loads(run(["ansible-doc", "-l", "msp.autotask", "--json"], env=env).stdout)
    assert sorted(listed) == ["msp.autotask.%s" % p for p in PLUGINS]
    assert all(len(description.split()) >= 5 for description in listed.values()), listed
    for plugin in PLUGINS:
        run(["ansible-doc", "msp.autotask.%s" % plugin], env=env)
    roles = json.loads(run(["ansible-doc", "-t", "role", "-l", "msp.autotask", "--json"], env=env).stdout)
    assert sorted(roles) == sorted("msp.autotask.%s" % r for r in ROLES)


def test_ansible_builder_makes_the_ee_build_context(artifact, tmp_path):
    project = tmp_path / "project"
    (project / "build" / "dist").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "execution-environment.yml"), project)
    shutil.copy(artifact, project / "build" / "dist")
    context = tmp_path / "context"
    run(["ansible-builder", "create", "-f", "execution-environment.yml", "--context", str(context)], cwd=project)
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert {"name": "build/dist/msp-autotask-%s.tar.gz" % VERSION, "type": "file"} in requirements["collections"]
    assert (context / "_build" / "build" / "dist" / artifact.name).exists()
    recipe = next(p for p in context.iterdir() if p.name in ("Containerfile", "Dockerfile")).read_text()
    assert "ansible-galaxy collection install" in recipe and "introspect" in recipe


def test_the_credential_type_injects_exactly_what_the_modules_read():
    with open(os.path.join(ROOT, "extensions", "awx", "autotask_credential_type.yml"), encoding="utf-8") as handle:
        ctype = yaml.safe_load(handle)
    from ansible_collections.msp.autotask.plugins.module_utils._module import autotask_argument_spec

    spec = autotask_argument_spec()
    fallbacks = {o["fallback"][1][0]: name for name, o in spec.items() if o.get("fallback")}
    injected = ctype["injectors"]["env"]
    assert set(injected) <= set(fallbacks)
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    for env_name, template in injected.items():
        option = fallbacks[env_name]
        assert re.fullmatch(r"\{\{ %s( \|.*)? \}\}" % option, template), (env_name, template)
        # Secret inputs are exactly the no_log options.
        assert bool(fields[option].get("secret")) == bool(spec[option].get("no_log")), option
    assert ctype["kind"] == "cloud" and set(ctype["inputs"]["required"]) == {"username", "secret", "integration_code"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_sandbox():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "sandbox"))
    seed = os.path.join(ROOT, "sandbox", "seeds", "demo.yml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_sandbox", "--port", str(port), "--seed", seed],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = proc.stdout.readline().strip()
    yield url, port
    proc.terminate()
    proc.wait(timeout=10)


def guide_block(language):
    """The first code block of that language in the getting-started guide."""
    with open(GUIDE, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(r"\.\. code-block:: %s\n\n((?:      .*\n|\n)+)" % language, text)
    return "\n".join(line[6:] for line in match.group(1).splitlines())


def test_the_getting_started_guide_reaches_a_first_audit(installed, demo_sandbox, tmp_path):
    _url, port = demo_sandbox
    inventory = guide_block("yaml").replace("8765", str(port))
    (tmp_path / "first-tenant.yml").write_text(inventory)
    with open(GUIDE, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    command = next(line for line in lines if "msp.autotask.audit" in line and "ansible-playbook" in line).split()
    env = dict(installed[1], XDG_CACHE_HOME=str(tmp_path / "cache"))  # a newcomer's machine
    env.pop("AUTOTASK_TRUSTED_HOSTS", None)  # only what the guide itself says to export
    env.update(line.split()[1].split("=", 1) for line in lines if line.strip().startswith("export AUTOTASK_"))
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "trusted" in proc.stderr + proc.stdout  # naming a host that is not Autotask warns
    with open(tmp_path / "report" / "fleet-report.json", encoding="utf-8") as handle:
        report = json.load(handle)
    (contoso,) = report["tenants"]
    assert contoso["status"] == "manual" and contoso["vendors"][0]["vendor"] == "Propel Your MSP"
    markdown = (tmp_path / "report" / "fleet-report.md").read_text()
    assert "Copy Security Level" in markdown and "propel_attestations:" in markdown


def job_output(private_data_dir):
    """What the job produced (stdout, stderr, events, facts); not runner's record of its own
    input (env/, artifacts/*/command), which holds what the credential injected, as in AWX."""
    files = [p for p in (private_data_dir / "artifacts").rglob("*") if p.is_file() and p.name != "command"]
    assert any(p.name == "stdout" for p in files) and any("job_events" in p.parts for p in files)
    return "".join(p.read_text(errors="replace") for p in files)


def test_ansible_runner_audits_the_example_fleet_as_awx_would(installed, demo_sandbox, tmp_path):
    import ansible_runner

    url, _port = demo_sandbox
    inventory = tmp_path / "inventory"
    shutil.copytree(os.path.join(ROOT, "inventories", "example"), inventory)
    private = tmp_path / "runner"
    private.mkdir()
    result = ansible_runner.run(
        private_data_dir=str(private),
        playbook="msp.autotask.audit",
        inventory=str(inventory),
        envvars={
            **isolated(installed[0]),
            # What the credential type injects for the settings a fleet shares.
            "AUTOTASK_ZONE_DISCOVERY_URL": url + "/atservicesrest",
            "AUTOTASK_ZONE_CACHE_PATH": str(tmp_path / "zones.json"),
        },
        extravars={"msp_autotask_report_dir": str(tmp_path / "report")},
        cmdline="--vault-password-file %s" % os.path.join(ROOT, "inventories", "demo-vault-password.txt"),
        quiet=True,
    )
    # Tailspin's vaulted secret is out of date: the job fails, as AWX would show it, and the others finish.
    assert result.status == "failed" and result.rc == 2
    assert sorted(result.stats["failures"]) == ["tailspin"]
    assert set(result.stats["ok"]) >= {"adatum", "contoso", "fabrikam", "northwind", "woodgrove"}
    starts = [e for e in result.events if e["event"] == "playbook_on_task_start"]
    assert any(e["event_data"]["task"] == "Write the fleet report" for e in starts)
    text = job_output(private)
    assert "demo-admin-secret-contoso" not in text and "SANDBOX-INTERNAL-CONTOSO" not in text


def test_ansible_runner_one_tenant_job_with_the_credential_type_env(installed, demo_sandbox, tmp_path):
    """A one-tenant job: no secret in the inventory at all, the credential injects everything."""
    import ansible_runner

    (tmp_path / "runner").mkdir()
    url, _port = demo_sandbox
    (tmp_path / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "autotask_tenants": {
                    "hosts": {
                        # The fleet playbooks need each host's database id; the credential brings the rest.
                        "adatum": {
                            "autotask_tenant_id": 32333444,
                            "msp_autotask_vendors": ["email2at"],
                            "msp_autotask_tenant_domain": "adatum.example",
                        }
                    }
                }
            }
        )
    )
    env = {
        **isolated(installed[0]),
        "AUTOTASK_USERNAME": "msp-automation@adatum.example",
        "AUTOTASK_SECRET": "demo-admin-secret-adatum",
        "AUTOTASK_INTEGRATION_CODE": "SANDBOX-INTERNAL-ADATUM",
        "AUTOTASK_TENANT_ID": "",  # an optional field left blank renders as an empty string
        "AUTOTASK_API_URL": "",
        "AUTOTASK_ZONE_DISCOVERY_URL": url + "/atservicesrest",
        "AUTOTASK_ZONE_CACHE_PATH": str(tmp_path / "zones.json"),
    }
    result = ansible_runner.run(
        private_data_dir=str(tmp_path / "runner"),
        playbook="msp.autotask.audit",
        inventory=str(tmp_path / "hosts.yml"),
        envvars=env,
        extravars={"msp_autotask_report_dir": str(tmp_path / "report")},
        quiet=True,
    )
    assert result.status == "successful", result.stdout.read()[-3000:]
    with open(tmp_path / "report" / "fleet-report.json", encoding="utf-8") as handle:
        (adatum,) = json.load(handle)["tenants"]
    # The credential resolved to the database the inventory names (else the tenant would fail).
    assert adatum["tenant_id"] == 32333444 and adatum["vendors"][0]["role"] == "email2at"
    assert adatum["vendors"][0]["status"] != "failed" and adatum["failure"] in ({}, None)
    text = job_output(tmp_path / "runner")
    assert "demo-admin-secret-adatum" not in text and "SANDBOX-INTERNAL-ADATUM" not in text
