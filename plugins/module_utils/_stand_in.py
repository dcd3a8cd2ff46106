# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the msp.autotask collection.

"""What the collection's modules build in place of AnsibleModule.

An action plugin that runs a module's main() in the controller's worker
(plugins/plugin_utils/in_process.py) sets its own stand-in for the length of that run. Kept apart
from _module so that a module that needs no HTTP client (the fleet report) does not import one.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

module_class = AnsibleModule
