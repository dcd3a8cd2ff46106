# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process run answers what the module would: validation, check mode, no_log masking."""

from __future__ import annotations

import contextlib
import io
import json
import os
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.msp.autotask.plugins.action import autotask_vendor_users as action
from ansible_collections.msp.autotask.plugins.module_utils import _module, _stand_in
from ansible_collections.msp.autotask.plugins.plugin_utils import in_process as in_proc

NAME = "msp.autotask.autotask_vendor_users"
SPEC = {
    "username": {"type": "str", "required": True},
    "secret": {"type": "str", "no_log": True},
    "count": {"type": "int", "default": 3},
    "user": {"type": "dict", "options": {"api_username": {"type": "str"}, "token": {"type": "str", "no_log": True}}},
}


@contextlib.contextmanager
def module_args(args):
    """Arguments for a real AnsibleModule, the way each ansible-core line takes them."""
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and later
    except ImportError:
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    full = dict(args, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    with mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": full}))):
        yield


def real(args, finish, **kwargs):
    """What a real AnsibleModule prints when ``finish(module)`` exits (with its arguments in the result)."""
    out = io.StringIO()
    internal = {"_ansible_module_name": NAME}
    if "inject_invocation" in PASS_VARS:  # ansible-core 2.21 and later: a setting
        internal["_ansible_inject_invocation"] = True
    with module_args(dict(args, **internal)), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        finish(basic.AnsibleModule(argument_spec=SPEC, **kwargs))
    return json.loads(out.getvalue())


def in_process(args, finish, check_mode=False, **kwargs):
    """What the stand-in returns for the same run."""
    with pytest.raises(in_proc.ModuleExit) as done:
        finish(in_proc.InProcessModule(in_proc.Invocation(NAME, args, check_mode), SPEC, **kwargs))
    return done.value.result


def both(args, finish, **kwargs):
    return real(args, finish, **kwargs), in_process(args, finish, **kwargs)


ARGS = {"username": "admin", "secret": "s3cret-value", "user": {"api_username": "propel", "token": "t0ken-value"}}


def echo(module):
    """A result that repeats every secret, as a careless message could."""
    module.exit_json(changed=True, msg="used %s and %s" % (module.params["secret"], module.params["user"]["token"]))


def test_a_result_is_masked_and_carries_the_invocation_as_the_module_s_would():
    expected, got = both(ARGS, echo)
    assert got == expected
    assert "s3cret-value" not in json.dumps(got) and "t0ken-value" not in json.dumps(got)
    assert got["invocation"]["module_args"]["count"] == 3  # defaults filled in


def test_a_failure_is_masked_as_the_module_s_would_be():
    expected, got = both(ARGS, lambda m: m.fail_json(msg="refused " + m.params["secret"], error={"x": 1}))
    assert got == expected and got["failed"] is True


@pytest.mark.parametrize(
    "args",
    [
        dict(ARGS, bogus=1),  # an option the module does not have
        {"secret": "s3cret-value"},  # a required option missing
        dict(ARGS, count="many"),  # a type that does not convert
    ],
)
def test_bad_arguments_fail_with_the_module_s_message(args):
    expected, got = both(args, echo)
    assert got["msg"] == expected["msg"] and got["failed"] is True
    assert "s3cret-value" not in json.dumps(got)


def test_without_inject_invocation_the_arguments_stay_out_of_the_result():
    invocation = in_proc.Invocation(NAME, ARGS, inject_invocation=False)
    with pytest.raises(in_proc.ModuleExit) as done:
        echo(in_proc.InProcessModule(invocation, SPEC))
    assert "invocation" not in done.value.result


def test_a_warning_reaches_the_result():
    got = in_process(ARGS, lambda m: (m.warn("careful"), m.exit_json(changed=False)))
    assert got["warnings"] == ["careful"]


def test_check_mode_without_support_is_skipped_as_a_module_would_be():
    got = in_process(ARGS, echo, check_mode=True)
    assert got["skipped"] is True and got["msg"] == "remote module (%s) does not support check mode" % NAME
    assert in_process(ARGS, echo, check_mode=True, supports_check_mode=True)["changed"] is True


def test_main_runs_with_the_stand_in_and_exits_past_its_own_error_handling():
    def main():
        am = _module.AutotaskModule({}, supports_check_mode=True)
        try:
            am.module.exit_json(changed=False, check=am.check_mode, tenant=am.params["tenant_id"])
        except Exception:
            am.module.fail_json(msg="swallowed")

    args = {"username": "u", "secret": "s3cret-value", "integration_code": "CODE", "tenant_id": 5}
    got = in_proc.run_main(main, in_proc.Invocation(NAME, args, check_mode=True))
    assert got["check"] is True and got["tenant"] == 5 and "failed" not in got
    assert _stand_in.module_class is basic.AnsibleModule  # put back for the next module


def test_a_defect_in_main_is_a_masked_failure_not_a_traceback():
    def main():
        am = _module.AutotaskModule({}, supports_check_mode=True)
        raise RuntimeError("boom with %s" % am.params["secret"])

    args = {"username": "u", "secret": "s3cret-value", "integration_code": "CODE"}
    got = in_proc.run_main(main, in_proc.Invocation(NAME, args))
    assert got["failed"] is True and got["msg"].startswith("MODULE FAILURE: RuntimeError: boom with ")
    assert "s3cret-value" not in json.dumps(got)


def test_task_values_become_plain_json_types():
    class Tagged(str):
        pass

    class Vaulted:  # ansible-core 2.16's vault object is not a str; str() decrypts it
        def __str__(self):
            return "plain"

    got = in_proc.plain({"a": (Tagged("x"), Vaulted()), 1: {"b": True, "c": 2, "d": None, "e": 1.5}})
    assert got == {"a": ["x", "plain"], "1": {"b": True, "c": 2, "d": None, "e": 1.5}}
    assert got["a"][0].__class__ is str  # a plain str, not a subclass carrying tags


def test_the_task_environment_is_set_for_the_run_and_then_restored(monkeypatch):
    monkeypatch.setenv("AUTOTASK_SECRET", "outer")
    monkeypatch.delenv("AUTOTASK_USERNAME", raising=False)
    with in_proc.environment({"AUTOTASK_SECRET": "inner", "AUTOTASK_USERNAME": "u"}):
        assert os.environ["AUTOTASK_SECRET"] == "inner" and os.environ["AUTOTASK_USERNAME"] == "u"
    assert os.environ["AUTOTASK_SECRET"] == "outer" and "AUTOTASK_USERNAME" not in os.environ


def plugin(transport="local", become=False, async_val=0):
    task = mock.Mock(async_val=async_val)
    templar = mock.Mock(template=lambda value: value)
    return action.ActionModule(task, mock.Mock(transport=transport), mock.Mock(become=become), None, templar, None)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, True),
        ({"transport": "ssh"}, False),  # the module runs on the other machine
        ({"become": True}, False),  # the module runs as another user
        ({"async_val": 30}, False),  # an async job needs a real process
    ],
)
def test_only_a_plain_local_task_runs_in_process(kwargs, expected):
    assert plugin(**kwargs)._in_process({}) is expected


@pytest.mark.parametrize("value", [False, "false", "no"])
def test_the_opt_out_variable_sends_the_task_to_the_module(value):
    assert plugin()._in_process({in_proc.OPT_OUT: value}) is False
