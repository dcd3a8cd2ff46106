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
        # verify_as logged in holding the level, so it exists: edit it rather than copy again.
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
            "Section %s, %s: set '%s' to %s." % (key[0], key[1], key[2], model.describe(cat.ROWS[key]["kind"], value))
        )
    steps.append(
        "Save the level. Then record in the inventory: %s"
        % model.attestation_line(p["attestation_var"], fingerprint_value)
    )
    return steps


def run(session, p):
    """Verify one security level and guide the UI steps; returns the part's outcome."""
    rows = model.normalise_rows(p["permissions"])
    desired = {
        "name": p["name"],
        "copy_from": cat.level_name(p["copy_from"]),
        "active": p["active"],
        "permissions": [{"row": " > ".join(k), "value": v} for k, v in rows.items()],
    }
    fingerprint_value = model.fingerprint(desired)
    attestation = model.attestation_state(p["attestation"], fingerprint_value)

    session.connect()  # tenant pinning happens before anything else
    observed, probe_row, probe_error = None, None, None
    if p["verify_as"]:
        probe_row = {
            "key": ["probe"],
            "property": "verify_as authenticates (the level exists and is active)",
            "expected": "yes",
        }
        try:
            observed = session.entity_access(p["verify_as"])
            probe_row.update(observed="yes", status="ok")
        except AutotaskAuthError as exc:
            # A refused login says nothing about the level: a changed probe secret looks the same.
            probe_error = "probe authentication failed: %s" % exc.message
        except AutotaskError as exc:
            # Could not read is never absent: nothing is concluded from a failed read.
            probe_error = "probe read failed: %s" % exc
        if probe_error:
            probe_row.update(observed=probe_error, status="unknown")

    # Attestation "none" here: settle() below judges it once, with the level's own row.
    verification, over = model.verify_rows(rows, observed, exceptions=p["exceptions"], probe_error=probe_error)[:2]
    exists = {
        "key": ["level"],
        "property": "security level '%s' exists, copied from '%s'" % (p["name"], desired["copy_from"]),
        "expected": "present",
        "observed": None,
        "status": "unverifiable",
        "evidence": "attestation",
    }
    verification.insert(0, exists)
    if probe_row:
        verification.insert(1, probe_row)
    attestation = model.settle(verification, attestation)
    reason = model.void_reason(verification) if attestation == "void" else None

    exists = probe_row is not None and probe_row["status"] == "ok"
    steps = manual_steps(p, rows, verification, over, fingerprint_value, session.tenant, exists=exists)
    if probe_error:
        steps.insert(
            0,
            "Check the verify_as user %s (%s): until it can log in and read, its rows stay unknown."
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
