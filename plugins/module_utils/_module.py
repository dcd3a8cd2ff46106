# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""The thin layer between AnsibleModule and AutotaskClient that every module uses."""

from __future__ import annotations

import os
import time

from ansible.module_utils.basic import AnsibleFallbackNotFound, missing_required_lib

from ansible_collections.msp.autotask.plugins.module_utils import _client, _session, _specs, _stand_in
from ansible_collections.msp.autotask.plugins.module_utils import _model as model


def env_fallback(*names):
    """Like Ansible's env_fallback, but an empty variable counts as unset.

    An AWX/AAP credential type's injectors render an optional field the user left blank as an
    empty string (extensions/awx/autotask_credential_type.yml); that must not become a value.
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


# Limits on time and size that bound every module run (doc_fragments/autotask.py documents them).
LIMIT_OPTIONS = dict(
    request_timeout=dict(type="float", default=_client.DEFAULT_REQUEST_TIMEOUT),
    run_timeout=dict(type="float", default=1800.0),
    max_response_bytes=dict(type="int", default=_client.DEFAULT_MAX_RESPONSE_BYTES),
)


def autotask_argument_spec():
    """The auth options (_specs.auth_options), with their AUTOTASK_* environment fallbacks, and the limits."""
    spec = _specs.auth_options()
    for name, variable in _specs.AUTH_ENV.items():
        spec[name]["fallback"] = (env_fallback, [variable])
    spec.update({name: dict(option) for name, option in LIMIT_OPTIONS.items()})
    # Hosts outside Autotask's API domain (the sandbox, a proxy) that credentials may reach.
    spec["trusted_hosts"] = dict(
        type="list", elements="str", no_log=False, fallback=(env_fallback, [_client.TRUSTED_HOSTS_ENV])
    )
    return spec


class AutotaskModule:
    """AnsibleModule plus lazily built clients, tenant pinning and uniform results."""

    def __init__(self, argument_spec, **kwargs):
        spec = autotask_argument_spec()
        spec.update(argument_spec)
        self.module = _stand_in.module_class(argument_spec=spec, **kwargs)
        self.params = self.module.params
        if not _client.HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=_client.REQUESTS_IMPORT_ERROR)
        if not self.params["validate_certs"]:
            self.module.warn("TLS certificate verification is off: credentials may reach an impostor.")
        if self.params["trusted_hosts"]:
            # The same text every task: Ansible shows a repeated warning once per run.
            self.module.warn(
                "trusted_hosts lets credentials go to hosts outside Autotask's API domain, over any scheme: %s"
                % ", ".join(sorted(_client.trusted_host_set(self.params["trusted_hosts"])))
            )
        # One clock for the whole run: every client's requests stop at the same moment.
        self.run_deadline = time.monotonic() + self.params["run_timeout"]
        self._client = None
        self._clients = []  # every client made, for api_calls
        self.recorder = None  # told of every request every client makes (autotask_info's capture)
        self.tenant = None

    @property
    def check_mode(self):
        return self.module.check_mode

    def _new_client(self, username, secret, integration_code, api_url=None):
        p = self.params
        client = _client.AutotaskClient(
            username,
            secret,
            integration_code,
            api_url=api_url or p["api_url"],
            impersonation_resource_id=p["impersonation_resource_id"],
            zone_discovery_url=p["zone_discovery_url"],
            zone_cache_path=p["zone_cache_path"],
            validate_certs=p["validate_certs"],
            timeout=p["timeout"],
            retry_budget=p["retry_budget"],
            recorder=self.recorder,
            request_timeout=p["request_timeout"],
            run_deadline=self.run_deadline,
            max_response_bytes=p["max_response_bytes"],
            trusted_hosts=p["trusted_hosts"] or (),  # the option has read the environment already
        )
        self._clients.append(client)
        return client

    def connect(self):
        """The MSP's admin credential; the tenant is checked before its first call."""
        if self._client is None:
            p = self.params
            self._client = self._new_client(p["username"], p["secret"], p["integration_code"])
            self.tenant = self._resolve_tenant(self._client)
        return self._client

    def _resolve_tenant(self, client):
        """The database id the credential resolves to; refuse a mismatch with tenant_id."""
        wanted = self.params["tenant_id"]
        if client.explicit_api_url and wanted is None:
            return None
        zone = client.zone
        if zone is None:
            if client.explicit_api_url:
                zone = client.zone_information()
            else:
                client.discover()
                zone = client.zone
        found = zone.get("ci") if zone else None
        if wanted is not None and found != wanted:
            raise model.TenantMismatch(found, wanted)  # the caller's failure path says so; no exit from here
        return found

    def new_probe(self, creds):
        """A client for a probe user (verify_as), in the admin's zone: no discovery of its own."""
        return self._new_client(
            creds["username"], creds["secret"], creds["integration_code"], api_url=self.connect().base_url
        )

    def _reference_cache(self, client, tenant):
        p = self.params
        directory = p["reference_cache_path"]
        if not directory:
            # Beside the zone cache; a disabled zone cache disables this one too.
            zones = p["zone_cache_path"] if p["zone_cache_path"] is not None else _client.default_zone_cache_path()
            directory = os.path.join(os.path.dirname(zones), "references") if zones else None
        if not directory or p["reference_cache_ttl"] <= 0:
            return None
        identity = tenant if tenant is not None else client.username.strip().lower()
        return _session.ReferenceCache(
            directory, "%s\n%s" % (client.base_url.lower(), identity), p["reference_cache_ttl"]
        )

    def session(self):
        """A TenantSession over this module's clients: every part of the run reads through it."""
        return _session.TenantSession(
            lambda: (self.connect(), self.tenant),
            self.new_probe,
            check_mode=self.check_mode,
            reference_cache=self._reference_cache,
            named_users=_session.named_users(self.params),
        )

    def api_calls(self):
        total, by_kind, retries = 0, {}, 0
        for client in self._clients:
            calls = client.api_calls()
            total += calls["total"]
            retries += calls["retries"]
            for kind, count in calls["by_kind"].items():
                by_kind[kind] = by_kind.get(kind, 0) + count
        return {"total": total, "by_kind": by_kind, "retries": retries}

    def fail(self, exc, **extra):
        """One fail_json for any error, with the client's fields and nothing secret."""
        result = dict(extra)
        result.setdefault("changed", False)
        if isinstance(exc, _client.AutotaskError):
            result["error"] = exc.to_dict()
        result["api_calls"] = self.api_calls()
        self.module.fail_json(msg=str(exc), tenant_id=self.tenant or self.params.get("tenant_id"), **result)

    def run_part(self, run):
        """Run one part (see _api_user.run and its siblings) and exit with its outcome."""
        try:
            result = run(self.session(), self.params)
        except model.PartFailed as exc:
            self.fail(exc.cause, **exc.extra)
        except (model.ModelError, _client.AutotaskError) as exc:
            # A model error is raised before any write: the input cannot be right.
            self.fail(exc)
        except Exception as exc:  # a defect: a clear failure, not a bare traceback
            self.fail(model.InternalError(exc))
        self.finish(result)

    def finish(self, result):
        """exit_json (or fail_json under fail_on_manual) with the keys every module returns."""
        result = dict(result, tenant_id=self.tenant if self.tenant is not None else self.params.get("tenant_id"))
        result["api_calls"] = self.api_calls()
        diff = result.pop("diff", None)
        if diff is not None and self.module._diff:
            result["diff"] = diff
        if self.params.get("fail_on_manual") and not result["compliant"]:
            self.module.fail_json(msg="not compliant: %d manual step(s) remain" % len(result["manual_steps"]), **result)
        self.module.exit_json(**result)
