# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check a tenant and collect every vendor's desired state in one task, on the controller.

The fleet playbook used to spend two tasks and an include per vendor (the role's argument-spec
check, then the list and email checks and a set_fact) and four asserts per tenant before its one
module run; each task costs a forked worker (bench/README.md). This action does the same work in
one task, reading what the roles read: a shipped vendor role's defaults/main.yml (the lowest
precedence, under anything the inventory, the play or extra vars set), its
meta/argument_specs.yml (validated as validate_argument_spec does, with the same message) and
its vars/main.yml, which holds the role's vendor profile (the one place that mapping lives: the
role's tasks/desired.yml hands the same variable to msp.autotask.vendor_api_user).
"""

from __future__ import annotations

import json
import numbers
import os
import re
from collections.abc import Mapping

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19+ renders only the templates it trusts
    from ansible.template import trust_as_template
except ImportError:  # before 2.19, any string is a template

    def trust_as_template(value):
        return value


ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
# Where a custom vendor's profile lives in the inventory; messages name it (msp_autotask_custom_vendors.rewst.user...).
CUSTOM_SOURCE = "msp_autotask_custom_vendors."
# A C parser when PyYAML has one: these files are read once per tenant, and Ansible's own loader costs
# about ten times as much for them.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

ARGUMENT_SPEC = {
    "checks": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {"that": {"type": "raw", "required": True}, "msg": {"type": "str", "required": True}},
    },
    "vendors": {"type": "raw", "default": []},
    "custom": {"type": "raw", "default": {}},
    "none_msg": {"type": "str"},
    "collect": {"type": "list", "elements": "dict", "default": []},
}


class Refusal(Exception):
    """A check failed: the task fails with this message and collects nothing."""


def validation_failure(errors):
    """validate_argument_spec's message, word for word."""
    return "Validation of arguments failed:\n%s" % "\n".join(errors)


def trusted(data):
    """The collection's own role files, as templates Ansible may render (as it trusts the role files it loads)."""
    if isinstance(data, str):
        return trust_as_template(data)
    if isinstance(data, Mapping):
        return {key: trusted(value) for key, value in data.items()}
    if isinstance(data, list):
        return [trusted(value) for value in data]
    return data


def not_lists(entry):
    """The variables of one vendor that must be lists and are strings, mappings or numbers (as Jinja's tests say)."""
    level = entry.get("security_level")
    user = entry.get("user")
    level = level if isinstance(level, Mapping) else {}
    user = user if isinstance(user, Mapping) else {}
    lists = {
        "permissions": level.get("permissions", []),
        "departments": user.get("departments", []),
        "queues": user.get("queues", []),
        "service_desk_roles": user.get("service_desk_roles", []),
        "exceptions": entry.get("exceptions", []),
    }
    wrong = [name for name, value in lists.items() if isinstance(value, str)]
    wrong += [name for name, value in lists.items() if isinstance(value, Mapping)]
    wrong += [name for name, value in lists.items() if isinstance(value, numbers.Number)]
    return [entry["prefix"] + name for name in wrong]


def record(entry):
    """One vendor's desired state, after the checks of msp.autotask.vendor_api_user's desired entry point.

    Ansible's list type turns a string into a one-item list ("Triage" -> [Triage]) and the argument
    specs only validate, so a list written as a string would be written to the tenant; and a role's
    default email is <name>@{{ msp_autotask_tenant_domain }}: an empty domain must not become the
    step "Set Email Address to 'mspintegrations@'".
    """
    wrong = not_lists(entry)
    if wrong:
        raise Refusal(
            "%s must be a list (YAML '- item' lines or [a, b]), not a string, a number or a mapping; nothing was sent"
            " to Autotask" % ", ".join(wrong)
        )
    user = entry.get("user") if isinstance(entry.get("user"), Mapping) else {}
    email = str(user["email"]) if user.get("email") else ""
    if email and not EMAIL.match(email):
        raise Refusal(
            "%s%semail is %s, not an address with a domain: set msp_autotask_tenant_domain to the tenant's mail"
            " domain (or the email itself); nothing was sent to Autotask"
            % (entry["prefix"], "user." if entry.get("source") else "", json.dumps(email))
        )
    desired = {
        "vendor": entry["vendor"],
        "role": entry["role"],
        "security_level": entry.get("security_level"),
        "user": {name: value for name, value in user.items() if value is not None and value != ""},
        "protected_data": entry.get("protected_data", {}),
        "attestations": entry.get("attestations", {}),
        "exceptions": entry.get("exceptions", []),
    }
    if entry.get("verify_as"):
        desired["verify_as"] = entry["verify_as"]
    if entry.get("source"):
        desired["source"] = entry["source"]
    return desired


class ActionModule(ActionBase):
    """msp.autotask.autotask_vendor_desired: the checks, then each vendor's validation and desired state."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars if task_vars is not None else {}
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        try:
            for check in args["checks"]:
                if not boolean(check["that"], strict=False):
                    raise Refusal(check["msg"])
            desired = [
                record(dict(entry, prefix=entry.get("prefix") or self._prefix(entry))) for entry in args["collect"]
            ]
            vendors, custom = list(args["vendors"] or []), args["custom"] or {}
            shipped = [name for name in vendors if self._is_role(name)]
            desired += [self._shipped(name, task_vars) for name in shipped]
            desired += [self._custom(name, custom, task_vars) for name in vendors if name not in shipped]
        except Refusal as refusal:
            result.update(failed=True, msg=str(refusal))
            return result
        result.update(changed=False, desired=desired)
        if args["none_msg"] and not vendors and not args["collect"]:
            result.update(msg=args["none_msg"], _ansible_verbose_always=True)  # printed as debug prints it
        # -v prints a task's result; a probe's secret (verify_as) must not reach it. The module censors
        # the secret in its own output.
        if any("verify_as" in entry for entry in desired):
            result["_ansible_no_log"] = True
        return result

    @staticmethod
    def _prefix(entry):
        """What messages put before a variable: <role>_ for a shipped role, <source>. for a custom profile."""
        return entry["source"] + "." if entry.get("source") else entry["role"] + "_"

    @staticmethod
    def _is_role(name):
        return (
            isinstance(name, str)
            and re.match(r"^[a-z][a-z0-9_]*$", name) is not None
            and os.path.isfile(os.path.join(ROLES, name, "vars", "main.yml"))
        )

    @staticmethod
    def _load(role, *path):
        with open(os.path.join(ROLES, role, *path), encoding="utf-8") as handle:
            return yaml.load(handle, Loader=YAML_LOADER) or {}  # noqa: S506 - a safe loader

    def _shipped(self, role, task_vars):
        """A shipped role's variables: its defaults under the task's variables, validated against main's spec."""
        spec = self._load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        variables = trusted(self._load(role, "defaults", "main.yml"))
        variables.update(task_vars)
        templar = self._templar.copy_with_new_env(available_variables=variables)
        values = templar.template({name: variables[name] for name in spec if name in variables})
        errors = ArgumentSpecValidator(spec).validate(values, validate_role_argument_spec=True).error_messages
        if errors:
            raise Refusal(validation_failure(errors))
        profile = templar.template(trusted(self._load(role, "vars", "main.yml")[role + "_vendor_profile"]))
        tenant = {
            part: values[role + "_" + part]
            for part in ("verify_as", "attestations", "exceptions")
            if role + "_" + part in values
        }
        return record(self._entry(role, profile, tenant, source=""))

    def _custom(self, name, custom, task_vars):
        """A vendor profile from the inventory, validated against msp.autotask.vendor_api_user's profile entry point."""
        if not isinstance(custom, Mapping) or name not in custom:
            raise Refusal("%s is neither a vendor role of msp.autotask nor a custom vendor's name" % name)
        source = CUSTOM_SOURCE + name
        tenant = self._templar.template(
            {
                "verify_as": task_vars.get(name + "_verify_as", {}),
                "attestations": task_vars.get(name + "_attestations", {}),
                "exceptions": task_vars.get(name + "_exceptions", []),
            }
        )
        spec = self._load("vendor_api_user", "meta", "argument_specs.yml")["argument_specs"]["profile"]["options"]
        values = {"vendor_api_user_role": name, "vendor_api_user_profile": custom[name]}
        values.update(("vendor_api_user_" + part, value) for part, value in tenant.items())
        errors = ArgumentSpecValidator(spec).validate(values, validate_role_argument_spec=True).error_messages
        if errors:
            message = validation_failure(errors).replace("vendor_api_user_profile", source)
            raise Refusal("%s; nothing was sent to Autotask" % message)
        return record(self._entry(name, custom[name], tenant, source=source))

    def _entry(self, role, profile, tenant, source):
        entry = {
            "vendor": profile["vendor"],
            "role": role,
            "source": source,
            "security_level": profile["security_level"],
            "user": profile["user"],
            "protected_data": profile.get("protected_data") or {},
            "verify_as": tenant.get("verify_as", {}),
            "attestations": tenant.get("attestations", {}),
            "exceptions": tenant.get("exceptions", []),
        }
        entry["prefix"] = self._prefix(entry)
        return entry
