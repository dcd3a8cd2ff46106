"""The control plane under /_sandbox: seed, inspect, inject faults, play the technician.

It is for tests and the demo. Nothing in the collection's plugins may call it; the real
Autotask has no such thing.
"""

import re

from . import catalog
from .state import SeedError

ROUTES = []


def route(method, pattern):
    def wrap(fn):
        ROUTES.append((method, re.compile("^/_sandbox" + pattern + "$"), fn))
        return fn

    return wrap


def control(sb, method, path, params, body, base):
    for verb, regex, fn in ROUTES:
        match = regex.match(path.rstrip("/"))
        if match and verb == method:
            with sb.lock:
                return fn(sb, body or {}, base, params, **match.groupdict())
    return 404, {"errors": ["no control route %s %s" % (method, path)]}


@route("GET", "/health")
def health(sb, body, base, params):
    return 200, {"ok": True, "tenants": len(sb.tenants)}


@route("POST", "/seed")
def seed(sb, body, base, params):
    """Replace every tenant with the seed document in the body."""
    sb.load(body)
    return 200, {"tenants": sorted(sb.tenants)}


@route("POST", "/reset")
def reset(sb, body, base, params):
    """Back to the seed the server was started with (or last seeded with)."""
    sb.load(sb.seed_doc)
    return 200, {"tenants": sorted(sb.tenants)}


@route("POST", "/tenants")
def add_tenant(sb, body, base, params):
    tenant = sb.add_tenant(body)
    return 200, {"id": tenant.id, "url": sb.zone_url(base, tenant)}


@route("GET", "/tenants")
def list_tenants(sb, body, base, params):
    """The fleet's tenants; the MSP's own tenant (seed ``msp_tenant``) apart, under ``msp_tenant``."""

    def entry(t):
        return {"id": t.id, "name": t.name, "zone": t.zone, "url": sb.zone_url(base, t)}

    msp = sb.tenants.get(sb.msp_tenant_id) if sb.msp_tenant_id is not None else None
    return 200, {
        "tenants": [entry(t) for t in sb.tenants.values() if t.id != sb.msp_tenant_id],
        "msp_tenant": entry(msp) if msp else None,
    }


@route("GET", r"/tenants/(?P<tid>\d+)/entities/(?P<entity>\w+)")
def ui_list(sb, body, base, params, tid, entity):
    """Every row of one entity as stored (e.g. the MSP tenant's tickets), for assertions."""
    tenant = sb.tenant(tid)
    if entity not in catalog.ENTITIES:
        raise SeedError("unknown entity %s" % entity)
    rows = sorted(tenant.records[entity].values(), key=lambda r: r["id"])
    return 200, {"items": rows, "count": len(rows)}


@route("GET", r"/tenants/(?P<tid>\d+)")
def tenant_state(sb, body, base, params, tid):
    tenant = sb.tenant(tid)
    state = tenant.to_dict()
    state["url"] = sb.zone_url(base, tenant)
    state["requests_this_hour"] = sb.used(tenant)
    return 200, state


@route("GET", r"/tenants/(?P<tid>\d+)/requests")
def requests_log(sb, body, base, params, tid):
    tenant = sb.tenant(tid)
    log = tenant.log
    if params.get("writes") in ("1", "true"):
        log = [e for e in log if e["method"] in ("POST", "PUT", "PATCH", "DELETE") and "/query" not in e["path"]]
    return 200, {"requests": log, "count": len(log)}


@route("DELETE", r"/tenants/(?P<tid>\d+)/requests")
def clear_log(sb, body, base, params, tid):
    sb.tenant(tid).log.clear()
    return 200, {"cleared": True}


@route("GET", "/requests")
def all_requests(sb, body, base, params):
    return 200, {"by_tenant": {str(t.id): len(t.log) for t in sb.tenants.values()}, "unrouted": sb.log_unrouted}


@route("DELETE", "/requests")
def clear_all(sb, body, base, params):
    for tenant in sb.tenants.values():
        tenant.log.clear()
    sb.log_unrouted.clear()
    return 200, {"cleared": True}


@route("GET", "/stats")
def stats(sb, body, base, params):
    return 200, {
        "peak_concurrency": max(sb.peak.values(), default=0),
        "refused_threads": sb.refused_threads,
        "requests_this_hour": {str(t.id): sb.used(t) for t in sb.tenants.values()},
    }


@route("PUT", "/faults")
def set_faults(sb, body, base, params):
    """Faults and latency, globally or (with ``tenant``) for one tenant; an empty body clears them."""
    target = body.pop("tenant", None)
    unknown = set(body) - {
        "429",
        "500",
        "503",
        "drop",
        "drop_after_write",
        "retry_after",
        "latency_ms",
        "latency_jitter_ms",
        "latency_spike_rate",
        "latency_spike_ms",
    }
    if unknown:
        raise SeedError("unknown fault settings: %s" % ", ".join(sorted(unknown)))
    if target is None:
        sb.global_faults = dict(body)
    else:
        sb.tenant(target).faults = dict(body)
    return 200, {"faults": body}


@route("PUT", "/settings")
def set_settings(sb, body, base, params):
    for key in ("hourly_limit", "concurrency_limit", "page_size", "slow_page_ms"):
        if key in body:
            sb.settings[key] = int(body[key])
    return 200, {"settings": sb.settings}


# -- the technician: UI-only actions ----------------------------------------------------------


@route("POST", r"/tenants/(?P<tid>\d+)/security-levels")
def create_level(sb, body, base, params, tid):
    """Right-click > Copy Security Level (``copy_from``), name it, set rows."""
    level = sb.tenant(tid).create_security_level(body)
    return 200, level.to_dict()


@route("PATCH", r"/tenants/(?P<tid>\d+)/security-levels/(?P<name>.+)")
def edit_level(sb, body, base, params, tid, name):
    level = sb.tenant(tid).edit_security_level(name, body)
    return 200, level.to_dict()


@route("POST", r"/tenants/(?P<tid>\d+)/api-users")
def create_api_user(sb, body, base, params, tid):
    """Admin > Resources (Users) > New API User; Generate Key and Secret."""
    record, api = sb.tenant(tid).create_api_user(body)
    return 200, {
        "id": record["id"],
        "userName": record["userName"],
        "secret": api["secret"],
        "security_level": api["security_level"],
        "integration_vendor": api["integration_vendor"],
    }


@route("PATCH", r"/tenants/(?P<tid>\d+)/api-users/(?P<rid>\d+)")
def edit_api_user(sb, body, base, params, tid, rid):
    """Security tab: security level, API tracking identifier, a new secret."""
    tenant = sb.tenant(tid)
    if int(rid) not in tenant.api_users:
        raise SeedError("resource %s is not an API user" % rid)
    api = tenant.set_api_user(int(rid), body)
    return 200, {k: v for k, v in api.items() if k != "secret"}


@route("PUT", r"/tenants/(?P<tid>\d+)/protected-data/(?P<rid>\d+)")
def set_protected(sb, body, base, params, tid, rid):
    """Admin > Resources/Users (HR) > Security > Protected Data Permission: one resource's boxes."""
    tenant = sb.tenant(tid)
    if int(rid) not in tenant.records["Resources"]:
        raise SeedError("no resource %s" % rid)
    return 200, tenant.set_protected(int(rid), body)


@route("PATCH", r"/tenants/(?P<tid>\d+)/entities/(?P<entity>\w+)/(?P<rid>\d+)")
def ui_edit(sb, body, base, params, tid, entity, rid):
    """Any edit a person makes in the UI (e.g. deactivate a user), bypassing API rules."""
    tenant = sb.tenant(tid)
    if entity not in catalog.ENTITIES:
        raise SeedError("unknown entity %s" % entity)
    record = tenant.records[entity].get(int(rid))
    if record is None:
        raise SeedError("no %s %s" % (entity, rid))
    record.update({k: v for k, v in body.items() if k in catalog.ENTITIES[entity].fields and k != "id"})
    return 200, record


@route("POST", r"/tenants/(?P<tid>\d+)/entities/(?P<entity>\w+)")
def ui_add(sb, body, base, params, tid, entity):
    """A row a person adds in the UI (e.g. one more department link on a user's Associations tab)."""
    tenant = sb.tenant(tid)
    if entity not in catalog.ENTITIES:
        raise SeedError("unknown entity %s" % entity)
    values = {k: v for k, v in body.items() if k in catalog.ENTITIES[entity].fields and k != "id"}
    return 200, tenant.insert(entity, values)


@route("DELETE", r"/tenants/(?P<tid>\d+)/entities/(?P<entity>\w+)/(?P<rid>\d+)")
def ui_delete(sb, body, base, params, tid, entity, rid):
    """Remove a row in the UI (e.g. a queue association), which the API itself cannot do."""
    tenant = sb.tenant(tid)
    if entity not in catalog.ENTITIES or tenant.records[entity].pop(int(rid), None) is None:
        raise SeedError("no %s %s" % (entity, rid))
    return 200, {"deleted": int(rid)}
