# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures the client and capture unit tests share."""

from __future__ import annotations

import glob
import os

import pytest

# `make units` copies ../shared/autotask-api/samples here; a plain pytest run can point
# AUTOTASK_SHARED_DIR at the shared folder instead.
SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "shared-samples")
if not os.path.isdir(SAMPLES) and os.environ.get("AUTOTASK_SHARED_DIR"):
    SAMPLES = os.path.join(os.environ["AUTOTASK_SHARED_DIR"], "autotask-api", "samples")


@pytest.fixture
def real_samples():
    """Paths of the real Autotask answers in the shared reference folder."""
    files = sorted(glob.glob(os.path.join(SAMPLES, "*.json")))
    assert files, "shared samples missing: run the unit tests through `make units`"
    return files
