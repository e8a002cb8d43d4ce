"""Lane holders known to be dead (bot.owners): only processes of this machine, boot and pid
namespace, whose pid no longer runs — or an earlier run that had this very pid."""

import os
import subprocess
import sys

from bot.owners import is_dead, process_owner


def owner_with_pid(me: str, pid: int, token: str = "00000000") -> str:
    host, machine, _, _ = me.rsplit(":", 3)
    return f"{host}:{machine}:{pid}:{token}"


def test_a_finished_process_of_this_machine_is_dead_a_running_one_is_not() -> None:
    me = process_owner()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is free
    assert is_dead(owner_with_pid(me, child.pid), me)
    assert not is_dead(owner_with_pid(me, os.getppid()), me)  # the test runner's parent runs
    assert not is_dead(me, me)


def test_an_earlier_run_with_this_very_pid_is_dead() -> None:
    me = process_owner()
    assert is_dead(owner_with_pid(me, os.getpid(), token="earlier0"), me)  # pid 1 in a restarted container


def test_holders_elsewhere_or_unreadable_are_left_to_their_lease() -> None:
    me = process_owner()
    host, machine, _, token = me.rsplit(":", 3)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    for owner in (
        f"other-host:{machine}:{child.pid}:{token}",  # another host
        f"{host}:another-boot.1:{child.pid}:{token}",  # another machine, boot or pid namespace
        f"{host}::{child.pid}:{token}",  # where the machine could not be known
        "not an owner id",
        f"{host}:{machine}:not-a-pid:{token}",
    ):
        assert not is_dead(owner, me), owner
