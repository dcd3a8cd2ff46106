"""The sandbox's technician: does a checklist's steps in the UI (the control plane), from the text alone.

The demo hands it each vendor's manual steps exactly as the fleet report prints them. It reads
them as a person would (the UI path, the names and values in quotes) and knows nothing of the
collection: no desired state, no fingerprints beyond what a step spells out. A step it cannot
follow is an error, so a missing or wrong step in the checklist fails the demo instead of being
papered over. Lines that are not UI work (run onboard, record the attestation) are returned as
such; the caller records the attestation lines in the inventory.
"""

import re

import yaml

BOXES = {
    "edit protected data": "edit_protected",
    "view protected data": "view_protected",
    "edit unprotected data": "edit_unprotected",
    "view unprotected data": "view_unprotected",
}
UI_FIELDS = {"First Name": "firstName", "Last Name": "lastName", "Email Address": "email", "Title": "title"}
TAB_ENTITIES = {
    "Departments": ("ResourceRoleDepartments", ("departmentID", "roleID")),
    "Service Desk Roles": ("ResourceServiceDeskRoles", ("roleID",)),
    "Service Desk Queues": ("ResourceRoleQueues", ("queueID",)),
}
TENANT = r"(?: in tenant (?P<tenant>\d+))?"


class StepError(Exception):
    """A checklist line the technician cannot carry out as written."""


class Technician:
    def __init__(self, control, tenant_id):
        self.control = control
        self.tid = int(tenant_id)
        self.level = None  # the security level open in the editor
        self.draft = None  # a New API User form being filled
        self.attestation_lines = []
        self.done = []
        self._handlers = [
            (r"^Run onboard \(", self._skip),
            (r"^Check the verify_as user ", self._skip),
            (r"^Then record in the inventory: (?P<line>.+)$", self._record),
            (
                r"Security Levels" + TENANT + r": right-click '(?P<src>.+)' > Copy Security Level, and name the copy "
                r"'(?P<name>.+?)'(?P<inactive> \(leave it inactive\))?\.$",
                self._copy_level,
            ),
            (r"Security Levels" + TENANT + r": open '(?P<name>.+)'\.$", self._open_level),
            (r"^On its General tab, make sure the level is Active\.$", self._activate_level),
            (r"^Start from nothing: set every row these steps do not name to its lowest value", self._clear_level),
            (r"^Section (?P<section>.+?), (?P<sub>.+?): set '(?P<row>.+)' to (?P<value>.+)\.$", self._set_row),
            (r"^Save the level\.(?: Then record in the inventory: (?P<line>.+))?$", self._save_level),
            (r"Resources/Users" + TENANT + r": click the arrow beside New > New API User\.$", self._new_user),
            (
                r"^Set (?P<label>First Name|Last Name|Email Address|Title|Primary Internal Location|Security Level)"
                r" to '(?P<value>.*)'\.$",
                self._fill,
            ),
            (r"^Click Generate Key and Generate Secret\.$", self._noop),
            (r"^API Tracking Identifier: choose Integration Vendor '(?P<vendor>.+)'\.$", self._fill_vendor),
            (r"^API Tracking Identifier: choose Custom \(Internal Integration\)\.$", self._fill_internal),
            (r"^Tick 'Resource is not required to submit timesheets'\.$", self._noop),
            (r"^Save & Close, then store the generated key", self._save_user),
            (
                r"^Edit API user (?P<user>\S+) \(.+\): set (?P<what>Security Level|API Tracking Identifier > "
                r"Integration Vendor|Resource is not required to submit timesheets) to (?P<value>.+)\.$",
                self._edit_user,
            ),
            (
                r"^Edit resource (?P<user>\S+): set Primary Internal Location to '(?P<location>.+)'\.$",
                self._set_location,
            ),
            (
                r"^Edit resource (?P<user>\S+) > Associations tab > (?P<tab>.+?): remove '(?P<name>.+)'\.$",
                self._remove_link,
            ),
            (r"^Create the resource .+ first", self._noop),
            (
                r"Protected Data Permission" + TENANT + r": on the row for (?P<who>.+), tick (?P<ticks>.+) and leave "
                r"(?P<clears>.+) unticked; click Save\.$",
                self._protected,
            ),
        ]

    # -- the loop ---------------------------------------------------------------------------

    def do(self, steps):
        """Carry out each line in order; returns what was done, in words."""
        for step in steps:
            text = re.sub(r"^[^:]+: (?=Run onboard|Check the verify_as)", "", step)
            for pattern, handler in self._handlers:
                match = re.search(pattern, text)
                if match:
                    tenant = match.groupdict().get("tenant")
                    if tenant and int(tenant) != self.tid:
                        raise StepError("the step names tenant %s, not %s: %s" % (tenant, self.tid, step))
                    handler(**{k: v for k, v in match.groupdict().items() if k != "tenant"})
                    break
            else:
                raise StepError("no UI action matches this step: %r" % step)
        if self.draft is not None:
            raise StepError("a New API User form was never saved")
        return self.done

    def state(self):
        return self.control("GET", "/tenants/%d" % self.tid)

    def _resource(self, who):
        """A resource by user name, email, 'First Last' or 'First Last (username)'."""
        wanted = who.strip().lower()
        inner = re.search(r"\(([^()]+)\)$", wanted)
        for row in self.state()["entities"]["Resources"]:
            names = {
                (row.get("userName") or "").lower(),
                (row.get("email") or "").lower(),
                ("%s %s" % (row.get("firstName"), row.get("lastName"))).lower(),
            }
            if wanted in names or (inner and inner.group(1) in names):
                return row
        raise StepError("no resource %r in tenant %s" % (who, self.tid))

    # -- handlers ---------------------------------------------------------------------------

    def _skip(self):
        pass

    def _noop(self, **unused):
        pass

    def _record(self, line):
        filled = line.replace("<your name>", "Sandbox technician").replace("<YYYY-MM-DD>", "2026-12-01")
        self.attestation_lines.append(yaml.safe_load(filled))

    def _levels(self):
        return {lv["name"].lower() for lv in self.state()["security_levels"]}

    def _copy_level(self, src, name, inactive):
        if name.lower() in self._levels():
            self.done.append("'%s' already exists: opened it instead of copying" % name)
        else:
            self.control(
                "POST",
                "/tenants/%d/security-levels" % self.tid,
                {"name": name, "copy_from": src, "active": not inactive},
            )
            self.done.append("copied '%s' as '%s'" % (src, name))
        self.level = name

    def _open_level(self, name):
        if name.lower() not in self._levels():
            raise StepError("no security level %r to open" % name)
        self.level = name

    def _edit_level(self, body):
        if self.level is None:
            raise StepError("a security-level step with no level open")
        self.control("PATCH", "/tenants/%d/security-levels/%s" % (self.tid, self.level), body)

    def _activate_level(self):
        self._edit_level({"active": True})

    def _clear_level(self):
        self._edit_level({"reset_rows": True})
        self.done.append("cleared every row of '%s'" % self.level)

    def _set_row(self, section, sub, row, value):
        self._edit_level({"permissions": [{"section": section, "subsection": sub, "name": row, "permission": value}]})
        self.done.append("'%s' > %s: %s" % (self.level, row, value))

    def _save_level(self, line=None):
        self.level = None
        if line:
            self._record(line)

    def _new_user(self):
        self.draft = {}

    def _form(self):
        if self.draft is None:
            raise StepError("a New API User field with no form open")
        return self.draft

    def _fill(self, label, value):
        if label == "Security Level":
            self._form()["security_level"] = value
        elif label == "Primary Internal Location":
            self._form()["locationID"] = self._location_id(value)
        else:
            self._form()[UI_FIELDS[label]] = value

    def _fill_vendor(self, vendor):
        self._form()["integration_vendor"] = vendor

    def _fill_internal(self):
        self._form()["internal"] = True

    def _save_user(self):
        created = self.control("POST", "/tenants/%d/api-users" % self.tid, self._form())
        self.done.append("New API User %s" % created["userName"])
        self.draft = None

    def _edit_user(self, user, what, value):
        rid = self._resource(user)["id"]
        quoted = re.fullmatch(r"'(.*)'", value)
        if what == "Security Level" and quoted:
            body = {"security_level": quoted.group(1)}
        elif what == "API Tracking Identifier > Integration Vendor" and quoted:
            body = {"integration_vendor": quoted.group(1)}
            if quoted.group(1).lower() == "internal":
                body = {"internal": True}
        elif what == "Resource is not required to submit timesheets":
            return  # a box the sandbox does not model
        else:
            raise StepError("cannot set %r to %r" % (what, value))
        self.control("PATCH", "/tenants/%d/api-users/%d" % (self.tid, rid), body)
        self.done.append("%s: %s %s" % (user, what, value))

    def _location_id(self, name):
        found = [loc["id"] for loc in self.state()["locations"] if loc["name"].lower() == name.lower()]
        if not found:
            raise StepError("no location %r" % name)
        return found[0]

    def _set_location(self, user, location):
        rid = self._resource(user)["id"]
        body = {"locationID": self._location_id(location)}
        self.control("PATCH", "/tenants/%d/entities/Resources/%d" % (self.tid, rid), body)
        self.done.append("%s: location %s" % (user, location))

    def _remove_link(self, user, tab, name):
        if tab not in TAB_ENTITIES:
            raise StepError("no Associations tab %r" % tab)
        entity = TAB_ENTITIES[tab][0]
        state = self.state()
        rid = self._resource(user)["id"]
        labels = {q["id"]: q["label"] for q in state["queues"]}
        for link in state["entities"][entity]:
            if link["resourceID"] == rid and labels.get(link.get("queueID"), "").lower() == name.lower():
                self.control("DELETE", "/tenants/%d/entities/%s/%d" % (self.tid, entity, link["id"]))
                self.done.append("%s: removed %s" % (user, name))
                return
        raise StepError("no %s link %r on %s" % (tab, name, user))

    def _protected(self, who, ticks, clears):
        rid = self._resource(who)["id"]
        boxes = {}
        for label in [] if ticks == "nothing" else ticks.split(", "):
            if label.lower() not in BOXES:
                raise StepError("no Protected Data box %r" % label)
            boxes[BOXES[label.lower()]] = True
        self.control("PUT", "/tenants/%d/protected-data/%d" % (self.tid, rid), boxes)
        self.done.append("protected data of %s: %s" % (who, ticks))
