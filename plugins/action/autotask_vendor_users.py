# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run autotask_vendor_users in the controller's worker instead of shipping it as a module.

A fleet run calls the module once per tenant; as a module each call costs a new Python and the
AnsiballZ payload, while the work is a few HTTP requests (plugins/plugin_utils/in_process.py).
"""

from __future__ import annotations

from ansible_collections.msp.autotask.plugins.module_utils import _client
from ansible_collections.msp.autotask.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """autotask_vendor_users in process on a local connection, else the module itself."""

    MODULE = "autotask_vendor_users"

    def _can_run_here(self):
        # Without requests here the module may still find it in the interpreter the host names.
        return _client.HAS_REQUESTS
