# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_util is private to the msp.autotask collection: its API may change
# without notice. It has no AnsibleModule import, so modules, plugins, the
# benchmark and the tests share one client.

"""A careful client for the Autotask PSA REST API (v1.0)."""

from __future__ import annotations

import collections
import fcntl
import hashlib
import json
import os
import random
import re
import tempfile
import time
import traceback
from urllib.parse import quote, urlencode, urlsplit

try:
    import requests
    from urllib3.util import parse_url  # how requests reads a URL's host when it connects

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


DEFAULT_ZONE_DISCOVERY_URL = "https://webservices.autotask.net/atservicesrest"
# Credentials go only to https hosts of Autotask's API domain (the documented webservices*.autotask.net
# form, and prde / pres, Autotask's own sandbox zones: KelvinTegelaar/AutotaskAPI Add-AutotaskBaseURI)
# or to hosts the caller names: a rewritten zone answer must not carry them elsewhere (#14).
AUTOTASK_API_HOST = re.compile(r"^(webservices[a-z0-9-]*|prde|pres)\.autotask\.net$")
TRUSTED_HOSTS_ENV = "AUTOTASK_TRUSTED_HOSTS"
API_VERSION = "V1.0"
PAGE_SIZE = 500
# The help pages state GET URLs are limited to 2,048 characters; longer queries go as POST.
MAX_GET_URL = 2048
DEFAULT_ZONE_CACHE_TTL = 12 * 3600
# A whole request (connect, headers, every byte of the body) and a whole module run are bounded:
# a per-read socket timeout alone lets an answer that drips a byte at a time hold a tenant forever.
DEFAULT_REQUEST_TIMEOUT = 120.0
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
BODY_CHUNK = 64 * 1024

# Filter operators the REST query grammar documents (no startsWith, isNull or between).
COMPARISON_OPS = ("eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains")
EXISTENCE_OPS = ("exist", "notExist")
LIST_OPS = ("in", "notIn")
GROUP_OPS = ("and", "or")
ALL_OPS = COMPARISON_OPS + EXISTENCE_OPS + LIST_OPS + GROUP_OPS

# entityInformation access levels: the help documents 0/1/2, real responses carry strings.
ACCESS_LEVELS = {0: "None", 1: "All", 2: "Restricted"}
_ACCESS_BY_NAME = {v.lower(): v for v in ACCESS_LEVELS.values()}

# 500 bodies that are really authentication failures (field reports, see docs).
AUTH_ERROR_MESSAGES = ("zone information could not be determined", "integrationcode is invalid")
# A thread-limit rejection may come with a non-429 status (code Itgenatr005).
THROTTLE_MESSAGES = ("thread threshold exceeded", "itgenatr005")

RETRY_STATUSES = (429, 503)


class AutotaskError(Exception):
    """Any failure talking to Autotask. Never carries a secret."""

    def __init__(self, message, status=None, method=None, path=None, errors=None):
        self.status = status
        self.method = method
        self.path = path
        self.errors = list(errors or [])
        where = " ".join(p for p in (method, path) if p)
        text = message
        if where:
            text = "%s (%s%s)" % (message, where, ", HTTP %s" % status if status is not None else "")
        if self.errors:
            text = "%s: %s" % (text, "; ".join(str(e) for e in self.errors))
        super().__init__(text)
        self.message = message

    def to_dict(self):
        """Fields for fail_json."""
        return {"status": self.status, "method": self.method, "path": self.path, "errors": self.errors}


class AutotaskAuthError(AutotaskError):
    """The credential, the integration code or the zone was refused."""


class AutotaskThrottledError(AutotaskError):
    """The tenant's request budget or thread limit refused us past the retry budget."""


class AutotaskThresholdSpentError(AutotaskThrottledError):
    """The tenant's hourly request threshold is used up: retrying within the hour is futile."""


class AutotaskConnectionError(AutotaskError):
    """The network failed past the retry budget."""

    refused = False  # the host refused or dropped the connection (not a timeout)


class AutotaskUntrustedHostError(AutotaskError):
    """A URL outside Autotask's API domain (or not https) that no trusted host names."""


class AutotaskDeadlineError(AutotaskConnectionError):
    """A request or the module run took longer than its limit; never retried."""


def normalise_access(value):
    """Map an entityInformation access level (0/1/2 or a name) to "None"/"All"/"Restricted"."""
    if isinstance(value, bool):  # bool is an int; never a valid level
        raise ValueError("not an access level: %r" % (value,))
    if isinstance(value, int):
        if value in ACCESS_LEVELS:
            return ACCESS_LEVELS[value]
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) in ACCESS_LEVELS:
            return ACCESS_LEVELS[int(text)]
        if text.lower() in _ACCESS_BY_NAME:
            return _ACCESS_BY_NAME[text.lower()]
    raise ValueError("not an access level: %r" % (value,))


def normalise_entity_info(info):
    """Copy an entityInformation ``info`` object with its userAccessFor* values normalised."""
    out = dict(info)
    for key in ("userAccessForCreate", "userAccessForQuery", "userAccessForUpdate", "userAccessForDelete"):
        if key in out:
            try:
                out[key] = normalise_access(out[key])
            except ValueError:
                # A value Autotask adds later must not break the whole response.
                out[key] = "Unknown"
    return out


def build_filter(filters):
    """Validate a filter list (dicts in the API's own shape) and return it unchanged.

    Raises ValueError for an unknown operator, a missing field or value, or a bad nesting,
    so that malformed queries fail before any request.
    """
    if not isinstance(filters, (list, tuple)):
        raise ValueError("filter must be a list of conditions")
    for cond in filters:
        _check_condition(cond)
    return list(filters)


def _check_condition(cond):
    if not isinstance(cond, dict):
        raise ValueError("filter condition must be a mapping, got %r" % (cond,))
    op = cond.get("op")
    if op not in ALL_OPS:
        raise ValueError("unknown filter operator %r; valid: %s" % (op, ", ".join(ALL_OPS)))
    if op in GROUP_OPS:
        items = cond.get("items")
        if not isinstance(items, list) or not items:
            raise ValueError("filter group %r needs a non-empty 'items' list" % op)
        for item in items:
            _check_condition(item)
        return
    if not cond.get("field"):
        raise ValueError("filter operator %r needs a 'field'" % op)
    if op in EXISTENCE_OPS:
        return
    if "value" not in cond:
        raise ValueError("filter operator %r needs a 'value'" % op)
    if op in LIST_OPS and not isinstance(cond["value"], list):
        raise ValueError("filter operator %r needs a list 'value'" % op)
    if cond["value"] is None:
        # Booleans must be literal true/false and null is rejected by the API.
        raise ValueError("filter value for %r must not be null" % cond["field"])


def load_cache_file(path):
    """A cache file's mapping; anything unreadable is an empty cache."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def update_cache_file(path, change):
    """Apply ``change(data)`` to a cache file's mapping and replace the file atomically.

    Parallel forks share one zone cache: the lock keeps one fork's entry from being lost to
    another's write, and the atomic replace means readers never see half a file.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(path + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = load_cache_file(path)
            if change(data) is False:
                return
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".cache-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the calls it would have saved


class ZoneCache:
    """A tiny JSON file mapping API usernames to their zone's REST base URL.

    Keys are a hash of the discovery service and the username: the file does not list the
    tenant's user names, and an answer from one discovery service (another region, a sandbox)
    never stands in for another's.
    """

    def __init__(self, path, ttl=DEFAULT_ZONE_CACHE_TTL):
        self.path = path
        self.ttl = ttl

    @staticmethod
    def _key(discovery_url, username):
        identity = "%s\n%s" % (discovery_url.strip().rstrip("/").lower(), username.strip().lower())
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()

    def _load(self):
        return load_cache_file(self.path)

    def get(self, discovery_url, username):
        entry = self._load().get(self._key(discovery_url, username))
        if not isinstance(entry, dict):
            return None
        if time.time() - entry.get("at", 0) > self.ttl:
            return None
        return entry.get("zone")

    def put(self, discovery_url, username, zone):
        key = self._key(discovery_url, username)
        update_cache_file(self.path, lambda data: data.update({key: {"zone": zone, "at": time.time()}}))

    def drop(self, discovery_url, username):
        key = self._key(discovery_url, username)
        update_cache_file(self.path, lambda data: data.pop(key, None) is not None)


def trusted_host_set(value):
    """Hosts (``host`` or ``host:port``) from a list or a comma-separated string, lower-cased."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())


def default_zone_cache_path():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "msp.autotask", "zones.json")


class AutotaskClient:
    """One tenant connection: zone discovery, auth headers, queries, paging, writes, retries.

    ``api_url`` (the zone's REST base, e.g. ``https://webservices14.autotask.net/ATServicesRest``)
    skips zone discovery; otherwise ``zoneInformation`` is asked once and cached on disk.
    """

    def __init__(
        self,
        username,
        secret,
        integration_code,
        api_url=None,
        impersonation_resource_id=None,
        zone_discovery_url=DEFAULT_ZONE_DISCOVERY_URL,
        zone_cache_path=None,
        zone_cache_ttl=DEFAULT_ZONE_CACHE_TTL,
        validate_certs=True,
        timeout=30,
        retry_budget=60.0,
        backoff_base=0.5,
        backoff_cap=20.0,
        session=None,
        sleep=time.sleep,
        clock=time.monotonic,
        user_agent="msp.autotask",
        recorder=None,
        request_timeout=DEFAULT_REQUEST_TIMEOUT,
        run_deadline=None,
        max_response_bytes=DEFAULT_MAX_RESPONSE_BYTES,
        trusted_hosts=None,
    ):
        if not HAS_REQUESTS:
            raise AutotaskError("the Python library 'requests' is required")
        for name, value in (("username", username), ("secret", secret), ("integration_code", integration_code)):
            if not value:
                raise AutotaskError("%s is required" % name)
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in str(value)):
                # requests would refuse the header quoting its value; say which, never what.
                raise AutotaskError(
                    "%s contains a control character (a trailing newline from a file or a vault?)" % name
                )
        self.username = username
        self._secret = secret
        self._integration_code = integration_code
        self.impersonation_resource_id = impersonation_resource_id
        self.explicit_api_url = bool(api_url)
        self._base = self._clean_base(api_url) if api_url else None
        self.zone_discovery_url = zone_discovery_url.rstrip("/")
        # None: the default per-user cache file; False or "": no cache at all.
        if zone_cache_path is None:
            zone_cache_path = default_zone_cache_path()
        self.zone_cache = ZoneCache(zone_cache_path, zone_cache_ttl) if zone_cache_path else None
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.request_timeout = float(request_timeout)
        # An absolute time on ``clock`` after which no request starts (the module run's limit).
        self.run_deadline = run_deadline
        self.max_response_bytes = int(max_response_bytes)
        # None: the environment names them (one setting for a test harness); () trusts none.
        if trusted_hosts is None:
            trusted_hosts = os.environ.get(TRUSTED_HOSTS_ENV, "")
        self.trusted_hosts = trusted_host_set(trusted_hosts)
        self._cached_zone_unconfirmed = False  # a cached zone not yet answered from
        self.retry_budget = float(retry_budget)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": user_agent})
        self.zone = None
        # API calls by "METHOD kind", so modules can report what a run spent.
        self.calls = collections.Counter()
        self.retries = 0
        # Called with each exchange (method, URL, bodies, status; never headers): see _capture.
        self.recorder = recorder

    # -- zone -------------------------------------------------------------------------

    @staticmethod
    def _clean_base(url):
        url = url.rstrip("/")
        # Accept the base with or without the version segment.
        if url.lower().endswith("/" + API_VERSION.lower()):
            url = url[: -len(API_VERSION) - 1]
        return url

    @property
    def base_url(self):
        if self._base is None:
            self._base = self._discover()
        return self._base

    def discover(self):
        """The zone's REST base, discovering (or reading the cache) when needed."""
        return self.base_url

    def zone_information(self, user=None):
        """``zoneInformation`` for a user (no auth headers; exempt from thread limits)."""
        url = "%s/%s/zoneInformation?%s" % (
            self.zone_discovery_url,
            API_VERSION.lower(),
            urlencode({"user": user or self.username}),
        )
        data = self._send("GET", url, kind="zone", auth=False, safe=True)
        if not isinstance(data, dict) or not data.get("url"):
            raise AutotaskError("zoneInformation returned no url", method="GET", path="/zoneInformation")
        return data

    def _discover(self):
        if self.zone_cache is not None:
            cached = self.zone_cache.get(self.zone_discovery_url, self.username)
            if cached and self._trusted(cached.get("url") or ""):
                self.zone = cached
                self._cached_zone_unconfirmed = True
                return self._clean_base(cached["url"])
            if cached:  # written before hosts were checked, or by a rewritten answer: never used
                self.zone_cache.drop(self.zone_discovery_url, self.username)
        zone = self.zone_information()
        # Checked before it is cached: an answer naming another host is refused and forgotten.
        self.check_host(zone["url"], "GET", "/zoneInformation")
        self.zone = {k: zone.get(k) for k in ("zoneName", "url", "webUrl", "ci")}
        self._cached_zone_unconfirmed = False
        if self.zone_cache is not None:
            self.zone_cache.put(self.zone_discovery_url, self.username, self.zone)
        return self._clean_base(zone["url"])

    def _trusted(self, url):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not _one_reading_of_host(url, parts):
            return False
        if parts.scheme == "https" and AUTOTASK_API_HOST.match(host):
            return True
        try:
            netloc = "%s:%d" % (host, parts.port) if parts.port else host
        except ValueError:
            return False  # a port that is not a number
        return bool(host) and (host in self.trusted_hosts or netloc in self.trusted_hosts)

    def check_host(self, url, method, path=None):
        """Refuse a URL that credentials (or the username) must not reach."""
        if not self._trusted(url):
            parts = urlsplit(url)
            raise AutotaskUntrustedHostError(
                "refusing to send credentials to %s://%s: not an https host of Autotask's API domain "
                "(webservices*, prde or pres .autotask.net); name it in trusted_hosts (%s) to allow it"
                % (parts.scheme, parts.netloc, TRUSTED_HOSTS_ENV),
                method=method,
                path=path or _safe_path(url),
            )

    def _forget_zone(self):
        if self.explicit_api_url:
            return False
        if self.zone_cache is not None:
            self.zone_cache.drop(self.zone_discovery_url, self.username)
        self._base = None
        self.zone = None
        return True

    # -- HTTP -------------------------------------------------------------------------

    def _headers(self, auth):
        if not auth:
            return {}
        headers = {
            "ApiIntegrationCode": self._integration_code,
            "UserName": self.username,
            "Secret": self._secret,
        }
        if self.impersonation_resource_id:
            headers["ImpersonationResourceId"] = str(self.impersonation_resource_id)
        return headers

    def url(self, path):
        return "%s/%s/%s" % (self.base_url, API_VERSION, path.lstrip("/"))

    def request(self, method, path, body=None, kind=None, safe=None):
        """Call ``{base}/V1.0/{path}``; return the decoded JSON body.

        Retries only requests that are safe to repeat (reads and POST .../query);
        a 401 or a zone error drops the cached zone and tries discovery once more.
        """
        method = method.upper()
        if safe is None:
            safe = method == "GET" or (method == "POST" and _is_query_path(path))
        kind = kind or _kind_of(method, path)
        try:
            return self._send(method, self.url(path), body=body, kind=kind, safe=safe)
        except AutotaskAuthError as exc:
            # A bad integration code is not cured by another zone; a 401 or a zone error may be.
            if not _zone_may_have_moved(exc) or not self._forget_zone():
                raise
        except AutotaskConnectionError as exc:
            # A cached zone whose host refuses us may have moved: ask zoneInformation once.
            if not getattr(exc, "refused", False) or not self._cached_zone_unconfirmed or not self._forget_zone():
                raise
        # The user may have moved zone; look it up once more and repeat.
        return self._send(method, self.url(path), body=body, kind=kind, safe=safe)

    def _send(self, method, url, body=None, kind="other", auth=True, safe=False):
        path = _safe_path(url)
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            self.calls["%s %s" % (method, kind)] += 1
            self.check_host(url, method, path)
            try:
                response = self._fetch(method, url, body, auth, path)
            except AutotaskDeadlineError:
                raise  # a server that drips is not a passing fault: no retry
            except AutotaskConnectionError as exc:
                cached_zone_refused = exc.refused and auth and self._cached_zone_unconfirmed
                if not cached_zone_refused and safe and self._wait(attempt, started, None):
                    continue
                raise  # a refusing cached zone is asked again at once (request), not waited for
            if auth:
                self._cached_zone_unconfirmed = False
            if self.recorder is not None:
                self.recorder(_exchange(method, url, body, response))
            status = response.status_code
            if status < 300 and status >= 200:
                return _refuse_errors(_decode(response, method, path), status, method, path)
            error, retryable = self._error_for(response, method, path)
            if retryable and safe and self._wait(attempt, started, _retry_after(response)):
                continue
            raise error

    def _fetch(self, method, url, body, auth, path):
        """One exchange within the request deadline and the size cap, its body read whole."""
        now = self._clock()
        deadline = now + self.request_timeout
        if self.run_deadline is not None:
            if now >= self.run_deadline:
                raise AutotaskDeadlineError(
                    "the module run's time limit (run_timeout) is spent", method=method, path=path
                )
            deadline = min(deadline, self.run_deadline)
        wait = max(0.001, min(self.timeout, deadline - now))
        try:
            response = self.session.request(
                method,
                url,
                headers=self._headers(auth),
                data=None if body is None else json.dumps(body),
                timeout=(wait, wait),
                verify=self.validate_certs,
                allow_redirects=False,  # a redirect would carry our headers elsewhere
                stream=True,  # read below, against the deadline and the cap
            )
            _read_body(response, deadline, self.max_response_bytes, self._clock, method, path)
        except requests.exceptions.InvalidHeader:
            # Its message quotes the header's value, which may be the secret: never pass it on.
            raise AutotaskError("a credential header was refused as malformed", method=method, path=path) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            error = AutotaskConnectionError(
                "connection to Autotask failed: %s" % type(exc).__name__, method=method, path=path
            )
            error.refused = not isinstance(exc, requests.Timeout)
            raise error from None
        return response

    def _error_for(self, response, method, path):
        """(the error a non-2xx answer means, whether it is worth another try)."""
        status = response.status_code
        errors = _errors_of(response)
        joined = " ".join(errors).lower()
        throttled = status in RETRY_STATUSES or any(m in joined for m in THROTTLE_MESSAGES)
        if status == 429 and _retry_after(response) is None and not any(m in joined for m in THROTTLE_MESSAGES):
            # No public source shows the body of a spent hour, so its text is never matched:
            # ThresholdInformation, read once, tells spent from a passing refusal.
            spent = self._threshold_spent(path)
            if spent:
                return AutotaskThresholdSpentError(spent, status, method, path, errors), False
        if throttled:
            if status == 503:
                return AutotaskError("Autotask is unavailable", status, method, path, errors), True
            return AutotaskThrottledError("Autotask throttled the request", status, method, path, errors), True
        if status == 401:
            hint = "authentication failed: check the API username, secret and integration code"
            return AutotaskAuthError(hint, status, method, path, errors), False
        if status == 500 and any(m in joined for m in AUTH_ERROR_MESSAGES):
            return AutotaskAuthError("authentication failed", status, method, path, errors), False
        if status == 404:
            return AutotaskError("not found", status, method, path, errors), False
        return AutotaskError("Autotask returned an error", status, method, path, errors), False

    def _threshold_spent(self, path):
        """Why the hour is spent, or None when ThresholdInformation shows room (a passing refusal)."""
        if path.rstrip("/").lower().endswith("/thresholdinformation"):
            return None  # the read below itself: its 429 is the caller's answer
        try:
            usage = self.threshold_information(retry=False)  # once: a spent hour refuses it too
        except AutotaskThrottledError as exc:
            if any(m in " ".join(exc.errors or []).lower() for m in THROTTLE_MESSAGES):
                return None  # the thread limit, not the hour: a passing refusal
            # ThresholdInformation is not exempt from the threshold (D-THREAD): refused as well.
            return (
                "the tenant's hourly API request threshold looks used up: Autotask refuses its requests and "
                "ThresholdInformation as well; nothing more is sent for this tenant"
            )
        except AutotaskError:
            return None
        if usage["currentTimeframeRequestCount"] >= usage["externalRequestThreshold"]:
            return (
                "the tenant's hourly API request threshold is used up (%d of %d requests in the last %d minutes, "
                "ThresholdInformation): nothing more is sent for this tenant until usage drops"
                % (
                    usage["currentTimeframeRequestCount"],
                    usage["externalRequestThreshold"],
                    usage["requestThresholdTimeframe"],
                )
            )
        return None

    def _wait(self, attempt, started, retry_after):
        """Sleep before another try; False when the retry budget would be exceeded."""
        delay = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        delay = random.uniform(0, delay)  # full jitter spreads a fleet's retries
        if retry_after is not None:
            delay = max(delay, retry_after)
        if self._clock() - started + delay > self.retry_budget:
            return False
        if self.run_deadline is not None and self._clock() + delay >= self.run_deadline:
            return False
        self.retries += 1
        self._sleep(delay)
        return True

    # -- queries ----------------------------------------------------------------------

    def query_body(self, filters=None, include_fields=None, max_records=None):
        body = {"filter": build_filter(filters or [{"op": "exist", "field": "id"}])}
        if include_fields:
            fields = list(include_fields)
            if "id" not in fields:
                fields.insert(0, "id")  # required by the API whenever a result spans pages
            body["includeFields"] = fields
        if max_records is not None:
            if not 1 <= int(max_records) <= PAGE_SIZE:
                raise ValueError("max_records must be between 1 and %d" % PAGE_SIZE)
            body["maxRecords"] = int(max_records)
        return body

    def _first_page(self, entity, body, suffix="query"):
        """(page, method): GET with ``search`` when the URL is short enough, else POST the body."""
        search = json.dumps(body, separators=(",", ":"))
        path = "%s/%s?search=%s" % (entity, suffix, quote(search, safe=""))
        if len(self.url(path)) < MAX_GET_URL:
            return self.request("GET", path), "GET"
        return self.request("POST", "%s/%s" % (entity, suffix), body=body), "POST"

    def query(self, entity, filters=None, include_fields=None, max_records=None, limit=None):
        """Yield every matching item, following ``nextPageUrl`` until it is null.

        ``max_records`` is the page size (1-500) sent as ``maxRecords``: Autotask still answers a
        ``nextPageUrl`` while rows remain, and public clients page on with it (py-autotask 2.3.0
        ``entities/base.py``, the Anteris PHP client's ``paginate``). ``limit`` is an optional
        overall cap: no further page is asked for once that many items were yielded.

        A page that came from a POST is followed by POSTing its ``nextPageUrl`` with the same
        body: real Autotask answers a GET there with 405 (WYRE-AI/autotask-mcp PR #170). A GET
        next-page link grows with its paging token and answers 404 past the URL limit
        (KelvinTegelaar/AutotaskAPI issue #66); such a query goes on as Autotask's help describes
        instead of paging: the same query for ids above the last one received.
        """
        if limit is not None and int(limit) < 1:
            raise ValueError("limit must be at least 1")
        body = self.query_body(filters, include_fields, max_records)
        page, method = self._first_page(entity, body)
        left = None if limit is None else int(limit)
        while True:
            items = _items_of(page, entity)
            if left is not None:
                items = items[:left]
                left -= len(items)
            yield from items
            if left == 0:
                return
            next_url = (page.get("pageDetails") or {}).get("nextPageUrl")
            if not next_url:
                return
            self._check_same_origin(next_url)
            if method == "GET" and len(next_url) >= MAX_GET_URL:
                body = _after_last_id(body, items, entity)
                page, method = self._first_page(entity, body)
                continue
            page = self._send(method, next_url, body=body if method == "POST" else None, kind="query", safe=True)

    def query_all(self, entity, filters=None, include_fields=None):
        return list(self.query(entity, filters, include_fields))

    def count(self, entity, filters=None):
        body = self.query_body(filters)
        data = self._first_page(entity, body, suffix="query/count")[0]
        try:
            return int(data["queryCount"])
        except (KeyError, TypeError, ValueError):
            raise AutotaskError("malformed count response", method="GET", path="/%s/query/count" % entity) from None

    def _check_same_origin(self, url):
        here = urlsplit(self.base_url)
        there = urlsplit(url)
        if (there.scheme, there.netloc.lower()) != (here.scheme, here.netloc.lower()):
            # Following it would send the tenant's credentials to another host.
            raise AutotaskError(
                "refusing a nextPageUrl outside the tenant's zone (%s)" % there.netloc,
                method="GET",
                path=_safe_path(url),
            )

    # -- single items and writes -------------------------------------------------------

    def get(self, entity, item_id):
        """The item, or None when it does not exist.

        Autotask answers a missing id with ``200 {"item": null}`` (django-autotask 1.20.0
        ``api.py``; @apigrate/autotask-restapi 2.0.1 live test); a 404 is read the same way.
        """
        path = "%s/%s" % (entity, int(item_id))
        try:
            data = self.request("GET", path, kind="item")
        except AutotaskError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict) or "item" not in data:
            raise AutotaskError("malformed item response: no 'item' key", method="GET", path="/" + path)
        return data["item"]

    def create(self, entity, body, parent=None):
        """POST a new item (``parent=(ParentEntity, parent_id, ChildName)`` for a child URL); return its id."""
        path = entity if parent is None else "%s/%s/%s" % (parent[0], int(parent[1]), parent[2])
        data = self.request("POST", path, body=body, kind="create")
        try:
            return int(data["itemId"])
        except (KeyError, TypeError, ValueError):
            raise AutotaskError("create returned no itemId", method="POST", path="/" + path) from None

    def update(self, entity, body, parent=None, replace=False):
        """PATCH (or PUT with ``replace``) an item; ``id`` must be in ``body``."""
        if "id" not in body:
            raise ValueError("update needs 'id' in the body")
        path = entity if parent is None else "%s/%s/%s" % (parent[0], int(parent[1]), parent[2])
        method = "PUT" if replace else "PATCH"
        data = self.request(method, path, body=body, kind="update")
        answered = data.get("itemId") if isinstance(data, dict) else None
        if answered is not None and str(answered) != str(body["id"]):
            # The write landed on another item (or the answer is not about ours): never report success.
            raise AutotaskError(
                "update answered for item %s, not %s" % (answered, body["id"]), method=method, path="/" + path
            )
        return body["id"]

    # -- metadata -----------------------------------------------------------------------

    def entity_information(self, entity=None):
        """Access levels, normalised. With no entity: every entity from the global call, by name."""
        if entity is None:
            data = self.request("GET", "EntityInformation", kind="entityInformation")
            descriptions = (data or {}).get("entityDescriptions")
            if not isinstance(descriptions, list):
                raise AutotaskError("malformed EntityInformation response", method="GET", path="/EntityInformation")
            # Swagger wraps each entry as {"info": {...}}; accept a flat entry too.
            infos = [d.get("info", d) for d in descriptions if isinstance(d, dict)]
            return {i.get("name"): normalise_entity_info(i) for i in infos if isinstance(i, dict)}
        data = self.request("GET", "%s/entityInformation" % entity, kind="entityInformation")
        if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
            raise AutotaskError(
                "malformed entityInformation response", method="GET", path="/%s/entityInformation" % entity
            )
        return normalise_entity_info(data["info"])

    def fields(self, entity):
        data = self.request("GET", "%s/entityInformation/fields" % entity, kind="entityInformation")
        return _fields_of(data, entity, "fields")

    def user_defined_fields(self, entity):
        data = self.request("GET", "%s/entityInformation/userDefinedFields" % entity, kind="entityInformation")
        return _fields_of(data, entity, "userDefinedFields")

    def threshold_information(self, retry=True):
        data = self.request("GET", "ThresholdInformation", kind="threshold", safe=retry)
        keys = ("externalRequestThreshold", "requestThresholdTimeframe", "currentTimeframeRequestCount")
        if not isinstance(data, dict) or any(k not in data for k in keys):
            raise AutotaskError("malformed ThresholdInformation response", method="GET", path="/ThresholdInformation")
        return {k: int(data[k]) for k in keys}

    def api_calls(self):
        """Calls made so far: total and by "METHOD kind"."""
        return {"total": sum(self.calls.values()), "by_kind": dict(sorted(self.calls.items())), "retries": self.retries}


# -- helpers ---------------------------------------------------------------------------


def _zone_may_have_moved(exc):
    return exc.status == 401 or any("zone information" in e.lower() for e in exc.errors)


def _is_query_path(path):
    bare = path.split("?", 1)[0].rstrip("/").lower()
    return bare.endswith("/query") or bare.endswith("/query/count")


def _kind_of(method, path):
    bare = path.split("?", 1)[0].lower()
    if "/query/count" in bare:
        return "count"
    if bare.endswith("/query") or "/query/" in bare:
        return "query"
    if "entityinformation" in bare:
        return "entityInformation"
    return {"GET": "item", "POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}.get(
        method, "other"
    )


def _safe_path(url):
    """The URL's path only: never the query string (search terms) or credentials."""
    return urlsplit(url).path or "/"


def _retry_after(response):
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _errors_of(response):
    try:
        data = response.json()
    except ValueError:
        text = (response.text or "").strip()
        if not text:
            return []
        # A proxy's HTML page says little; keep a short, single-line hint.
        return ["non-JSON body: %s" % " ".join(text.split())[:120]]
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list):
            return [str(e) for e in errors]
        if "Message" in data:  # ASP.NET's own answer, e.g. for an unsupported verb
            return [str(data["Message"])]
    return []


def _read_body(response, deadline, cap, clock, method, path):
    """Read a streamed body whole, failing past ``deadline`` (on ``clock``) or over ``cap`` bytes."""
    raw = getattr(response, "raw", None)
    if raw is None or getattr(response, "_content_consumed", False):
        return  # a stand-in session handed the body over already
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > cap:
        response.close()
        raise AutotaskError("the answer is larger than max_response_bytes (%d bytes)" % cap, method=method, path=path)
    read = getattr(raw, "read1", raw.read)  # read1 returns what has arrived; read waits for a full chunk
    chunks, size = [], 0
    while True:
        if clock() > deadline:
            response.close()
            raise AutotaskDeadlineError("the answer took longer than request_timeout", method=method, path=path)
        chunk = read(BODY_CHUNK, decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            response.close()
            message = "the answer is larger than max_response_bytes (%d bytes)" % cap
            raise AutotaskError(message, response.status_code, method, path)
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what requests itself sets when it reads a body
    response._content_consumed = True


def _exchange(method, url, body, response):
    """What a recorder is told about one request: no headers, the answer decoded if it is JSON."""
    try:
        answer, is_json = (response.json() if response.content else None), True
    except ValueError:
        answer, is_json = response.text, False
    return {
        "method": method,
        "url": url,
        "request_body": body,
        "status": response.status_code,
        "answer": answer,
        "json": is_json,
    }


def _refuse_errors(data, status, method, path):
    """A 2xx answer that carries a non-empty ``errors`` list is a failure, with the API's text."""
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors:
        texts = [str(e) for e in errors] if isinstance(errors, list) else [str(errors)]
        raise AutotaskError("Autotask answered with errors", status, method, path, texts)
    return data


def _decode(response, method, path):
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise AutotaskError(
            "Autotask returned a body that is not JSON", response.status_code, method, path, _errors_of(response)
        ) from None


def _one_reading_of_host(url, parts):
    """Whether every HTTP library reads the same host from ``url``.

    A backslash, user info or white space lets urlsplit and the connection (urllib3, under
    requests) disagree on the host: ``https://evil:1\\@webservices1.autotask.net/`` passes a check
    made on one reading and connects by the other. Autotask's URLs have none of them.
    """
    if "\\" in url or "@" in parts.netloc or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        connected = (parse_url(url).host or "").lower().rstrip(".")
    except ValueError:
        return False
    return connected == (parts.hostname or "").lower().rstrip(".")


def _after_last_id(body, items, entity):
    """The query again for ids above the largest one received.

    Autotask's help offers this "looping query" as the alternative to paging (D-AQ, quoted in
    apigrate/autotask-restapi issue #24), which holds because rows come in id order; a page
    without ids cannot be continued this way.
    """
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    if not ids or not all(isinstance(i, int) for i in ids):
        raise AutotaskError(
            "cannot continue a query past the URL limit: its page has no ids", method="GET", path="/%s/query" % entity
        )
    return dict(body, filter=[*body["filter"], {"op": "gt", "field": "id", "value": max(ids)}])


def _items_of(page, entity):
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise AutotaskError("malformed query response: no 'items' list", method="GET", path="/%s/query" % entity)
    return page["items"]


def _fields_of(data, entity, what):
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise AutotaskError(
            "malformed %s response" % what, method="GET", path="/%s/entityInformation/%s" % (entity, what)
        )
    return data["fields"]
