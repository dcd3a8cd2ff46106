# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-tenant lock: where it lives, that it excludes, and that check mode never takes it."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _model as m
from ansible_collections.msp.autotask.plugins.module_utils import _session as s


def test_locks_live_beside_the_zone_cache(tmp_path):
    directory = s.lock_directory(str(tmp_path / "cache" / "zones.json"))
    assert directory == str(tmp_path / "cache" / "locks")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_a_zone_cache_turned_off_still_gets_locks_in_the_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert s.lock_directory("/dev/null/none") == str(tmp_path / "xdg" / "msp.autotask" / "locks")


def take(lock):
    with lock:
        pass


def test_a_held_lock_makes_the_next_run_wait_then_fail_clearly(tmp_path):
    ticks = iter(range(0, 10000, 100))
    waited = []
    with s.tenant_lock(str(tmp_path), "tenant-7") as path:
        second = s.tenant_lock(str(tmp_path), "tenant-7", wait=250, clock=lambda: next(ticks), sleep=waited.append)
        with pytest.raises(m.ModelError, match="another run on this controller") as caught:
            take(second)
        assert path in str(caught.value) and "nothing was written" in str(caught.value)
        assert len(waited) == 2  # it kept trying until the deadline (100, 200: wait; 300: give up)
        with s.tenant_lock(str(tmp_path), "tenant-8"):  # another tenant is not held up
            pass
    with s.tenant_lock(str(tmp_path), "tenant-7", wait=0):  # released on leaving
        pass


class FakeClient:
    base_url = "https://webservices1.autotask.net/atservicesrest/v1.0"
    username = "Admin@T.example"


def session(check_mode, tenant=7):
    calls = []

    def connect():
        calls.append("connect")
        return FakeClient(), tenant

    return s.TenantSession(connect, None, check_mode=check_mode), calls


def test_check_mode_takes_no_lock_and_reads_nothing_for_it(tmp_path):
    sess, calls = session(check_mode=True)
    with sess.writing(str(tmp_path)) as path:
        assert path is None
    assert calls == [] and os.listdir(tmp_path) == []


@pytest.mark.parametrize("tenant, name", [(7, "tenant-7.lock"), (None, None)])
def test_a_writing_run_locks_its_tenant_by_database_id(tmp_path, tenant, name):
    sess, calls = session(check_mode=False, tenant=tenant)
    with sess.writing(str(tmp_path)) as path:
        assert calls == ["connect"]
        if name:
            assert os.path.basename(path) == name
        else:  # no database id known: the zone and the user name the lock
            assert os.path.basename(path).startswith("tenant-") and len(os.path.basename(path)) == 44
