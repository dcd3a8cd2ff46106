# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A create whose answer is lost is followed by a re-read before any second attempt."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.msp.autotask.plugins.module_utils import _client as c
from ansible_collections.msp.autotask.plugins.module_utils._api_user import create_link

BASE = "https://webservices14.autotask.net/ATServicesRest"
API = BASE + "/V1.0"
LINK = {"departmentID": 10, "roleID": 20, "isDefault": True, "isActive": True}


def client():
    return c.AutotaskClient("u", "s", "i", api_url=BASE, zone_cache_path=False, sleep=lambda s: None)


def page(items):
    return {"items": items, "pageDetails": {"count": len(items), "nextPageUrl": None}}


def posts():
    return [call for call in responses.calls if call.request.method == "POST"]


@responses.activate
def test_a_create_that_landed_before_its_answer_was_lost_is_not_sent_again():
    responses.post(API + "/Resources/7/RoleDepartments", body=requests.ConnectionError("reset"))
    responses.get(API + "/ResourceRoleDepartments/query", json=page([dict(LINK, id=1, resourceID=7)]))
    assert create_link(client(), 7, "RoleDepartments", LINK) == "found"
    assert len(posts()) == 1
    search = json.loads(responses.calls[1].request.params["search"])
    assert {"op": "eq", "field": "departmentID", "value": 10} in search["filter"]
    assert {"op": "eq", "field": "resourceID", "value": 7} in search["filter"]


@responses.activate
def test_a_create_proven_absent_is_tried_once_more():
    responses.post(API + "/Resources/7/RoleQueues", status=503, body="<html>Service Unavailable</html>")
    responses.get(API + "/ResourceRoleQueues/query", json=page([]))
    responses.post(API + "/Resources/7/RoleQueues", json={"itemId": 5})
    assert create_link(client(), 7, "RoleQueues", {"queueID": 30}) == "created"
    assert len(posts()) == 2


@responses.activate
def test_a_refused_create_is_not_retried():
    responses.post(API + "/Resources/7/RoleQueues", status=500, json={"errors": ["Queue is inactive."]})
    with pytest.raises(c.AutotaskError, match="Queue is inactive"):
        create_link(client(), 7, "RoleQueues", {"queueID": 30})
    assert len(posts()) == 1 and len(responses.calls) == 1
