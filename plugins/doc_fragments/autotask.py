# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection and authentication options shared by every module.
    DOCUMENTATION = r"""
options:
  username:
    description:
      - The API username (Username (Key)) of the MSP's own API user in this tenant.
      - If not set, the environment variable E(AUTOTASK_USERNAME) is used.
    type: str
    required: true
  secret:
    description:
      - The API user's secret (Password (Secret)).
      - If not set, the environment variable E(AUTOTASK_SECRET) is used.
    type: str
    required: true
  integration_code:
    description:
      - The API tracking identifier sent as C(ApiIntegrationCode); for the MSP's own API user
        this is the tenant's "Custom (Internal Integration)" code.
      - If not set, the environment variable E(AUTOTASK_INTEGRATION_CODE) is used.
    type: str
    required: true
  api_url:
    description:
      - The zone's REST base URL, for example V(https://webservices14.autotask.net/ATServicesRest).
      - When set, zone discovery is skipped (private zones, the sandbox).
      - If not set, the environment variable E(AUTOTASK_API_URL) is used, and without it the zone
        is discovered through O(zone_discovery_url).
    type: str
  trusted_hosts:
    description:
      - Credentials (and the API username) are sent only to https URLs of Autotask's API domain,
        C(webservices*.autotask.net), or C(prde.autotask.net) and C(pres.autotask.net) (Autotask's
        own sandbox zones), whether the URL is O(zone_discovery_url), O(api_url), the
        zone C(zoneInformation) answers, or a next-page link. A zone answer naming any other host
        fails the tenant and is not cached.
      - This option names other hosts, as V(host) or V(host:port), that may receive them over any
        scheme, for example V(127.0.0.1) for the project's sandbox or a proxy. Setting it warns.
      - If not set, the environment variable E(AUTOTASK_TRUSTED_HOSTS) is used (comma-separated).
    type: list
    elements: str
  zone_discovery_url:
    description:
      - Where C(zoneInformation) is asked which zone the API user lives in.
      - If not set, the environment variable E(AUTOTASK_ZONE_DISCOVERY_URL) is used.
    type: str
    default: https://webservices.autotask.net/atservicesrest
  zone_cache_path:
    description:
      - File caching discovered zones per API user (usernames are hashed). Defaults to
        C(~/.cache/msp.autotask/zones.json).
      - A cached zone on a host O(trusted_hosts) does not allow is dropped; one whose host refuses
        the connection is dropped and C(zoneInformation) is asked once more.
      - If not set, the environment variable E(AUTOTASK_ZONE_CACHE_PATH) is used.
    type: path
  reference_cache_path:
    description:
      - Directory caching each tenant's department, role, queue, location and device UDF names
        and ids (one file per tenant, named by a hash), so that a run does not spend calls reading
        them again. Defaults to a C(references) directory beside the zone cache; with the zone
        cache turned off (V("")) it is off too.
      - A name the cache does not hold is read again once before it counts as unknown, and a
        refused association write drops the tenant's file.
      - If not set, the environment variable E(AUTOTASK_REFERENCE_CACHE_PATH) is used.
    type: path
  reference_cache_ttl:
    description:
      - Seconds a cached name table is trusted. V(0) turns the reference cache off.
    type: int
    default: 43200
  tenant_id:
    description:
      - The tenant's Autotask database id (the C(ci) that C(zoneInformation) returns).
      - When set, a credential that resolves to another database is refused before any other call.
      - If not set, the environment variable E(AUTOTASK_TENANT_ID) is used.
    type: int
  impersonation_resource_id:
    description:
      - Act as this resource on writes (C(ImpersonationResourceId) header).
    type: int
  validate_certs:
    description:
      - Verify the API's TLS certificate. Turning it off warns.
      - If not set, the environment variable E(AUTOTASK_VALIDATE_CERTS) is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for a connection or for any one read from it (a socket timeout).
      - O(request_timeout) bounds the whole request, however slowly the answer arrives.
    type: int
    default: 30
  request_timeout:
    description:
      - Seconds one request may take from connecting to the last byte of its answer. An answer
        still arriving then fails the request (without a retry), so a server that sends a byte
        at a time cannot hold a tenant.
    type: float
    default: 120
  run_timeout:
    description:
      - Seconds this module run may spend on the API in all. No request starts after it and no
        retry waits past it; the run then fails with a clear message.
    type: float
    default: 1800
  max_response_bytes:
    description:
      - The largest answer accepted, in bytes (after decompression). A larger one fails clearly
        instead of filling the controller's memory.
    type: int
    default: 33554432
  retry_budget:
    description:
      - Total seconds spent retrying one request that is safe to repeat (reads and queries)
        after throttling, unavailability or a dropped connection. Writes are never retried blindly.
    type: float
    default: 60
requirements:
  - requests >= 2.28
notes:
  - Set these options once for a play with C(module_defaults) and the group C(group/msp.autotask.autotask).
"""

    VERIFY_AS = r"""
options:
  verify_as:
    description:
      - A probe API user that holds the same security level under the MSP's internal integration
        code. The vendor's own API user only accepts the vendor's secret integration code, so it
        cannot be used for verification.
      - With it, rows that map to entity access are verified through C(entityInformation)
        (C(userAccessForCreate/Query/Update/Delete)); without it they are C(unverifiable) unless attested.
    type: dict
    suboptions:
      username:
        description: The probe's API username.
        type: str
        required: true
      secret:
        description: The probe's secret.
        type: str
        required: true
      integration_code:
        description: The integration code the probe authenticates with.
        type: str
        required: true
"""

    # Attestation of UI-only steps, shared by every module that guides them.
    ATTESTATION = r"""
options:
  attestation:
    description:
      - The operator's confirmation that the manual steps were done, as the manual steps print it.
      - Valid only while O(attestation.fingerprint) equals the fingerprint of the desired values;
        changing the desired values re-opens the steps. Observed behaviour that contradicts it
        (through a C(verify_as) probe user, where the module has one) voids it.
    type: dict
    suboptions:
      fingerprint:
        description: The fingerprint the module printed.
        type: str
        required: true
      by:
        description: Who did the steps.
        type: str
        required: true
      at:
        description: When, as YYYY-MM-DD.
        type: str
        required: true
  fail_on_manual:
    description: Fail when the result is not compliant (for pipelines that want a red job).
    type: bool
    default: false
"""

    # Attributes every module shares.
    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  action_group:
    description: Use C(group/msp.autotask.autotask) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - msp.autotask.autotask
"""
