# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""One tenant, read once.

Every part of a run (security level, API user, protected data, for one vendor or five) asks
the tenant through a TenantSession. It reads each kind of state once: all API users in one
Resources query, the queue links of every user that needs them in one ResourceRoles query,
the other associations (and queue links that view cannot settle) in one query per kind, each
probe user's access once, and names through a reference cache on disk. So a tenant costs the
same few calls whatever the number of vendors. No AnsibleModule import: the unit tests
drive it with a plain client.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat
from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._client import (
    AutotaskError,
    default_zone_cache_path,
    load_cache_file,
    update_cache_file,
)

API_LICENSE = 7
USER_FIELDS = (
    "userName",
    "email",
    "firstName",
    "lastName",
    "title",
    "isActive",
    "licenseType",
    "resourceType",
    "payrollType",
    "locationID",
    "userType",
)
DEFAULT_REFERENCE_CACHE_TTL = 12 * 3600
# How long a run waits for another run on this controller to finish writing to the same tenant.
TENANT_LOCK_WAIT = 900
# Above this many named users one query over every API user is cheaper than a long OR filter
# (Autotask allows at most 500 OR conditions per query).
MAX_FILTERED_USERS = 100


def fold(value):
    """Autotask compares text case-insensitively; so do we, on both sides."""
    return str(value).strip().lower() if value is not None else None


def user_key(api_username=None, email=None, first_name=None, last_name=None):
    """How find_api_user names a user, in its order of precedence; None if it names nobody precisely."""
    if api_username:
        return ("userName", fold(api_username))
    if email:
        return ("email", fold(email))
    if first_name and last_name:
        return ("name", fold(first_name), fold(last_name))
    return None


def named_users(params):
    """The user keys a module's parameters name: each user (or vendor's user) and each verify_as."""
    keys = []
    for entry in [params, *(params.get("vendors") or [])]:
        user = entry.get("user") or entry
        names = [user.get(k) for k in ("api_username", "email", "first_name", "last_name")]
        probe = entry.get("verify_as") or {}
        keys += [user_key(*names), user_key(probe.get("username"))]
    return [k for k in keys if k is not None]


def _user_condition(keys):
    """One filter condition that returns at least every user ``keys`` name.

    ``contains`` (Autotask compares text without case) and not ``eq``: the match itself is made
    here, on trimmed, case-folded text, so the server must return every user that match could
    take, a stored "propel@t.example " (trailing blank) beside "propel@t.example" included, or
    two users answering to one name would pass for one.
    """
    items = []
    for key in sorted(keys):
        if key[0] == "name":
            both = [
                {"op": "contains", "field": f, "value": v} for f, v in (("firstName", key[1]), ("lastName", key[2]))
            ]
            items.append({"op": "and", "items": both})
        else:
            items.append({"op": "contains", "field": key[0], "value": key[1]})
    return items[0] if len(items) == 1 else {"op": "or", "items": items}


def _matches(user, key):
    if key[0] == "name":
        return fold(user.get("firstName")) == key[1] and fold(user.get("lastName")) == key[2]
    return fold(user.get(key[0])) == key[1]


class ReferenceCache:
    """Name tables (departments, roles, queues, locations, UDF definitions) of one tenant, on disk.

    Reference data changes rarely, and reading it on every run would cost more than the state
    being checked. A table older than ``ttl`` is read again, a name it does not hold makes the
    caller read it again once, and a failed write drops the file.
    """

    def __init__(self, directory, key, ttl=DEFAULT_REFERENCE_CACHE_TTL):
        self.path = os.path.join(directory, hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".json")
        self.ttl = ttl

    def get(self, table):
        entry = load_cache_file(self.path).get(table)
        if not isinstance(entry, dict) or time.time() - entry.get("at", 0) > self.ttl:
            return None
        rows = entry.get("rows")
        return [tuple(r) for r in rows] if isinstance(rows, list) else None

    def put(self, table, rows):
        entry = {"at": time.time(), "rows": [list(r) for r in rows]}
        update_cache_file(self.path, lambda data: data.update({table: entry}))

    def drop(self):
        for path in (self.path, self.path + ".lock"):
            try:
                os.remove(path)
            except OSError:
                pass


def lock_directory(zone_cache_path=None):
    """Where tenant locks live: ``locks/`` beside the zone cache, whichever one the run uses.

    Every run on one controller with the same inventory derives the same directory. A zone
    cache turned off (a path whose directory cannot exist) still gets locks, in the default
    cache directory, or failing that in the system's temporary directory.
    """
    candidates = [os.path.dirname(p) for p in (zone_cache_path, default_zone_cache_path()) if p]
    candidates.append(os.path.join(tempfile.gettempdir(), "msp.autotask-%d" % os.getuid()))
    for base in candidates:
        directory = os.path.join(base, "locks")
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            continue
        if os.access(directory, os.W_OK):
            return directory
    return None


@contextlib.contextmanager
def tenant_lock(directory, name, wait=TENANT_LOCK_WAIT, clock=time.monotonic, sleep=time.sleep):
    """Hold ``<directory>/<name>.lock`` exclusively: one run at a time writes to a tenant.

    flock is released by the kernel if the process dies, so a killed run never leaves the
    tenant locked. Runs on other controllers do not see this lock.
    """
    path = os.path.join(directory, "%s.lock" % name)
    with open(path, "a", encoding="utf-8") as handle:
        started = clock()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() - started > wait:
                    raise model.ModelError(
                        "another run on this controller has been writing to this tenant for over %d s "
                        "(lock %s); nothing was written" % (wait, path)
                    ) from None
                sleep(0.2)
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Lookup:
    """Name -> id for departments, roles, queues and locations, read only when needed."""

    def __init__(self, client, cache=None, fields=None):
        self.client = client
        self.cache = cache
        self.fields = fields or client.fields  # the session's, so one read serves names and levels
        self.tables = {}
        self.fresh = set()  # tables read from the API in this run (not from the cache)

    def _read(self, what):
        if what == "department":
            return [(r["id"], r["name"]) for r in self.client.query("Departments", include_fields=["name"])]
        if what == "role":
            active = [{"op": "eq", "field": "isActive", "value": True}]
            return [(r["id"], r["name"]) for r in self.client.query("Roles", active, include_fields=["name"])]
        entity, field = ("Tickets", "queueID") if what == "queue" else ("Resources", "locationID")
        picks = next((f.get("picklistValues") or [] for f in self.fields(entity) if f.get("name") == field), [])
        return [(int(v["value"]), v["label"]) for v in picks if v.get("isActive", True)]

    def table(self, what, fresh=False):
        if fresh or what not in self.tables:
            rows = None if fresh or self.cache is None else self.cache.get(what)
            if rows is None:
                rows = self._read(what)
                self.fresh.add(what)
                if self.cache is not None:
                    self.cache.put(what, rows)
            self.tables[what] = rows
        return self.tables[what]

    def id_of(self, what, ref):
        text = str(ref).strip()
        if text.isdigit():
            return int(text)
        hits = [i for i, name in self.table(what) if fold(name) == fold(text)]
        if len(hits) != 1 and what not in self.fresh:
            # The cached table may predate the name: read it once more before saying no.
            hits = [i for i, name in self.table(what, fresh=True) if fold(name) == fold(text)]
        if len(hits) != 1:
            names = ", ".join(sorted(name for unused_id, name in self.table(what)))
            raise model.ModelError("%s %r %s; known: %s" % (what, ref, "is ambiguous" if hits else "not found", names))
        return hits[0]

    def name_of(self, what, item_id):
        rows = self.tables.get(what)
        if rows is None:
            return str(item_id)
        return next((n for i, n in rows if i == item_id), str(item_id))

    def label(self, what, item_id):
        """The name behind an id the inventory did not give (an extra link): the table is read if needed."""
        self.table(what)
        return self.name_of(what, item_id)

    def forget(self):
        """A write refused: the ids may be stale, so the next run reads the names again."""
        self.tables.clear()
        if self.cache is not None:
            self.cache.drop()


class TenantSession:
    """The admin client, probe clients and everything read from one tenant in this run.

    ``connect`` returns the admin client with the tenant already pinned; ``new_probe(creds)``
    returns a client for a probe user in the same zone. Both come from the module layer.
    """

    def __init__(self, connect, new_probe, check_mode=False, reference_cache=None, named_users=None):
        self._connect = connect
        self._new_probe = new_probe
        self.check_mode = check_mode
        self._reference_cache = reference_cache
        self._lookup = None
        self._users = None  # every API user, once read
        # Users the run will look up (named_users()): asked for by name, not by reading every API user.
        self._named = set(named_users or ())
        self._asked = set()  # keys a filtered query has answered
        self._found = {}  # resource id -> row, from filtered queries
        self._links = {}  # entity -> {resource id: [rows]}
        self._wanted_links = {}  # entity -> {resource ids whose links one query should fetch}
        self._probes = {}
        self._probe_reads = {}
        self._fields = {}
        self._levels = None
        self.tenant = None

    def connect(self):
        """The admin client; the first call pins the tenant (see AutotaskModule.connect)."""
        client, self.tenant = self._connect()
        return client

    @contextlib.contextmanager
    def writing(self, directory):
        """The tenant locked for this run's reads and writes (nothing in check mode).

        Taken before the tenant's first read, so a run that waited reads what the other run
        left and writes only what is still needed.
        """
        if self.check_mode or directory is None:
            yield None
            return
        client = self.connect()
        if self.tenant is not None:
            name = "tenant-%s" % self.tenant
        else:  # an explicit api_url without tenant_id: the zone and the user stand for the tenant
            identity = "%s\n%s" % (client.base_url.lower(), fold(client.username))
            name = "tenant-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
        with tenant_lock(directory, name) as path:
            yield path

    @property
    def client(self):
        return self.connect()

    @property
    def lookup(self):
        if self._lookup is None:
            client = self.client
            cache = self._reference_cache(client, self.tenant) if self._reference_cache else None
            self._lookup = Lookup(client, cache, fields=self.fields)
        return self._lookup

    def fields(self, entity):
        """An entity's field metadata, read at most once per run."""
        if entity not in self._fields:
            self._fields[entity] = self.client.fields(entity)
        return self._fields[entity]

    # -- security levels ------------------------------------------------------------------

    def security_levels(self):
        """[(id, label, active)] of every level of the tenant: the Resources userType picklist.

        Read fresh each run, never from the reference cache: that a level exists and is
        active is a verdict, and a cached one could be hours old.
        """
        if self._levels is None:
            field = next((f for f in self.fields("Resources") if f.get("name") == "userType"), None)
            if field is None or not isinstance(field.get("picklistValues"), list):
                raise AutotaskError(
                    "Resources fields have no userType picklist",
                    method="GET",
                    path="/Resources/entityInformation/fields",
                )
            self._levels = [
                # An entry without isActive says nothing of it: None, never read as active.
                (int(v["value"]), str(v.get("label")), v["isActive"] if isinstance(v.get("isActive"), bool) else None)
                for v in field["picklistValues"]
                if str(v.get("value", "")).lstrip("-").isdigit()
            ]
        return self._levels

    def find_level(self, name):
        """(id, label, active) of the level so named, or None (see _catalog.level_key)."""
        wanted = cat.level_key(name)
        hits = [lv for lv in self.security_levels() if cat.level_key(lv[1]) == wanted]
        if len(hits) > 1:
            raise model.ModelError(
                "more than one security level is named %r (ids %s)" % (name, ", ".join(str(h[0]) for h in hits))
            )
        return hits[0] if hits else None

    def level_label(self, level_id):
        return next((label for i, label, unused_active in self.security_levels() if i == level_id), None)

    # -- API users ------------------------------------------------------------------------

    def api_users(self):
        """Every API-only user of the tenant: one query, with only the fields compared."""
        if self._users is None:
            self._users = list(self.client.query("Resources", [self._licensed()], include_fields=list(USER_FIELDS)))
        return self._users

    @staticmethod
    def _licensed():
        return {"op": "eq", "field": "licenseType", "value": API_LICENSE}

    def _named_candidates(self, key):
        """The API users the server matches to ``key`` and every other named user, in one query.

        A tenant may hold a thousand API users; the run needs a few. A miss (the server
        compares text differently, or the user is absent) is checked against every API user.
        A hit rests on one reading of the server: that ``contains`` ignores case, as Autotask's
        text comparisons do in practice (the reference: unverified for REST); the sandbox's
        switch-free model does the same.
        """
        wanted = (self._named | {key}) - self._asked
        if key not in self._asked and len(wanted) <= MAX_FILTERED_USERS:
            rows = self.client.query(
                "Resources", [self._licensed(), _user_condition(wanted)], include_fields=list(USER_FIELDS)
            )
            self._found.update((row["id"], row) for row in rows)
            self._asked |= wanted
        return [u for u in self._found.values() if _matches(u, key)] if key in self._asked else []

    def find_api_user(self, api_username=None, email=None, first_name=None, last_name=None):
        """The one API user so named, or None; two matches is an input error."""
        key = user_key(api_username, email, first_name, last_name)
        hits = []
        if self._users is None and key is not None and self._named:
            hits = self._named_candidates(key)
        if not hits:
            if key is None:  # no precise name (first or last name missing): compare as before
                key = ("name", fold(first_name), fold(last_name))
            hits = [u for u in self.api_users() if _matches(u, key)]
        if len(hits) > 1:
            raise model.ModelError(
                "more than one API user matches (resource ids %s); name api_username to choose"
                % ", ".join(str(h["id"]) for h in hits)
            )
        return hits[0] if hits else None

    # -- associations ---------------------------------------------------------------------

    def expect_links(self, entity, resource_id):
        """Announce a user whose links will be asked for, so one query reads them all."""
        self._wanted_links.setdefault(entity, set()).add(resource_id)

    def links(self, entity, resource_id):
        """The rows of ``entity`` (ResourceRoles, ResourceRoleDepartments, ...) that belong to the resource.

        The first call reads them for every resource announced for ``entity`` at once.
        """
        known = self._links.setdefault(entity, {})
        if resource_id not in known:
            ids = sorted((self._wanted_links.get(entity, set()) - set(known)) | {resource_id})
            if len(ids) == 1:
                condition = {"op": "eq", "field": "resourceID", "value": ids[0]}
            else:
                condition = {"op": "in", "field": "resourceID", "value": ids}
            rows = list(self.client.query(entity, [condition]))
            for item_id in ids:
                known[item_id] = []
            for row in rows:
                known.setdefault(row.get("resourceID"), []).append(row)
        return known[resource_id]

    # -- probe users ----------------------------------------------------------------------

    def probe(self, creds):
        key = fold(creds["username"])
        if key not in self._probes:
            self._probes[key] = self._new_probe(creds)
        return self._probes[key]

    def _probe_read(self, creds, what, read):
        key = (fold(creds["username"]), what)
        if key not in self._probe_reads:
            try:
                self._probe_reads[key] = ("ok", read(self.probe(creds)))
            except AutotaskError as exc:
                self._probe_reads[key] = ("error", exc)
        outcome, value = self._probe_reads[key]
        if outcome == "error":
            raise value
        return value

    def entity_access(self, creds):
        """Every entity's access for the probe user: one global EntityInformation call."""
        return self._probe_read(creds, "access", lambda probe: probe.entity_information())
