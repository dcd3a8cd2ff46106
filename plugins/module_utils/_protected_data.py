# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The protected-data part: attest-only, with the exact UI steps.

Autotask keeps the four boxes on each resource (Resources > Security > Protected Data
Permissions), not on a security level, and no REST endpoint reads them. What a probe user sees
of protected UDFs tells about the probe's own boxes, never the vendor user's, so nothing here
is observed: every box is ``unverifiable`` until an operator attests it.
"""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs


def argument_spec():
    return specs.protected_data()


def _find(session, p, names):
    """The resource the boxes belong to: [one] or [] (two is an input error)."""
    if p["resource_id"]:
        # Found earlier in this run by the API user part: not looked up again.
        return [{"id": p["resource_id"], "firstName": None, "lastName": None, "userName": None}]
    user = session.find_api_user(p["api_username"], p["email"], *names)
    hits = [user] if user else []
    if not hits and p["api_username"]:
        # The boxes apply to any resource, not only API users.
        cond = [{"op": "eq", "field": "userName", "value": p["api_username"]}]
        hits = list(session.client.query("Resources", cond, include_fields=["firstName", "lastName", "userName"]))
    if len(hits) > 1:
        raise model.ModelError("more than one resource matches (ids %s)" % ", ".join(str(h["id"]) for h in hits))
    return hits


def _steps(session, p, hits, who_wanted, boxes, fingerprint_value):
    who = who_wanted
    if hits and hits[0]["userName"]:
        who = "%s %s (%s)" % (hits[0]["firstName"], hits[0]["lastName"], hits[0]["userName"])
    steps = []
    if not hits:
        steps.append("Create the resource %s first (see autotask_api_user)." % who_wanted)
    ticks = [model.PROTECTED_LABELS[b] for b in model.PROTECTED_BOXES if boxes[b]]
    clears = [model.PROTECTED_LABELS[b] for b in model.PROTECTED_BOXES if not boxes[b]]
    steps.append(
        "%s%s: on the row for %s, tick %s and leave %s unticked; click Save."
        % (
            model.PROTECTED_DATA_PATH,
            " in tenant %s" % session.tenant if session.tenant else "",
            who,
            ", ".join(ticks) or "nothing",
            ", ".join(clears) or "nothing",
        )
    )
    steps.append("Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], fingerprint_value))
    return steps


def run(session, p):
    """Verify one user's protected-data boxes and guide the UI steps; returns the part's outcome."""
    names = [p.get("first_name"), p.get("last_name")]  # set by autotask_vendor_users, not a module option
    who_wanted = p["api_username"] or p["email"] or (" ".join(names) if all(names) else None)
    if not who_wanted and not p["resource_id"]:
        raise model.ModelError("protected data: identify the resource by api_username, email or resource_id")
    who_wanted = who_wanted or "resource id %s" % p["resource_id"]
    boxes = model.normalise_protected({b: p[b] for b in model.PROTECTED_BOXES})
    fingerprint_value = model.fingerprint({"resource": who_wanted.lower(), "boxes": boxes})
    attestation = model.attestation_state(p["attestation"], fingerprint_value)
    hits = _find(session, p, names)
    verification = [
        {
            "key": ["resource"],
            "property": "resource exists",
            "expected": who_wanted,
            "observed": "id %s" % hits[0]["id"] if hits else None,
            "status": "ok" if hits else "missing",
        }
    ]
    for box in model.PROTECTED_BOXES:
        verification.append(
            {
                "key": ["box", box],
                "property": model.PROTECTED_LABELS[box],
                "expected": boxes[box],
                "observed": None,
                "status": "unverifiable",
                "evidence": "attestation",
                "note": "attest-only: the boxes belong to the resource and no API reads them",
            }
        )
    attestation = model.settle(verification, attestation)
    steps = _steps(session, p, hits, who_wanted, boxes, fingerprint_value)
    return model.outcome(
        verification,
        steps,
        diff={"before": dict.fromkeys(model.PROTECTED_BOXES), "after": boxes},
        end_state={
            "boxes": boxes,
            "status": {b: verification[i + 1]["status"] for i, b in enumerate(model.PROTECTED_BOXES)},
        },
        resource_id=hits[0]["id"] if hits else None,
        boxes=boxes,
        fingerprint=fingerprint_value,
        attestation=attestation,
    )
