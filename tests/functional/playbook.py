"""Run a real ansible-playbook against the sandbox and return what each task registered."""

import json
import os
import subprocess
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
# The sandbox listens on loopback over http, outside Autotask's API domain: the collection sends
# credentials there only when told to (trusted_hosts, #14). Every functional test imports this
# module, so this one line tells every playbook and client the tests start.
os.environ.setdefault("AUTOTASK_TRUSTED_HOSTS", "127.0.0.1")


def auth_defaults(sandbox, admin, tenant, overrides=None):
    """module_defaults for the group: the admin credential, the sandbox's discovery host, no zone cache."""
    base = dict(admin, zone_discovery_url=sandbox.url + "/atservicesrest", zone_cache_path="/dev/null/none")
    base["tenant_id"] = tenant
    base.update(overrides or {})
    return base


def run_tasks(tasks, defaults=None, check=False, diff=False, extra_env=None, verbosity=0, expect_failure=False):
    """Each task registers ``r<N>``; returns (results list, completed process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        body = []
        for n, task in enumerate(tasks):
            task = dict(task, register="r%d" % n, ignore_errors=True)
            body.append(task)
        names = ", ".join("'r%d': r%d" % (n, n) for n in range(len(tasks)))
        body.append(
            {
                "name": "save results",
                "delegate_to": "localhost",
                "check_mode": False,
                "ansible.builtin.copy": {"content": "{{ {%s} | to_json }}" % names, "dest": out, "mode": "0600"},
            }
        )
        play = [
            {
                "hosts": "localhost",
                "gather_facts": False,
                # connection: local runs modules with the controller's own Python
                "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                "module_defaults": {"group/msp.autotask.autotask": defaults or {}},
                "tasks": body,
            }
        ]
        path = os.path.join(tmp, "play.yml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(play, handle, sort_keys=False)
        cmd = ["ansible-playbook", path, "-i", "localhost,", "-c", "local"]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCALHOST_WARNING="False",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
        )
        env.update(extra_env or {})
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, timeout=300)
        if expect_failure:
            # A failure inside an included role ends the play; its output is what to inspect.
            assert proc.returncode != 0, proc.stdout[-3000:]
            return None, proc
        if not os.path.exists(out):
            raise AssertionError("playbook did not finish:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
        with open(out, encoding="utf-8") as handle:
            results = json.load(handle)
        return [results["r%d" % n] for n in range(len(tasks))], proc
