# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The protected-data part: Autotask has no endpoint for the boxes, so verify the view boxes
through what a probe user sees of protected UDFs, and guide the UI steps for the rest."""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import verify_argument_spec


def argument_spec():
    spec = dict(
        api_username=dict(type="str"),
        email=dict(type="str"),
        resource_id=dict(type="int"),
        attestation_var=dict(type="str", default="autotask_protected_data_attestation"),
    )
    for box in model.PROTECTED_BOXES:
        spec[box] = dict(type="bool", default=False)
    spec.update(verify_argument_spec())
    return spec


def observe_view_boxes(session, creds):
    """{box: observed bool or None} for the two view boxes, from UDF visibility."""
    defs = session.device_udf_definitions()
    visible = session.visible_udfs(creds)
    out = {}
    for box, protected in (("view_unprotected", False), ("view_protected", True)):
        names = {name for name, is_protected in defs if is_protected == protected}
        out[box] = bool(names & visible) if names else None  # no such UDF: nothing to see
    return out


def run(session, p):
    """Verify one user's protected-data boxes and guide the UI steps; returns the part's outcome."""
    who_wanted = p["api_username"] or p["email"]
    boxes = model.normalise_protected({b: p[b] for b in model.PROTECTED_BOXES})
    fingerprint_value = model.fingerprint({"resource": who_wanted.lower(), "boxes": boxes})
    attestation = model.attestation_state(p["attestation"], fingerprint_value)
    client = session.client
    if p["resource_id"]:
        # Found earlier in this run by the API user part: not looked up again.
        hits = [{"id": p["resource_id"], "firstName": None, "lastName": None, "userName": None}]
    else:
        user = session.find_api_user(p["api_username"], p["email"])
        hits = [user] if user else []
        if not hits and p["api_username"]:
            # The boxes apply to any resource, not only API users.
            cond = [{"op": "eq", "field": "userName", "value": p["api_username"]}]
            hits = list(client.query("Resources", cond, include_fields=["firstName", "lastName", "userName"]))
    if len(hits) > 1:
        raise model.ModelError("more than one resource matches (ids %s)" % ", ".join(str(h["id"]) for h in hits))
    verification = [
        {
            "property": "resource exists",
            "expected": who_wanted,
            "observed": "id %s" % hits[0]["id"] if hits else None,
            "status": "ok" if hits else "missing",
        }
    ]
    observed = {}
    if hits and p["verify_as"]:
        try:
            observed = observe_view_boxes(session, p["verify_as"])
        except AutotaskError as exc:
            observed = {"error": str(exc)}
    void = False
    for box in model.PROTECTED_BOXES:
        row = {
            "property": model.PROTECTED_LABELS[box],
            "expected": boxes[box],
            "observed": None,
            "status": "unverifiable",
        }
        if "error" in observed and box.startswith("view"):
            row.update(observed="read failed: %s" % observed["error"], status="unknown")
        elif observed.get(box) is not None:
            row.update(observed=observed[box], status="ok" if observed[box] == boxes[box] else "drift")
            void = void or row["status"] == "drift"
        verification.append(row)
    void = void and attestation == "valid"
    if void:
        attestation = "void"
    elif attestation == "valid":
        for row in verification:
            if row["status"] == "unverifiable":
                row["status"] = "attested"
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
    return model.outcome(
        verification,
        steps,
        diff={"before": {b: observed.get(b) for b in model.PROTECTED_BOXES}, "after": boxes},
        end_state={"boxes": boxes, "status": {r["property"]: r["status"] for r in verification}},
        resource_id=hits[0]["id"] if hits else None,
        boxes=boxes,
        fingerprint=fingerprint_value,
        attestation=attestation,
    )
