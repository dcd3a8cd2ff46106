# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The desired-state model every module shares: pure functions, no I/O.

Desired and observed state go through the same normalisers; every desired property ends in
exactly one status; manual steps and attestation lines come from the same data.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from ansible_collections.msp.autotask.plugins.module_utils import _catalog as cat

# converged: written through the API in this run; ok: observed equal; drift: observed
# different and only fixable in the UI; missing: the object does not exist; unverifiable: no
# API can observe it; attested: an operator confirmed it; excepted: an accepted deviation;
# unknown: a read failed, so nothing is concluded.
STATUSES = ("converged", "ok", "drift", "missing", "unverifiable", "attested", "excepted", "unknown")
NOT_COMPLIANT = ("drift", "missing", "unverifiable", "unknown")

PROTECTED_BOXES = ("edit_protected", "view_protected", "edit_unprotected", "view_unprotected")
PROTECTED_LABELS = {
    "edit_protected": "Edit Protected Data",
    "view_protected": "View Protected Data",
    "edit_unprotected": "Edit Unprotected Data",
    "view_unprotected": "View Unprotected Data",
}

SECURITY_LEVELS_PATH = "Admin > Features & Settings > Resources/Users (HR) > Security > Security Levels"
PROTECTED_DATA_PATH = "Admin > Features & Settings > Resources/Users (HR) > Security > Protected Data Permission"
RESOURCES_PATH = "Admin > Features & Settings > Resources/Users (HR) > Resources/Users"


class ModelError(ValueError):
    """Desired state that cannot be right; raised before any API call."""


class TenantMismatch(ModelError):
    """The credential resolves to another Autotask database than tenant_id: nothing may be done."""

    def __init__(self, found, wanted):
        super().__init__(
            "the credential belongs to Autotask database %s, not to tenant_id %s; nothing was done" % (found, wanted)
        )
        self.found = found
        self.wanted = wanted


# -- fingerprints and attestations ----------------------------------------------------------


def fingerprint(desired):
    """A stable digest of desired values: changing the desired table re-opens the steps."""
    blob = json.dumps(desired, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def parse_date(value, what):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ModelError("%s must be a date (YYYY-MM-DD), got %r" % (what, value)) from None


def attestation_state(attestation, current_fingerprint):
    """'valid', 'stale' (desired values changed since) or 'none'."""
    if not attestation:
        return "none"
    for key in ("fingerprint", "by", "at"):
        if not attestation.get(key):
            raise ModelError("an attestation needs fingerprint, by and at; %s is missing" % key)
    parse_date(attestation["at"], "attestation 'at'")
    return "valid" if attestation["fingerprint"] == current_fingerprint else "stale"


def attestation_line(var_name, current_fingerprint):
    """What the operator records in the inventory after doing the manual steps.

    A dotted name (``propel_attestations.security_level``, as the vendor roles use) becomes
    nested YAML, so the line can be pasted as it is.
    """
    value = "{fingerprint: '%s', by: '<your name>', at: '<YYYY-MM-DD>'}" % current_fingerprint
    head, _sep, tail = var_name.partition(".")
    if tail:
        return "%s: {%s: %s}" % (head, tail, value)
    return "%s: %s" % (var_name, value)


# -- security-level rows ----------------------------------------------------------------------


def _split_cell(value):
    if isinstance(value, dict):
        return list(value.items())
    parts = value if isinstance(value, list) else str(value).replace("\n", ",").split(",")
    out = []
    for part in parts:
        if isinstance(part, dict):
            out.extend(part.items())
            continue
        text = str(part).strip()
        if not text:
            continue
        if ":" not in text:
            raise ModelError("expected 'Facet: Value' (e.g. 'View: All'), got %r" % text)
        facet, scope = text.split(":", 1)
        out.append((facet, scope))
    return out


def _pick(value, allowed, what):
    for option in allowed:
        if cat.canonical(option) == cat.canonical(value):
            return option
    raise ModelError("%s: %r is not valid; valid: %s" % (what, value, ", ".join(allowed)))


def normalise_permission(kind, value, where, allowed=None):
    """One permission cell in canonical form, or ModelError naming the row and valid values."""
    if kind == "object":
        facets = {}
        for facet, scope in _split_cell(value):
            facet = _pick(facet, ("View", "Add", "Edit", "Delete"), "%s facet" % where).lower()
            choices = cat.ADD_VALUES if facet == "add" else cat.OBJECT_SCOPES
            if facet in facets:
                raise ModelError("%s: facet %s is given twice" % (where, facet.capitalize()))
            facets[facet] = _pick(scope, choices, "%s %s" % (where, facet.capitalize()))
        if not facets:
            raise ModelError("%s: give at least one facet, e.g. 'View: All'" % where)
        return {f: facets[f] for f in cat.FACETS if f in facets}
    if kind == "check":
        if isinstance(value, bool):
            return value
        text = cat.canonical(value)
        if text in ("(add check)", "add check", "check", "checked", "yes", "true", "on"):
            return True
        if text in ("(remove check)", "uncheck", "unchecked", "no", "false", "off"):
            return False
        raise ModelError("%s: %r is not a check box value; use true/false or '(Add Check)'" % (where, value))
    return _pick(value, allowed or (), where)


def _text_cell(value, where):
    """An unknown row's cell as written: the collection cannot tell its valid values."""
    if isinstance(value, bool):
        return "checked" if value else "unchecked"
    if isinstance(value, dict):
        value = ["%s: %s" % item for item in value.items()]
    text = ", ".join(str(v).strip() for v in value) if isinstance(value, list) else str(value).strip()
    if not text:
        raise ModelError("%s: give the value the guide asks for" % where)
    return text


def _row_key(index, row, strict):
    """The row's catalogue key; an unknown row keeps its own names unless ``strict``.

    Sections are all documented (D-SL), so an unknown section is a slip, never a new row.
    """
    if cat.canonical(row["section"]) not in [cat.canonical(s) for s in cat.SECTIONS]:
        near = cat.nearest(row["section"], cat.SECTIONS)
        raise ModelError(
            "permissions[%d]: unknown section %r%s; valid: %s"
            % (index, row["section"], " (did you mean %s?)" % near[0] if near else "", ", ".join(cat.SECTIONS))
        )
    key = cat.find_row(row["section"], row["subsection"], row["name"])
    if key is not None:
        return key
    section = next(x for x in cat.SECTIONS if cat.canonical(x) == cat.canonical(row["section"]))
    key = (section, *(" ".join(str(row[k]).split()) for k in ("subsection", "name")))
    if strict:
        near = cat.nearest_rows(key)
        raise ModelError(
            "permissions[%d]: unknown row %s (strict_rows is on)%s; known rows: %s"
            % (
                index,
                " > ".join(key),
                "; did you mean %s?" % " or ".join(near) if near else "",
                "; ".join(cat.row_names()),
            )
        )
    return key


def normalise_rows(rows, strict=False):
    """Validate and normalise a permission table.

    A row the catalogue does not know is kept as written and is attest-only (verify_rows says
    so, naming the nearest known rows); with ``strict`` it is an error instead.
    """
    if not isinstance(rows, list):
        raise ModelError("permissions must be a list of rows")
    out, folded = {}, set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ModelError("permissions[%d] must be a mapping" % index)
        missing = [k for k in ("section", "subsection", "name", "permission") if row.get(k) in (None, "")]
        if missing:
            raise ModelError("permissions[%d] needs %s" % (index, ", ".join(missing)))
        key = _row_key(index, row, strict)
        if tuple(cat.canonical(p) for p in key) in folded:
            raise ModelError("permissions[%d]: row %s is given more than once" % (index, " > ".join(key)))
        folded.add(tuple(cat.canonical(p) for p in key))
        spec = cat.spec_of(key)
        where = " > ".join(key)
        if spec is cat.UNKNOWN_ROW:
            out[key] = _text_cell(row["permission"], where)
        else:
            out[key] = normalise_permission(spec["kind"], row["permission"], where, spec.get("values"))
    return out


def describe(kind, value):
    """A permission cell as the UI shows it."""
    if kind == "object":
        return ", ".join("%s: %s" % (f.capitalize(), v) for f, v in value.items())
    if kind == "check":
        return "checked" if value else "unchecked"
    return str(value)  # a drop-down value, or an unknown row's cell as written


def _expected_ops(spec, value):
    """{operation: expected access} a row's value implies, for the operations it observes."""
    if spec["kind"] == "object":
        return {cat.FACET_OPERATION[f]: cat.SCOPE_ACCESS[v] for f, v in value.items()}
    ops = spec["observe"].get("operations", [])
    if not ops:
        return {}
    if spec["kind"] == "scope":
        return {op: cat.SCOPE_ACCESS.get(value, "None") for op in ops}
    if spec["kind"] == "check":
        return dict.fromkeys(ops, "All" if value else "None")
    return {}


def _observable_ops(spec):
    if spec["kind"] == "object":
        return [cat.FACET_OPERATION[f] for f in cat.FACETS]
    return list(spec["observe"].get("operations", []))


def over_granted(rows, observed):
    """Rights observed beyond what the whole table allows (vendors ask for the minimum).

    The allowed level of an (entity, operation) is the highest any desired row grants it; rows
    and facets the table leaves out allow nothing.
    """
    allowed = {}
    for key, value in rows.items():
        spec = cat.spec_of(key)
        for entity in spec["observe"].get("entities", []):
            for op, want in _expected_ops(spec, value).items():
                if cat.ACCESS_RANK[want] > cat.ACCESS_RANK[allowed.get((entity, op), "None")]:
                    allowed[(entity, op)] = want
    out, by_key = [], _by_entity_key(observed)
    for spec in cat.ROWS.values():
        for entity in spec["observe"].get("entities", []):
            info = by_key.get(entity_key(entity)) or {}
            for op in _observable_ops(spec):
                got = info.get("userAccessFor" + op.capitalize())
                want = allowed.get((entity, op), "None")
                item = {"entity": entity, "operation": op, "allowed": want, "observed": got}
                if got in cat.ACCESS_RANK and cat.ACCESS_RANK[got] > cat.ACCESS_RANK[want] and item not in out:
                    out.append(item)
    return sorted(out, key=lambda o: (o["entity"], o["operation"]))


def _access_label(op, access):
    if op == "create":
        return {"All": "Yes", "Restricted": "Yes (restricted)", "None": "No"}.get(access, access)
    return {"All": "All", "Restricted": "Mine/Restricted", "None": "None"}.get(access, access)


def _parse_exceptions(exceptions, rows=()):
    """Exceptions by row key: a catalogued row, or an unknown row the table itself names."""
    own = {tuple(cat.canonical(p) for p in key): key for key in rows}
    excepted = {}
    for exc in exceptions or []:
        names = [exc.get(k, "") for k in ("section", "subsection", "name")]
        key = cat.find_row(*names) or own.get(tuple(cat.canonical(n) for n in names))
        if key is None:
            raise ModelError(
                "exception for unknown row %r" % " > ".join(str(exc.get(k)) for k in ("section", "subsection", "name"))
            )
        for field in ("reason", "owner", "expires"):
            if not exc.get(field):
                raise ModelError("the exception for %s needs a %s" % (" > ".join(key), field))
        excepted[key] = dict(exc, expires=parse_date(exc["expires"], "exception 'expires'"))
    return excepted


# Autotask's help calls an entry's name "the name of the entity. For example, ticket, note,
# company"; no recorded answer shows the case or number, so names match without either, and
# where the REST path and the entity name differ, through this table.
ENTITY_ALIASES = {"companytodo": "todo"}


def entity_key(name):
    text = str(name or "").strip().lower()
    if text.endswith("ies"):
        text = text[:-3] + "y"
    elif text.endswith("s"):
        text = text[:-1]
    return ENTITY_ALIASES.get(text, text)


class AmbiguousEntity(dict):
    """Two EntityInformation names that fold to one key with different access: conclude nothing."""

    def __init__(self, names):
        super().__init__()
        self.names = names


def _by_entity_key(observed):
    by_key, names = {}, {}
    for name, info in (observed or {}).items():
        key = entity_key(name)
        names.setdefault(key, []).append(name)
        if key in by_key and by_key[key] != info:
            by_key[key] = AmbiguousEntity(names[key])  # which one the row means is not known
        elif key not in by_key:
            by_key[key] = info
    return by_key


def _observe_row(key, spec, expected_ops, observed):
    """(status, observed text, why not proof) of one row from entityInformation.

    Less access than the row grants proves the row wrong. Enough access proves it right only
    where this row alone can grant it and the answer tells the row's value apart from its
    neighbours: otherwise the third value says, in words, why the observation is not proof.
    """
    seen, drift, unreadable, shared, absent, ambiguous, scope = [], False, False, set(), [], [], False
    for entity in spec["observe"].get("entities", []):
        info = observed.get(entity_key(entity))
        if info is None:
            absent.append(entity)  # said, never skipped: a silent skip would hide every row
            continue
        if isinstance(info, AmbiguousEntity):
            ambiguous.append("%s (%s)" % (entity, ", ".join(info.names)))
            continue
        for op, want in expected_ops.items():
            got = info.get("userAccessFor" + op.capitalize(), "Unknown")
            seen.append("%s %s: %s" % (entity, op, _access_label(op, got)))
            if got not in cat.ACCESS_RANK:
                unreadable = True  # a value this collection does not know: conclude nothing
            elif cat.ACCESS_RANK[got] < cat.ACCESS_RANK[want]:
                drift = True
            else:
                others = cat.GRANTORS.get((entity, op), set()) - {key}
                if cat.ACCESS_RANK[got] > cat.ACCESS_RANK[want] and not others:
                    drift = True  # more than this row gives, and no other row can give it
                elif cat.ACCESS_RANK[got] > 0:
                    shared |= others
                # Mine, My Territories and Mine + Organizations all read Restricted (D-EI).
                scope = scope or (want == "Restricted" and got == "Restricted")
    if (absent or ambiguous) and not drift:
        gaps = ["EntityInformation has no entry for %s" % ", ".join(absent)] if absent else []
        gaps += ["EntityInformation has more than one entry for %s" % ", ".join(ambiguous)] if ambiguous else []
        return "unknown", "; ".join(gaps), []
    why = ["another row can grant the same access (%s)" % "; ".join(" > ".join(k) for k in sorted(shared))]
    why = why if shared else []
    why += [RESTRICTED_SCOPE_NOTE] if scope else []
    return ("drift" if drift else "unknown" if unreadable else "ok"), "; ".join(seen), why


NOT_PROOF_NOTE = "not proof: %s; the row needs an attestation"
RESTRICTED_SCOPE_NOTE = "Restricted does not tell Mine, My Territories and Mine + Organizations apart"
ASSUMED_NOTE = "assumed mapping: the observation is shown, not proof; the row needs an attestation"


def verify_rows(rows, observed, attestation="none", exceptions=None, today=None, probe_error=None):
    """Verification rows and over-granted rights for a normalised permission table.

    ``observed`` is ``{entity: {"userAccessForQuery": ..., ...}}`` from entityInformation read
    as a user holding the level (``verify_as``), or None when no such user was given.
    ``probe_error`` says why the probe could not be read: every row it would have verified is
    then unknown. Only a row whose mapping Autotask documents (catalogue ``evidence``) turns
    ok or drift from observation alone; an assumed mapping's observation is shown beside the
    row, which still needs an attestation, and a contradiction there is a warning, not a void.
    Exceptions apply before the attestation is judged (settle), so an excepted row never voids
    it. Returns (rows, over_granted, attestation_void).
    """
    today = today or datetime.date.today()
    excepted = _parse_exceptions(exceptions, rows)
    result, over, by_key = [], [], _by_entity_key(observed)
    for key, value in rows.items():
        spec = cat.spec_of(key)
        entry = {
            "key": ["permission", *key],
            "property": "permission: " + " > ".join(key),
            "expected": describe(spec["kind"], value),
            "observed": None,
            "status": "unverifiable",
            "evidence": spec.get("evidence") or "attestation",
        }
        if spec is cat.UNKNOWN_ROW:
            entry["warning"] = cat.unknown_row_note(key)
        expected_ops = _expected_ops(spec, value)
        observable = bool(spec["observe"].get("entities")) and bool(expected_ops)
        if probe_error and observable and spec.get("evidence") == "documented":
            entry.update(observed=probe_error, status="unknown")
        elif observed is not None and observable and not probe_error:
            status, seen, not_proof = _observe_row(key, spec, expected_ops, by_key)
            if status == "ok" and not_proof and spec.get("evidence") == "documented":
                entry.update(observed=seen, note=NOT_PROOF_NOTE % "; ".join(not_proof))
            elif status and spec.get("evidence") == "documented":
                entry.update(observed=seen, status=status)
            elif status:
                entry.update(observed=seen, note=ASSUMED_NOTE)
                if status == "drift":
                    entry["warning"] = "the observation contradicts this row; check it in the UI"
        _apply_exception(entry, excepted.get(key), today)
        result.append(entry)
    if observed is not None and not probe_error:
        over = over_granted(rows, observed)
    return result, over, settle(result, attestation) == "void"


def _apply_exception(entry, exc, today):
    """An accepted deviation: excepted until it expires, then drift again."""
    observed_drift = entry["status"] == "drift"
    if exc is not None and entry["status"] != "ok":
        if exc["expires"] >= today:
            entry["status"] = "excepted"
            entry["exception"] = {"reason": exc["reason"], "owner": exc["owner"], "expires": str(exc["expires"])}
        else:
            entry["status"] = "drift"
            entry["note"] = "exception expired on %s" % exc["expires"]
            entry["exception_expired"] = str(exc["expires"])
    if observed_drift and entry["status"] == "drift":
        entry["voids_attestation"] = True  # observed and not excepted: what was attested cannot stand


def void_reason(verification):
    """Which observation voided an attestation, in words."""
    rows = [r for r in verification if r.get("voids_attestation")]
    return "; ".join("%s: expected %s, observed %s" % (r["property"], r["expected"], r["observed"]) for r in rows)


# A row a planned write would fix describes the tenant as it is now: not right. Only applying
# the write turns it converged, so check mode (which applies nothing) can never show green.
PENDING_WRITE_NOTE = "onboard fixes this (check mode: nothing was written)"


def settle(rows, attestation):
    """The one attestation rule, for every part; returns the attestation's final state.

    An attestation counts when it is valid (recorded for the current desired state), no row
    observed something that voids it, and nothing it speaks of is missing. Then every
    attest-only row (``unverifiable``) becomes ``attested``; otherwise none does. Exceptions
    were applied before (verify_rows), so an excepted row never voids it.
    """
    if attestation != "valid":
        return attestation
    if any(r.get("voids_attestation") for r in rows):
        return "void"
    if any(r["status"] == "missing" for r in rows):
        return attestation  # nothing to attest on an object that is not there
    for row in rows:
        if row["status"] == "unverifiable":
            row["status"] = "attested"
    return attestation


class Ledger:
    """One part's verification rows, in order and by key (a tuple); labels are for people.

    Rows are plain dicts (they go to JSON as they are); ``key`` is the tuple as a list.
    """

    def __init__(self):
        self.rows = []
        self._by_key = {}
        self._pending = []

    def add(self, key, label, expected, observed=None, status="unverifiable", **extra):
        if key in self._by_key:
            raise InternalError(KeyError(key), "the ledger (a key given twice)")
        row = dict(key=list(key), property=label, expected=expected, observed=observed, status=status, **extra)
        self.rows.append(row)
        self._by_key[key] = row
        return row

    def pending(self, key, label, expected, observed):
        """A row a planned write fixes: drift until apply() says the write landed."""
        self._pending.append(key)
        return self.add(key, label, expected, observed, "drift", note=PENDING_WRITE_NOTE)

    def applied(self):
        """Every planned write landed: their rows are converged."""
        for key in self._pending:
            row = self._by_key[key]
            row["status"] = "converged"
            row.pop("note", None)
        self._pending = []

    def __getitem__(self, key):
        return self._by_key[key]

    def get(self, key):
        return self._by_key.get(key)


# -- protected data ---------------------------------------------------------------------------


def normalise_protected(boxes):
    """Ticking a box ticks the lesser ones: EP => VP => EU => VU (D-PD)."""
    out = {}
    for box in PROTECTED_BOXES:
        value = (boxes or {}).get(box)
        if value is not None and not isinstance(value, bool):
            raise ModelError("%s must be true or false" % box)
        out[box] = bool(value)
    for higher, lower in zip(PROTECTED_BOXES, PROTECTED_BOXES[1:]):
        if out[higher]:
            out[lower] = True
    return out


# -- results ----------------------------------------------------------------------------------


def compliant(verification):
    return not any(row["status"] in NOT_COMPLIANT for row in verification)


def summary(verification):
    counts = {}
    for row in verification:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def outcome(verification, manual_steps, changed=False, diff=None, end_state=None, **extra):
    """One part's result: the keys every module and the fleet report read."""
    is_compliant = compliant(verification)
    result = dict(
        changed=changed,
        compliant=is_compliant,
        verification=verification,
        summary=summary(verification),
        manual_steps=manual_steps if not is_compliant else [],
        end_state=end_state,
        diff=diff,
    )
    result.update(extra)
    return result


class InternalError(Exception):
    """A defect in this collection, not in the input or the API: said as such, never a traceback alone."""

    def __init__(self, cause, where=""):
        super().__init__(
            "internal error%s: %s: %s (a defect in msp.autotask; please report it with -vvv output)"
            % (" in " + where if where else "", type(cause).__name__, cause)
        )


class PartFailed(Exception):
    """A part stopped after the API refused something; ``extra`` says how far it got."""

    def __init__(self, cause, **extra):
        super().__init__(str(cause))
        self.cause = cause
        self.extra = extra


def mask(value, secret_keys=("secret", "password", "integration_code")):
    """A copy with secret values replaced, for diffs and end states."""
    if isinstance(value, dict):
        return {k: ("********" if k in secret_keys and v else mask(v, secret_keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, secret_keys) for v in value]
    return value
