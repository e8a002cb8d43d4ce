"""Who holds a lane (bot.delivery): an id for this process, and whether a holder is known dead.

A lane's lease lets another process take it over once its holder stopped renewing it; but a bot
restarted after a crash (kill -9, OOM) on the same machine need not wait for that: it can see
that the holder's process is gone. The id says where the process runs — host name, this boot
of the kernel, the pid namespace (containers) — so the pid is only looked up where it means the
same process; a holder anywhere else is left to its lease.
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path


def _machine() -> str:
    """This boot of this kernel and this pid namespace, or "" where that cannot be known."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{boot}.{namespace}"


def process_owner() -> str:
    """A new owner id for this process: host:machine:pid:random (host names hold no colon)."""
    return f"{socket.gethostname()}:{_machine()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead(owner: str, me: str) -> bool:
    """Whether ``owner`` is surely a process that no longer runs (``me`` is this process's id)."""
    try:
        host, machine, pid, _ = owner.rsplit(":", 3)
        my_host, my_machine, my_pid, _ = me.rsplit(":", 3)
        number = int(pid)
    except ValueError:
        return False
    if not machine or (host, machine) != (my_host, my_machine) or owner == me:
        return False
    if pid == my_pid:
        return True  # an earlier run that had the same pid (pid 1 in a restarted container)
    try:
        os.kill(number, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: it runs
        return False
    return False
