# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run autotask_fleet_report in the controller's worker, and name the run its outcomes belong to.

The report is a file on the controller, and a fleet run records each tenant's outcome with it
(``record``), so it runs once per tenant: in process it costs what a set_fact does, not a module
run (plugins/plugin_utils/in_process.py). ``record`` and ``from_run`` group outcomes by run: the
worker's parent is the run's ansible-playbook process, the same for every tenant of the run.
"""

from __future__ import annotations

import os

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.msp.autotask.plugins.module_utils import _report_run
from ansible_collections.msp.autotask.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """autotask_fleet_report in process on a local connection, else the module itself."""

    MODULE = "autotask_fleet_report"

    def run(self, tmp=None, task_vars=None):
        args = self._task.args
        by_run = args.get("record") is not None or boolean(args.get("from_run") or False, strict=False)
        if by_run and not args.get("run_id"):
            self._task.args = dict(args, run_id=_report_run.run_id(os.getppid()))
        return super().run(tmp, task_vars)
