# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the msp.autotask collection: its API may change
# without notice. It has no AnsibleModule import.

"""Capture what a real tenant answers, scrubbed, one JSON file per request.

The scrub rule (docs/docsite/rst/capture.rst says the same for users):

* headers are never written; the path is kept without scheme or host;
* a value under a key that names a secret (``secret``, ``password``, ``token``,
  ``integrationCode`` ...) becomes ``<secret>``, whatever its type;
* any text that looks like an email address becomes ``<email>``, wherever it is;
* in records (``item``, ``items``) every non-empty string becomes a typed placeholder
  (``<name>``, ``<phone>``, ``<address>``, ``<datetime>``, ``<text>``), except Autotask's own
  format codes (``dateFormat``, ``resourceType`` ...) and the names of user-defined fields;
* in metadata (``fields``, ``info``, ``entityDescriptions``) names and types are kept, free
  text (``description``, ``defaultValue``) becomes ``<text>``, and a picklist label becomes
  ``<label>`` unless the entry is a system one or the field is one the collection reads by
  label (``userType`` security levels, ``queueID`` queues);
* a create or update body is a record;
* in search filters, field names and operators are kept, string values become ``<text>``;
* numbers, booleans, nulls, empty strings, ids, keys and nesting are kept everywhere.

Elsewhere (error texts, zone and threshold answers) text is kept as Autotask wrote it, with
emails masked; a paging link keeps its path and paging token, its search scrubbed as above.
Users read the files before sharing them (the guide says so).
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FORMAT_VERSION = 1

EMAIL = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[A-Za-z]{2,}")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
PLACEHOLDER = re.compile(r"^<(secret|email|name|phone|address|datetime|text|label)>$")
SECRET_WORDS = ("secret", "password", "token", "integrationcode", "apikey", "authorization")
RECORD_WRAPPERS = ("item", "items")
META_WRAPPERS = ("fields", "info", "entitydescriptions")
META_FREE_TEXT = ("description", "defaultvalue")
# Autotask's own codes in a record, the same in every tenant: nothing personal.
FORMAT_CODES = frozenset(
    k.lower()
    for k in (
        "dateFormat",
        "timeFormat",
        "numberFormat",
        "resourceType",
        "emailTypeCode",
        "emailTypeCode2",
        "emailTypeCode3",
        "travelAvailabilityPct",
    )
)
# Picklists the collection matches by label; their labels name levels and queues, not people.
LABELS_KEPT = frozenset(("usertype", "queueid"))


def is_secret_key(key):
    lowered = str(key).lower().replace("_", "")
    return any(word in lowered for word in SECRET_WORDS)


def mask_emails(text):
    return EMAIL.sub("<email>", text)


def record_placeholder(key, text):
    """The typed placeholder for a string inside a record."""
    lowered = str(key).lower()
    if EMAIL.search(text):
        return "<email>"
    if DATETIME.match(text.strip()):
        return "<datetime>"
    if "phone" in lowered or "fax" in lowered or "extension" in lowered:
        return "<phone>"
    if "address" in lowered or lowered in ("city", "state", "postalcode", "zipcode", "country"):
        return "<address>"
    if lowered.endswith("name") or lowered in ("initials", "title"):
        return "<name>"
    return "<text>"


def scrub_answer(body):
    """A copy of an answer body with the scrub rule applied."""
    return _scrub(body, None, "other")


def scrub_record(body):
    """A copy of a written record (a create or update body) with the scrub rule applied."""
    return _scrub(body, None, "record")


def _child_context(key, context):
    lowered = str(key).lower()
    if context == "record":
        return "udf" if lowered == "userdefinedfields" else "record"
    if lowered in RECORD_WRAPPERS:
        return "record"
    if lowered in META_WRAPPERS:
        return "meta"
    return context


def _scrub(value, key, context):
    if key is not None and is_secret_key(key) and value is not None:
        return "<secret>"
    if isinstance(value, dict):
        if context == "meta" and isinstance(value.get("picklistValues"), list):
            return _scrub_field(value)
        return {k: _scrub(v, k, _child_context(k, context)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, key, context) for v in value]
    if isinstance(value, str) and value:
        return _scrub_text(value, key, context)
    return value


def _scrub_text(text, key, context):
    if PLACEHOLDER.match(text):
        return text  # scrubbed before: the rule applied twice changes nothing
    lowered = str(key).lower()
    if context == "record":
        return text if lowered in FORMAT_CODES else record_placeholder(key, text)
    if context == "udf":
        # A UDF value is the tenant's data; its name is the definition's, like a field name.
        return text if lowered == "name" else record_placeholder(key, text)
    if context == "meta" and lowered in META_FREE_TEXT:
        return "<text>"
    if lowered.endswith("pageurl"):
        return scrub_url(text)
    return mask_emails(text)


def _scrub_field(field):
    """One field definition: its picklist labels kept only where they name nothing personal."""
    out = {k: _scrub(v, k, "meta") for k, v in field.items() if k != "picklistValues"}
    keep_labels = str(field.get("name", "")).lower() in LABELS_KEPT
    entries = []
    for entry in field["picklistValues"]:
        scrubbed = _scrub(entry, None, "meta")
        if isinstance(scrubbed, dict) and scrubbed.get("label") and not (keep_labels or entry.get("isSystem") is True):
            scrubbed["label"] = "<label>"
        entries.append(scrubbed)
    out["picklistValues"] = entries
    return out


def scrub_filter(conditions):
    """A search filter with its structure kept and its string values replaced."""
    if isinstance(conditions, list):
        return [scrub_filter(c) for c in conditions]
    if not isinstance(conditions, dict):
        return _filter_value(conditions)
    out = {}
    for key, value in conditions.items():
        if key == "value":
            out[key] = _filter_value(value)
        elif key == "items":
            out[key] = scrub_filter(value)
        else:
            out[key] = value
    return out


def _filter_value(value):
    if isinstance(value, list):
        return [_filter_value(v) for v in value]
    if isinstance(value, str) and value:
        return "<email>" if EMAIL.search(value) else "<text>"
    return value


def scrub_search(search):
    """A query body (``filter``, ``includeFields``, ``maxRecords``) with its filter scrubbed."""
    if not isinstance(search, dict):
        return None if search is None else "<text>"
    out = {k: v for k, v in search.items() if not is_secret_key(k)}
    if "filter" in out:
        out["filter"] = scrub_filter(out["filter"])
    return out


def scrub_query_string(query):
    """The query string as a mapping: ``search`` parsed and scrubbed, paging tokens kept."""
    out = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.lower() == "search":
            try:
                out[name] = scrub_search(json.loads(value))
            except ValueError:
                out[name] = "<text>"
        elif name.lower() == "paging":
            out[name] = value  # ids only: the page's position
        elif value.isdigit() or not value:
            out[name] = value
        else:
            out[name] = "<email>" if EMAIL.search(value) else "<text>"
    return out


def scrub_url(url):
    """A link with its query string scrubbed (a next-page link may carry the search)."""
    parts = urlsplit(url)
    query = {
        k: json.dumps(v, separators=(",", ":")) if isinstance(v, dict) else v
        for k, v in scrub_query_string(parts.query).items()
    }
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def exchange_record(exchange):
    """The JSON document written for one request (see AutotaskClient's ``recorder``)."""
    parts = urlsplit(exchange["url"])
    body = exchange.get("request_body")
    answer = exchange.get("answer")
    if not exchange.get("json"):
        answer = None if answer is None else {"nonJsonBody": "<text %d characters>" % len(answer)}
    return {
        "format": FORMAT_VERSION,
        "request": {
            "method": exchange["method"],
            "path": parts.path or "/",
            "query": scrub_query_string(parts.query),
            "body": scrub_search(body) if isinstance(body, dict) and "filter" in body else scrub_record(body),
        },
        "response": {"status": exchange["status"], "body": scrub_answer(answer)},
    }


def file_stem(number, method, path):
    tail = re.split(r"/v1\.0/", path, maxsplit=1, flags=re.IGNORECASE)[-1]
    slug = re.sub(r"[^A-Za-z0-9]+", "_", tail).strip("_")[:60] or "root"
    return "%04d-%s-%s" % (number, method.upper(), slug)


class CaptureRecorder:
    """Writes each exchange the client reports into ``directory``, numbered in order.

    Numbering continues after the files already there, so several runs (or several hosts'
    forks) can share one directory without overwriting each other.
    """

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.written = []

    def _next_number(self):
        numbers = [int(n[:4]) for n in os.listdir(self.directory) if n[:4].isdigit()]
        return max(numbers, default=0) + 1

    def __call__(self, exchange):
        record = exchange_record(exchange)
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        while True:
            path = os.path.join(
                self.directory,
                file_stem(self._next_number(), record["request"]["method"], record["request"]["path"]) + ".json",
            )
            try:
                with open(path, "x", encoding="utf-8") as handle:
                    handle.write(text)
            except FileExistsError:
                continue  # another fork took the number: take the next one
            self.written.append(path)
            return path
