"""`make demo`: start the Autotask sandbox, look at every demo tenant through the client, stop.

Each tenant of the seed is reached the way a real run reaches it: zone discovery for the
MSP's admin API user, then queries with the tenant's internal integration code.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import yaml

from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskClient, AutotaskError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_sandbox(seed):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "sandbox"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_sandbox", "--host", "127.0.0.1", "--port", "0", "--seed", seed],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        sys.exit("the sandbox did not start")
    return proc, url


def admin_of(tenant):
    """The MSP's own API user in the seed: the one on the tenant's internal integration code."""
    for res in tenant.get("resources") or []:
        api = res.get("api_user") or {}
        if api.get("internal"):
            return res["userName"], api["secret"], tenant["internal_integration_codes"][0]
    return None


def survey(url, tenant, cache):
    creds = admin_of(tenant)
    if creds is None:
        return {"tenant": tenant["name"], "error": "no admin API user in the seed"}
    client = AutotaskClient(*creds, zone_discovery_url=url + "/atservicesrest", zone_cache_path=cache)
    try:
        users = client.query_all(
            "Resources",
            [{"op": "eq", "field": "licenseType", "value": 7}],
            include_fields=["firstName", "lastName", "userName", "isActive"],
        )
        links = client.query_all(
            "ResourceRoles", [{"op": "in", "field": "resourceID", "value": [u["id"] for u in users]}]
        )
        access = client.entity_information()
        usage = client.threshold_information()
    except AutotaskError as exc:
        return {"tenant": tenant["name"], "error": str(exc)}
    return {
        "tenant": tenant["name"],
        "ci": client.zone["ci"],
        "zone": client.zone["zoneName"],
        "api_users": [
            "%s %s (%s)" % (u["firstName"], u["lastName"], "active" if u["isActive"] else "inactive") for u in users
        ],
        "associations": len(links),
        "writable_resources": access["Resources"]["userAccessForUpdate"],
        "requests_this_hour": usage["currentTimeframeRequestCount"],
        "hourly_limit": usage["externalRequestThreshold"],
        "api_calls": client.api_calls()["total"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default=os.path.join(ROOT, "sandbox", "seeds", "demo.yml"))
    args = parser.parse_args()
    with open(args.seed, encoding="utf-8") as handle:
        seed = yaml.safe_load(handle)
    proc, url = start_sandbox(args.seed)
    print("Autotask sandbox listening on %s (%d tenants)" % (url, len(seed.get("tenants") or [])))
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for tenant in seed.get("tenants") or []:
                found = survey(url, tenant, os.path.join(tmp, "zones.json"))
                if "error" in found:
                    failures += 1
                    print("\n%s: FAILED %s" % (found["tenant"], found["error"]))
                    continue
                print("\n%s (database %s, %s)" % (found["tenant"], found["ci"], found["zone"]))
                for user in found["api_users"]:
                    print("  API user: %s" % user)
                print("  role/queue associations: %d" % found["associations"])
                print("  admin credential may update Resources: %s" % found["writable_resources"])
                print(
                    "  API calls: %d (tenant total this hour: %d of %d)"
                    % (found["api_calls"], found["requests_this_hour"], found["hourly_limit"])
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        "\nSandbox stopped. %d tenant(s) surveyed, %d failed." % (len(seed.get("tenants") or []) - failures, failures)
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
