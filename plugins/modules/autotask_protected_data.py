#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_protected_data
short_description: Verify one resource's protected-data permissions and guide the UI steps
version_added: 0.1.0
description:
  - Describes the four Protected Data Permission boxes of one resource. Ticking a box ticks the
    lesser ones (Edit Protected, View Protected, Edit Unprotected, View Unprotected), so the desired
    boxes are normalised that way first.
  - Autotask has no API for these boxes; this module never writes. The resource must exist (checked
    through a Resources query). The view boxes are verified through the device (ConfigurationItems)
    UDFs that O(verify_as) can see; the edit boxes can only be attested.
  - The effect of the boxes on the API is not documented by Autotask; the SolarWinds guide states
    that without them the UDFs are unavailable, which is what the verification relies on.
author:
  - msp.autotask maintainers (@msp-autotask)
extends_documentation_fragment:
  - msp.autotask.autotask
  - msp.autotask.autotask.verify_as
  - msp.autotask.autotask.attestation
  - msp.autotask.autotask.attributes
options:
  api_username:
    description:
      - The resource's username (Username (Key) for an API user).
      - One of O(api_username) or O(email) is required.
    type: str
  email:
    description: The API user's email, compared without regard to case, when the generated username is not known.
    type: str
  resource_id:
    description:
      - The resource's id, when this run already found it (the vendor roles pass what
        M(msp.autotask.autotask_api_user) returned). The resource is then not looked up again,
        which saves an API call; O(api_username) or O(email) still names it in the steps.
    type: int
  edit_protected:
    description: Edit Protected Data.
    type: bool
    default: false
  view_protected:
    description: View Protected Data.
    type: bool
    default: false
  edit_unprotected:
    description: Edit Unprotected Data.
    type: bool
    default: false
  view_unprotected:
    description: View Unprotected Data.
    type: bool
    default: false
  attestation_var:
    description: The inventory variable name the manual steps tell the operator to record the attestation in.
    type: str
    default: autotask_protected_data_attestation
notes:
  - O(verify_as) must hold the same boxes as the resource, for example the resource itself when it
    authenticates with the MSP's internal integration code. A vendor's API user cannot be used,
    because it only accepts the vendor's secret code.
"""

EXAMPLES = r"""
- name: SolarWinds RMM API user may read and write unprotected device UDFs
  msp.autotask.autotask_protected_data:
    username: "{{ autotask_username }}"
    secret: "{{ autotask_secret }}"
    integration_code: "{{ autotask_integration_code }}"
    api_username: "{{ solarwinds_api_username }}"
    edit_unprotected: true
    attestation: "{{ solarwinds_protected_data_attestation | default(omit) }}"
  register: boxes
"""

RETURN = r"""
changed:
  description: Always false; no API can write these boxes.
  returned: always
  type: bool
compliant:
  description: True when every box is C(ok) or C(attested) and the resource exists.
  returned: always
  type: bool
tenant_id:
  description: The Autotask database id the module acted on, when known.
  returned: always
  type: int
resource_id:
  description: The resource's id, or null when it does not exist.
  returned: always
  type: int
boxes:
  description: The desired boxes after the hierarchy is applied.
  returned: always
  type: dict
verification:
  description: One row per property (property, expected, observed, status).
  returned: always
  type: list
  elements: dict
summary:
  description: How many properties ended in each status.
  returned: always
  type: dict
manual_steps:
  description: UI steps for the gaps, ending with the attestation line to record.
  returned: always
  type: list
  elements: str
fingerprint:
  description: Digest of the desired boxes that an attestation must carry.
  returned: always
  type: str
attestation:
  description: C(valid), C(stale), C(void) or C(none).
  returned: always
  type: str
diff:
  description: Observed against desired boxes.
  returned: when diff mode is on
  type: dict
end_state:
  description: The desired boxes with the status of each.
  returned: always
  type: dict
api_calls:
  description: API calls this task made, in total and by kind.
  returned: always
  type: dict
"""

from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils._client import AutotaskError
from ansible_collections.msp.autotask.plugins.module_utils._module import AutotaskModule, verify_argument_spec

DEVICE_UDF_TYPE = 3  # UserDefinedFieldDefinitions.udfType for ConfigurationItems


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


def observe_view_boxes(client, probe):
    """{box: observed bool or None} for the two view boxes, from UDF visibility."""
    defs = list(
        client.query(
            "UserDefinedFieldDefinitions",
            [
                {"op": "eq", "field": "udfType", "value": DEVICE_UDF_TYPE},
                {"op": "eq", "field": "isActive", "value": True},
            ],
            include_fields=["name", "isProtected"],
        )
    )
    visible = {f.get("name") for f in probe.user_defined_fields("ConfigurationItems")}
    out = {}
    for box, protected in (("view_unprotected", False), ("view_protected", True)):
        names = {d["name"] for d in defs if bool(d.get("isProtected")) == protected}
        out[box] = bool(names & visible) if names else None  # no such UDF: nothing to see
    return out


def main():
    am = AutotaskModule(
        argument_spec(),
        supports_check_mode=True,
        required_one_of=[("api_username", "email")],
        mutually_exclusive=[("api_username", "email")],
    )
    p = am.params
    who_wanted = p["api_username"] or p["email"]
    boxes = model.normalise_protected({b: p[b] for b in model.PROTECTED_BOXES})
    fingerprint_value = model.fingerprint({"resource": who_wanted.lower(), "boxes": boxes})
    try:
        attestation = model.attestation_state(p["attestation"], fingerprint_value)
    except model.ModelError as exc:
        am.module.fail_json(msg=str(exc), changed=False)
    try:
        client = am.connect()
        if p["resource_id"]:
            # Found earlier in this run by autotask_api_user: not looked up again.
            hits = [{"id": p["resource_id"], "firstName": None, "lastName": None, "userName": None}]
        elif p["api_username"]:
            cond = [{"op": "eq", "field": "userName", "value": p["api_username"]}]
            hits = list(client.query("Resources", cond, include_fields=["firstName", "lastName", "userName"]))
        else:
            cond = [
                {"op": "eq", "field": "email", "value": p["email"]},
                {"op": "eq", "field": "licenseType", "value": 7},
            ]
            hits = list(client.query("Resources", cond, include_fields=["firstName", "lastName", "userName"]))
    except AutotaskError as exc:
        am.fail(exc)
    if len(hits) > 1:
        am.module.fail_json(msg="more than one resource matches (ids %s)" % ", ".join(str(h["id"]) for h in hits))
    verification = [
        {
            "property": "resource exists",
            "expected": who_wanted,
            "observed": "id %s" % hits[0]["id"] if hits else None,
            "status": "ok" if hits else "missing",
        }
    ]
    observed = {}
    probe = am.probe()
    if hits and probe is not None:
        try:
            observed = observe_view_boxes(client, probe)
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
            " in tenant %s" % am.tenant if am.tenant else "",
            who,
            ", ".join(ticks) or "nothing",
            ", ".join(clears) or "nothing",
        )
    )
    steps.append("Then record in the inventory: %s" % model.attestation_line(p["attestation_var"], fingerprint_value))
    am.finish(
        verification,
        steps,
        diff={"before": {b: observed.get(b) for b in model.PROTECTED_BOXES}, "after": boxes},
        end_state={"boxes": boxes, "status": {r["property"]: r["status"] for r in verification}},
        resource_id=hits[0]["id"] if hits else None,
        boxes=boxes,
        fingerprint=fingerprint_value,
        attestation=attestation,
    )


if __name__ == "__main__":
    main()
