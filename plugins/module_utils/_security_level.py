# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The security level part: verify what the API shows of a level, guide the UI steps for the rest.

The REST API cannot create, edit or read security levels, so this part never writes.
"""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat
from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskAuthError, AutotaskError


def argument_spec():
    return specs.security_level()


def manual_steps(p, rows, verification, over, fingerprint_value, tenant, exists=False):
    where = " in tenant %s" % tenant if tenant else ""
    if exists:
        # The userType picklist lists it: edit it rather than copy again.
        first = "%s%s: open '%s'." % (model.SECURITY_LEVELS_PATH, where, p["name"])
    else:
        first = "%s%s: right-click '%s' > Copy Security Level, and name the copy '%s'%s." % (
            model.SECURITY_LEVELS_PATH,
            where,
            cat.level_name(p["copy_from"]),
            p["name"],
            "" if p["active"] else " (leave it inactive)",
        )
    steps = [first]
    if p["active"]:
        steps.append("On its General tab, make sure the level is Active.")
    # A copy starts with its source's rights (an API User (system) copy: all of them), and a
    # level with rights beyond the table needs them gone: then start from nothing and set every
    # row of the table, so the steps alone give exactly the table.
    from_nothing = not exists or bool(over)
    if from_nothing:
        beyond = sorted({"%s %s" % (o["entity"], o["operation"]) for o in over})
        steps.append(
            "Start from nothing: set every row these steps do not name to its lowest value (None, No or unchecked; "
            "each section's No Permission preset does this)%s; the vendor asks for nothing beyond its table."
            % (" (the probe can now also: %s)" % ", ".join(beyond) if beyond else "")
        )
    by_key = {tuple(row["key"]): row for row in verification}
    for key, value in rows.items():
        status = by_key[("permission", *key)]["status"]
        if not from_nothing and status in ("ok", "excepted", "attested"):
            continue
        steps.append(
            "Section %s, %s: set '%s' to %s."
            % (key[0], key[1], key[2], model.describe(cat.spec_of(key)["kind"], value))
        )
    steps.append(
        "Save the level. Then record in the inventory: %s"
        % model.attestation_line(p["attestation_var"], fingerprint_value)
    )
    return steps


def _level_rows(session, p, copy_from):
    """The level's own rows: exists and active (the userType picklist); copied-from, attest-only."""
    name = p["name"]
    try:
        found, error = session.find_level(name), None
    except AutotaskError as exc:
        found, error = None, "the userType picklist could not be read: %s" % exc
    except model.ModelError as exc:
        found, error = None, str(exc)  # two levels answer to the name: nothing is concluded
    exists = {"key": ["level"], "property": "security level '%s' exists" % name, "expected": "present"}
    if error:
        exists.update(observed=error, status="unknown")
    elif found:
        exists.update(observed="'%s' (userType %s)" % (found[1], found[0]), status="ok")
    else:
        exists.update(observed=None, status="missing")
    rows = [dict(exists, evidence="observed")]
    if found:
        same = found[2] == p["active"]
        rows.append(
            {
                "key": ["level", "active"],
                "property": "security level '%s' is active" % name,
                "expected": p["active"],
                "observed": found[2],
                "status": "ok" if same else "drift",
                "evidence": "observed",
            }
        )
        if found[2] is None:  # the picklist entry has no isActive: nothing is concluded
            rows[-1].update(status="unknown", observed="the userType picklist entry does not say (no isActive)")
        elif not same:
            rows[-1]["voids_attestation"] = True  # what was attested is not the tenant now
    rows.append(
        {
            "key": ["level", "copied_from"],
            "property": "security level '%s' copied from '%s'" % (name, copy_from),
            "expected": copy_from,
            "observed": None,
            "status": "unverifiable",
            "evidence": "attestation",
        }
    )
    return rows, found, error


def _probe(session, p, found, level_error):
    """(entity access, probe row, probe error): what the probe sees, only if it holds this very level."""
    creds = p["verify_as"]
    row = {"key": ["probe"], "property": "verify_as holds the level and authenticates", "expected": "yes"}
    error, holder = None, None
    try:
        holder = session.find_api_user(creds["username"])
    except AutotaskError as exc:
        level_error = level_error or "the tenant's API users could not be read: %s" % exc
    if level_error:
        error = "the probe's level could not be read: %s" % level_error
    elif holder is None or holder.get("userType") is None:
        error = "the probe %s is not among the tenant's API users: its level cannot be read" % creds["username"]
    elif found is None or holder["userType"] != found[0]:
        error = "the probe %s holds '%s', not '%s': what it sees is another level" % (
            creds["username"],
            session.level_label(holder["userType"]) or holder["userType"],
            p["name"],
        )
    if error:
        return None, dict(row, observed=error, status="unknown"), error
    try:
        observed = session.entity_access(creds)
    except AutotaskAuthError as exc:
        # A refused login says nothing about the level: a changed probe secret looks the same.
        error = "probe authentication failed: %s" % exc.message
    except AutotaskError as exc:
        # Could not read is never absent: nothing is concluded from a failed read.
        error = "probe read failed: %s" % exc
    if error:
        return None, dict(row, observed=error, status="unknown"), error
    return observed, dict(row, observed="yes", status="ok"), None


def run(session, p):
    """Verify one security level and guide the UI steps; returns the part's outcome."""
    rows = model.normalise_rows(p["permissions"], strict=p["strict_rows"])
    desired = {
        "name": p["name"],
        "copy_from": cat.level_name(p["copy_from"]),
        "active": p["active"],
        "permissions": [{"row": " > ".join(k), "value": v} for k, v in rows.items()],
    }
    fingerprint_value = model.fingerprint(desired)
    attestation = model.attestation_state(p["attestation"], fingerprint_value)

    session.connect()  # tenant pinning happens before anything else
    level_rows, found, level_error = _level_rows(session, p, desired["copy_from"])
    observed, probe_row, probe_error = None, None, None
    if p["verify_as"]:
        observed, probe_row, probe_error = _probe(session, p, found, level_error)
    # Attestation "none" here: settle() below judges it once, with the level's own rows.
    verification, over = model.verify_rows(rows, observed, exceptions=p["exceptions"], probe_error=probe_error)[:2]
    verification = level_rows + ([probe_row] if probe_row else []) + verification
    if over:
        # Observed rights beyond the whole table: the level is not what the vendor asks for.
        verification.append(
            {
                "key": ["over_granted"],
                "property": "no rights beyond the table (observed as verify_as)",
                "expected": "none",
                "observed": ", ".join(sorted({"%s %s" % (o["entity"], o["operation"]) for o in over})),
                "status": "drift",
                "evidence": "observed",
                "voids_attestation": True,
            }
        )
    attestation = model.settle(verification, attestation)
    reason = model.void_reason(verification) if attestation == "void" else None

    steps = manual_steps(p, rows, verification, over, fingerprint_value, session.tenant, exists=found is not None)
    if probe_error:
        steps.insert(
            0,
            "Check the verify_as user %s (%s): until it holds the level, logs in and reads, its rows stay unknown."
            % (p["verify_as"]["username"], probe_error),
        )
    before = {"name": p["name"], "permissions": {r["property"]: r["observed"] for r in verification}}
    after = {"name": p["name"], "permissions": {r["property"]: r["expected"] for r in verification}}
    return model.outcome(
        verification,
        steps,
        diff={"before": before, "after": after},
        end_state=dict(desired, rows={r["property"]: r["status"] for r in verification}),
        over_granted=over,
        fingerprint=fingerprint_value,
        attestation=attestation,
        attestation_reason=reason,
    )
