# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run one of the collection's modules in the controller's worker instead of shipping it.

A fleet run calls autotask_vendor_users once per tenant (and the report once per tenant when the run
records outcomes as tenants finish). As a module, each call starts a new Python,
unpacks the AnsiballZ payload and imports the collection's module_utils again (bench/overhead.py
measures it); the work itself is a few HTTP requests. On a local connection, which is where the
fleet playbooks run it, the action plugins call the module's own main() in the worker process instead,
behind a stand-in for AnsibleModule that validates with the module's argument spec, honours
check and diff mode, and masks no_log values in the result as AnsibleModule does. On any other
connection, under become, or for an async task it runs the module as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import traceback
from collections.abc import Mapping

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.msp.autotask.plugins.module_utils import _stand_in

# The variable that sends the task to the module as usual when false.
OPT_OUT = "msp_autotask_in_process"


class ModuleExit(BaseException):
    """exit_json or fail_json was called: unwinds main() as sys.exit would, past any ``except Exception``."""

    def __init__(self, result):
        super().__init__()
        self.result = result


class Invocation:
    """What one run gives the module: its arguments and the task's modes."""

    def __init__(self, name, args, check_mode=False, diff=False, inject_invocation=True):
        self.name = name
        self.args = args
        self.check_mode = check_mode
        self.diff = diff
        self.inject_invocation = inject_invocation  # ansible-core 2.21 made it a setting, off by default


class InProcessModule:
    """The part of AnsibleModule the collection's modules use, for a run inside the controller.

    Validation, check mode, the no_log masking and the shape of the result follow AnsibleModule,
    so a task's result is the same whichever way the module ran.
    """

    def __init__(self, invocation, argument_spec, supports_check_mode=False, **rules):
        self._name = invocation.name
        self.check_mode = invocation.check_mode
        self._diff = invocation.diff
        self._inject_invocation = invocation.inject_invocation
        self.supports_check_mode = supports_check_mode
        self.warnings = []
        self.deprecations = []
        self.params = dict(invocation.args)
        self.no_log_values = set()
        known = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
        validator = ArgumentSpecValidator(argument_spec, **{k: rules[k] for k in known if rules.get(k)})
        self._validate(validator)

    def _validate(self, validator):
        result = validator.validate(self.params)
        self.params.update(result.validated_parameters)
        self.no_log_values.update(result._no_log_values)
        for alias in result._warnings:
            self.warn("Both option %s and its alias %s are set." % (alias["option"], alias["alias"]))
        for old in result._deprecations:
            self.deprecate(
                "Alias '%s' is deprecated. See the module docs for more information" % old["name"],
                version=old.get("version"),
                date=old.get("date"),
                collection_name=old.get("collection_name"),
            )
        errors = list(result.errors.errors)
        if errors:
            msg = result.errors.msg
            if isinstance(errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self._name, msg)
            self.fail_json(msg=msg)
        if self.check_mode and not self.supports_check_mode:
            self.exit_json(skipped=True, msg="remote module (%s) does not support check mode" % self._name)

    def warn(self, warning):
        self.warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        entry = {"msg": msg, "collection_name": collection_name}
        entry.update({"date": date} if date else {"version": version})
        self.deprecations.append(entry)

    def exit_json(self, **kwargs):
        raise ModuleExit(self._formatted(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs.update(failed=True, msg=msg)
        raise ModuleExit(self._formatted(kwargs))

    def _formatted(self, result):
        if self._inject_invocation:
            result.setdefault("invocation", {"module_args": self.params})
        else:
            result.pop("invocation", None)
        if self.warnings:
            result["warnings"] = list(self.warnings)
        if self.deprecations:
            result["deprecations"] = list(self.deprecations)
        return remove_values(result, self.no_log_values)


def plain(value):
    """The arguments as the module would get them through JSON: plain str, list and dict.

    Task arguments may carry templating or vault types (tagged strings on ansible-core 2.19+, a
    vault object on 2.16); the module's clients and the no_log masking want plain text.
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def inject_invocation(task_vars):
    """Whether a module adds its arguments to the result: always before ansible-core 2.21, then a setting."""
    try:
        return bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars))
    except AnsibleError:  # a setting this ansible-core does not have
        return True


@contextlib.contextmanager
def environment(extra):
    """os.environ plus the task's ``environment:``, as a module process would see it, then restored."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update({name: str(value) for name, value in extra.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_main(main, invocation):
    """Call a module's main() with the stand-in module; return its result as a dict."""
    stand_in = _stand_in.module_class
    made = []

    def build(**kwargs):
        made.append(InProcessModule(invocation, **kwargs))
        return made[-1]

    _stand_in.module_class = build
    try:
        main()
    except ModuleExit as done:
        return done.result
    except (Exception, SystemExit) as exc:  # what would have been a traceback from the module
        masked = made[-1].no_log_values if made else set()
        failure = {
            "failed": True,
            "msg": "MODULE FAILURE: %s: %s" % (type(exc).__name__, exc),
            "exception": traceback.format_exc(),  # what the module would have left on stderr
        }
        return remove_values(failure, masked)
    finally:
        _stand_in.module_class = stand_in
    return {"failed": True, "msg": "MODULE FAILURE: %s returned without exit_json or fail_json" % invocation.name}


class InProcessAction(ActionBase):
    """A module of this collection in process on a local connection, else the module itself."""

    MODULE = None  # the module's name under plugins/modules
    TRANSFERS_FILES = False
    _supports_async = True  # by the module, which runs for async tasks (see _in_process)

    def run(self, tmp=None, task_vars=None):
        if not self._in_process(task_vars or {}):
            return self._as_module(task_vars)
        result = super().run(tmp, task_vars)
        raw_environment = {}
        self._compute_environment_string(raw_environment)
        invocation = Invocation(
            self._task.action,
            plain(self._task.args),
            check_mode=bool(self._task.check_mode),
            diff=bool(self._task.diff),
            inject_invocation=inject_invocation(task_vars),
        )
        module = importlib.import_module("ansible_collections.msp.autotask.plugins.modules." + self.MODULE)
        with environment(plain(raw_environment)):
            result.update(run_main(module.main, invocation))
        return result

    def _as_module(self, task_vars):
        """The module as any other: shipped through the connection by the normal action."""
        normal = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.normal",
            task=self._task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )
        return normal.run(task_vars=task_vars)

    def _in_process(self, task_vars):
        """True when the module would run on this machine, as this user, with what this Python has."""
        # An opt-out, for a run that must use the host's ansible_python_interpreter (and for bench/overhead.py).
        if not boolean(self._templar.template(task_vars.get(OPT_OUT, True)), strict=False):
            return False
        if getattr(self._connection, "transport", None) != "local":
            return False
        if self._play_context.become or self._task.async_val:
            return False
        return self._can_run_here()

    def _can_run_here(self):
        """Whether this Python has what the module imports (a module may need more than ansible-core)."""
        return True
