#!/usr/bin/python
# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: autotask_fleet_report
short_description: Write the fleet report of a vendor API user run as JSON, Markdown and HTML
version_added: 0.1.0
description:
  - Turns the per-tenant outcomes the vendor roles record (C(vendor_api_user_results)) into one report
    for the whole fleet, with each tenant and vendor C(compliant), C(needs manual steps), C(drift)
    or C(failed).
  - The report lists the manual steps as a checklist per tenant, the attestation lines to paste
    into the inventory, drift, over-granted rights, exceptions with their expiry, and an alignment
    score per vendor shown with the counts it rests on.
  - "Formats: JSON with a versioned schema (C(msp.autotask/fleet-report), version 1; see
    C(docs/fleet-report.schema.json)) for tooling, Markdown to paste into a ticket, and a single-file
    HTML page with a tenants by vendors matrix, and CSV with one row per tenant and vendor (tenant, vendor,
    status, change since the previous report, open steps, exception owner and expiry, failure) for
    spreadsheets."
  - Text that comes from the API (user, location and department names, messages quoting them) is kept
    verbatim in the JSON and rendered inert in Markdown and HTML, so a hostile name cannot add a heading,
    a ticked checklist item, a code fence, a table cell or markup; invisible characters such as
    bidirectional overrides and zero-width marks are spelt out as C({U+202E}). A CSV cell that would open
    with C(=), C(+), C(-), C(@), a tab or a carriage return is prefixed with a single quote, so a spreadsheet
    shows it as text and never runs it as a formula.
  - It talks to no Autotask API, so it is not in the C(msp.autotask.autotask) action group.
    C(playbooks/onboard.yml) runs it once per run on the controller.
author:
  - msp.autotask maintainers (@msp-autotask)
attributes:
  check_mode:
    support: full
    description: In check mode nothing is written; C(changed) tells whether a file would change.
  diff_mode:
    support: none
    description: The report files are the output; there is no before and after to show.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller, where the report is written.
options:
  tenants:
    description:
      - One entry per tenant, as C(playbooks/onboard.yml) builds it from each host's
        C(msp_autotask_tenant_report) fact.
      - One of O(tenants), O(record), O(from_run) and O(merge) is required.
    type: list
    elements: dict
    suboptions: &tenant_options
      host:
        description: The inventory host name of the tenant.
        type: str
        required: true
      name:
        description: A display name; defaults to O(tenants[].host).
        type: str
      tenant_id:
        description: The Autotask database id, when known (empty otherwise).
        type: raw
      vendors:
        description: The vendor roles the tenant lists (C(msp_autotask_vendors)).
        type: list
        elements: str
        default: []
      results:
        description: The outcomes the vendor roles recorded (C(vendor_api_user_results)).
        type: list
        elements: dict
        default: []
      failure:
        description: The task and message that stopped the tenant, if it failed.
        type: dict
  record:
    description:
      - One tenant's outcome (an entry as in O(tenants)), recorded the moment the tenant finishes, so that a
        run that is interrupted still leaves a report. C(playbooks/onboard.yml) records each tenant this way.
      - The outcome goes to a file of its own in the run's folder (C(.msp-autotask-runs/<run id>/) under O(dest),
        owner-only); then, when no other tenant is writing it and it is due, the run's partial report is
        written from every outcome recorded so far, each targeted host in O(hosts) without one shown as a
        failed tenant that had not finished. A partial report says so (C(partial) in the JSON, a notice at the
        top of Markdown and HTML). It is refreshed as often as writing it takes at most about a tenth of the
        run's time, so a large fleet does not rewrite it for every tenant.
      - The task returns the outcome as the fact C(msp_autotask_tenant_report).
    type: dict
    suboptions: *tenant_options
    version_added: 0.2.0
  from_run:
    description:
      - Build the report from the outcomes this run recorded with O(record), then remove the run's folder.
      - Without any recorded outcome (no tenant reached the recording task), every host in O(hosts) is a failed
        tenant.
    type: bool
    version_added: 0.2.0
  run_id:
    description:
      - The run that O(record) and O(from_run) belong to. The action plugin sets it to the controller process
        of the run (its process id and start time), the same for every tenant of one C(ansible-playbook) run;
        set it only to group outcomes differently.
    type: str
    version_added: 0.2.0
  hosts:
    description:
      - Every host the run targeted (C(ansible_play_hosts_all)). A host with no entry in
        O(tenants) stopped before it recorded its outcome; it is reported as a failed tenant,
        never left out.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  merge:
    description:
      - JSON reports of several runs to merge into one report instead of building it from O(tenants), such as the
        slices of an AWX job with job slicing, or runs per region. The merged report has the same schema,
        every tenant of every input, totals and scores counted afresh, and C(merged_from) naming the inputs.
      - Refused with the reason, before any file is written, when an input is not a fleet report of this
        schema, when the inputs are of different modes (V(audit) and V(onboard)), when a tenant is in two
        inputs, or when a vendor was held to different desired states (fields that name the tenant itself,
        such as the user's email address, aside). The merged report takes its mode from the inputs;
        O(mode), O(generated_at) and O(hosts) do not apply.
    type: list
    elements: path
    version_added: 0.2.0
  previous:
    description:
      - The JSON report of an earlier run to compare with. The new report then opens with what changed per
        tenant and vendor (worse, better, newly drifted, newly compliant, new manual steps, attestations that
        went stale or void) in Markdown and HTML, carries it as C(changes) in the JSON and as the C(change)
        column of the CSV.
      - When not set, the JSON report already in O(dest) (the last run's, when runs write to a persistent
        path) is the previous report; it is read before it is replaced, and skipped with a warning when it
        cannot be read. With O(record) and O(from_run) that is the report that was there when the run
        recorded its first outcome, not the run's own partial report. V('') compares with nothing.
      - A report named here that cannot be read fails the task before any file is written.
    type: path
    version_added: 0.2.0
  dest:
    description: The directory the report files go to; created when missing.
    type: path
    required: true
  basename:
    description: File name without extension.
    type: str
    default: fleet-report
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [json, markdown, html, csv]
    default: [json, markdown, html, csv]
  file_mode:
    description:
      - The permissions of the report files, in octal (a quoted string such as V('0640'), or an integer).
      - Reports name tenants and their gaps, so by default only the owner may read them. The mode is set
        after the file is moved into place, whatever the umask, and is applied to an unchanged file too.
    type: raw
    default: '0600'
    version_added: 0.2.0
  title:
    description: The report's title.
    type: str
    default: Autotask fleet report
  mode:
    description: What the run was, as the report shows it (for example V(onboard) or V(audit)).
    type: str
    default: onboard
  generated_at:
    description: The run's time stamp as the report shows it (ISO 8601).
    type: str
"""

EXAMPLES = r"""
# After the slices of a sliced AWX job have each written their report to a shared path.
- name: Merge the slices' reports into one
  msp.autotask.autotask_fleet_report:
    merge: "{{ query('ansible.builtin.fileglob', '/srv/msp-autotask/reports/slice-*/fleet-report.json') }}"
    dest: /srv/msp-autotask/reports/fleet
  delegate_to: localhost
  run_once: true

# In a play of its own after the tenants' play: plays are a barrier under every strategy.
- name: Write the fleet report once, on the controller
  msp.autotask.autotask_fleet_report:
    tenants: >-
      {{ ansible_play_hosts_all | map('extract', hostvars) | selectattr('msp_autotask_tenant_report', 'defined')
         | map(attribute='msp_autotask_tenant_report') | list }}
    hosts: "{{ ansible_play_hosts_all }}"
    dest: "{{ playbook_dir }}/reports"
    mode: audit
    generated_at: "{{ now(utc=true).isoformat() }}"
  run_once: true
  delegate_to: localhost
  check_mode: false
  changed_when: false
"""

RETURN = r"""
paths:
  description: The files written (or, in check mode, that would be), by format.
  returned: always
  type: dict
  sample: {json: /srv/reports/fleet-report.json, csv: /srv/reports/fleet-report.csv}
changes:
  description:
    - What changed since the previous report (see O(previous)), or V(null) when there was none to compare with.
    - C(items) holds one entry per tenant and vendor that changed, worse first, with C(from), C(to), C(direction)
      (V(worse), V(better), V(new), V(same)), C(new_drift), C(new_manual_steps) and C(lapsed_attestations);
      C(absent) lists the tenants of the previous report that this run did not cover.
  returned: always
  type: dict
  version_added: 0.2.0
totals:
  description: Tenants by status (C(failed), C(drift), C(manual), C(compliant)) and fleet-wide counts.
  returned: always
  type: dict
partial:
  description:
    - Set on a partial report (see O(record)); V(null) on a full one.
  returned: always
  type: dict
  sample: {finished: 12, targeted: 40}
  version_added: 0.2.0
statuses:
  description:
    - Each tenant's status by inventory host, so a play can fail the tenants in a state it treats as a failure
      (C(msp_autotask_fail_on) in C(playbooks/onboard.yml)) and publish them with C(ansible.builtin.set_stats).
  returned: always
  type: dict
  sample: {contoso: compliant, fabrikam: drift}
  version_added: 0.2.0
vendors:
  description:
    - Per vendor, tenants by status and the alignment score with its counts (C(assessed), C(failed), C(rows),
      C(rows_satisfied)).
    - The score is the mean over the vendor's tenants of each tenant's share of desired properties met; a failed
      tenant counts as 0, so a failure can never raise it. A failed tenant whose vendors are unknown (it stopped
      before naming them) counts as 0 for every vendor the previous report shows for it, or, without one, for
      every vendor of the fleet.
  returned: always
  type: list
  elements: dict
"""

import json
import os
import stat
import tempfile

from ansible_collections.msp.autotask.plugins.module_utils import _report as report
from ansible_collections.msp.autotask.plugins.module_utils import _report_changes as history
from ansible_collections.msp.autotask.plugins.module_utils import _report_merge as merging
from ansible_collections.msp.autotask.plugins.module_utils import _report_run as runs
from ansible_collections.msp.autotask.plugins.module_utils import _stand_in


def file_mode(value):
    """The permission bits an octal string or integer names, or None when it names none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        mode = value
    else:
        try:
            mode = int(str(value).strip(), 8)
        except ValueError:
            return None
    return mode if mode == stat.S_IMODE(mode) else None


def write_report(module, path, text, mode):
    """Write ``text`` to ``path`` through a temporary file no one else can read; True when it changed."""
    try:
        with open(path, encoding="utf-8") as handle:
            same = handle.read() == text
    except OSError:
        same = False
    if not same and not module.check_mode:
        try:
            # mkstemp: owner-only from the start, and a name of its own if two runs write at once
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".%s." % os.path.basename(path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)  # the same folder: a reader sees the old file or the new one
        except OSError as exc:
            module.fail_json(msg="cannot write %s: %s" % (path, exc))
    try:
        # After the move: atomic_move gives a new file the umask's mode.
        mode_differs = stat.S_IMODE(os.stat(path).st_mode) != mode
    except OSError:
        return not same  # check mode, and the file is not there yet
    if mode_differs and not module.check_mode:
        try:
            os.chmod(path, mode)
        except OSError as exc:
            module.fail_json(msg="cannot set the mode of %s: %s" % (path, exc))
    return not same or mode_differs


def with_stopped_hosts(tenants, hosts):
    """Each targeted host once: one that recorded nothing is a failed tenant, not a missing row."""
    return runs.stopped_outcomes(tenants, hosts)


def read_report(path):
    """A fleet report document from ``path``, or raise ValueError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError("cannot read %s: %s" % (path, exc)) from None
    problem = history.readable(doc)
    if problem:
        raise ValueError("%s: %s" % (path, problem))
    return doc


def previous_report(module, default_path, run=None):
    """The report to compare with: the one named, else the last one at dest when it reads; None for none.

    For a run that records outcomes as tenants finish, the last one is the report that was at dest when
    the run began (its partial reports have replaced that file since).
    """
    named = module.params["previous"]
    if named == "":
        return None
    if named is not None:
        try:
            return read_report(named)
        except ValueError as exc:
            module.fail_json(msg="previous: %s" % exc)
    if run is not None and run.exists():
        default_path = run.previous_path()
        if default_path is None:
            return None
    if not os.path.exists(default_path):
        return None
    try:
        return read_report(default_path)
    except ValueError as exc:
        module.warn("not compared with the previous report: %s" % exc)
        return None


def built_report(module, previous, tenants=None, stopped_msg=runs.STOPPED_MSG):
    p = module.params
    try:
        tenants = runs.stopped_outcomes(p["tenants"] if tenants is None else tenants, p["hosts"], stopped_msg)
        # The previous report tells which vendors a tenant that stopped before naming them had.
        return report.build(
            tenants, title=p["title"], mode=p["mode"], generated_at=p["generated_at"], previous=previous
        )
    except report.ReportError as exc:
        module.fail_json(msg="cannot build the report: %s" % exc)


def merged_report(module):
    docs = []
    for path in module.params["merge"]:
        try:
            with open(path, encoding="utf-8") as handle:
                docs.append(json.load(handle))
        except (OSError, ValueError) as exc:
            module.fail_json(msg="cannot merge: cannot read %s: %s" % (path, exc))
    try:
        return merging.merge(docs, module.params["merge"], title=module.params["title"])
    except report.ReportError as exc:
        module.fail_json(msg="cannot merge: %s" % exc)


# One tenant's outcome, as the playbook records it (an entry of tenants, or record).
TENANT_OPTIONS = dict(
    host=dict(type="str", required=True),
    name=dict(type="str"),
    tenant_id=dict(type="raw"),
    vendors=dict(type="list", elements="str", default=[]),
    results=dict(type="list", elements="dict", default=[]),
    failure=dict(type="dict"),
)


def write_files(module, doc, mode):
    """Every format of ``doc`` at dest; returns ({format: path}, whether a file changed)."""
    p = module.params
    if not module.check_mode:
        try:
            os.makedirs(p["dest"], exist_ok=True)
        except OSError as exc:
            module.fail_json(msg="cannot create %s: %s" % (p["dest"], exc))
    paths, changed = {}, False
    for fmt in p["formats"]:
        render, ext = report.RENDERERS[fmt]
        paths[fmt] = os.path.join(p["dest"], "%s.%s" % (p["basename"], ext))
        changed = write_report(module, paths[fmt], render(doc), mode) or changed
    return paths, changed


def report_path(module):
    return os.path.join(module.params["dest"], "%s.json" % module.params["basename"])


def run_folder(module):
    try:
        return runs.RunFolder(module.params["dest"], module.params["run_id"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))


def record_outcome(module, mode):
    """Keep one tenant's outcome for the run, then refresh the run's partial report when it is due."""
    p = module.params
    outcome = p["record"]
    result = dict(changed=False, paths={}, partial=None, ansible_facts={"msp_autotask_tenant_report": outcome})
    if module.check_mode:
        module.exit_json(**result)
    run = run_folder(module)
    try:
        os.makedirs(p["dest"], exist_ok=True)
        run.open(report_path(module))
        run.write_outcome(outcome)
        with run.refresh_turn() as turn:
            if turn:
                outcomes = run.outcomes()
                previous = previous_report(module, None, run)
                doc = built_report(module, previous, outcomes, runs.UNFINISHED_MSG)
                recorded = {o["host"] for o in outcomes}
                targeted = len(recorded | set(p["hosts"]))
                if len(recorded) < targeted:
                    # Once every tenant has finished, this is the whole run's report already.
                    doc["partial"] = {"finished": len(recorded), "targeted": targeted}
                if previous is not None:
                    doc["changes"] = history.changes(previous, doc)
                result["paths"], _changed = write_files(module, doc, mode)
                result["partial"] = doc.get("partial")
    except OSError as exc:
        module.fail_json(msg="cannot record the outcome of %s under %s: %s" % (outcome["host"], p["dest"], exc))
    module.exit_json(**result)


def main():
    module = _stand_in.module_class(
        argument_spec=dict(
            tenants=dict(type="list", elements="dict", options=TENANT_OPTIONS),
            record=dict(type="dict", options=TENANT_OPTIONS),
            from_run=dict(type="bool"),
            run_id=dict(type="str"),
            hosts=dict(type="list", elements="str", default=[]),
            merge=dict(type="list", elements="path"),
            previous=dict(type="path"),
            dest=dict(type="path", required=True),
            basename=dict(type="str", default="fleet-report"),
            formats=dict(type="list", elements="str", choices=list(report.RENDERERS), default=list(report.RENDERERS)),
            file_mode=dict(type="raw", default="0600"),
            title=dict(type="str", default="Autotask fleet report"),
            mode=dict(type="str", default="onboard"),
            generated_at=dict(type="str"),
        ),
        required_one_of=[("tenants", "merge", "record", "from_run")],
        mutually_exclusive=[("tenants", "merge", "record", "from_run")],
        required_if=[("from_run", True, ("run_id",))],
        required_by={"record": ("run_id",)},
        supports_check_mode=True,
    )
    p = module.params
    mode = file_mode(p["file_mode"])
    if mode is None:
        module.fail_json(msg="file_mode must be octal permission bits, such as '0600'; got %r" % (p["file_mode"],))
    if p["record"] is not None:
        record_outcome(module, mode)
    run = run_folder(module) if p["from_run"] else None
    previous = previous_report(module, report_path(module), run)
    if p["merge"]:
        doc = merged_report(module)
    elif run is not None:
        doc = built_report(module, previous, run.outcomes() if run.exists() else [])
    else:
        doc = built_report(module, previous)
    if previous is not None:
        doc["changes"] = history.changes(previous, doc)
    paths, changed = write_files(module, doc, mode)
    if run is not None and not module.check_mode:
        run.remove()  # the full report holds every outcome now
    statuses = {t["host"]: t["status"] for t in doc["tenants"]}
    module.exit_json(
        changed=changed,
        paths=paths,
        totals=doc["totals"],
        vendors=doc["vendors"],
        changes=doc["changes"],
        statuses=statuses,
        partial=doc.get("partial"),
    )


if __name__ == "__main__":
    main()
