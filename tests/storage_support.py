"""Real read-only mounts and real full disks for storage tests, also when the tests run as root.

Root ignores permission bits (``chmod 0o555`` stops nothing), so a "read-only data directory"
made with chmod tests nothing. Instead the command runs in its own user and mount namespace
(``unshare --mount`` as root, ``unshare --user --map-root-user --mount`` otherwise): there a directory is
bind-mounted read-only over itself (the kernel answers EROFS, as on a read-only mount) or a small
tmpfs is mounted and filled (ENOSPC, as on a full disk). The mounts vanish with the process.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli_isolated(
    argv: Sequence[str],
    *,
    read_only: Sequence[Path] = (),
    full: Sequence[Path] = (),
    tmpdir: Path | None = None,
    timeout: float = 90.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``hmi-app ARGV`` with ``read_only`` directories mounted read-only and ``full`` ones full.

    Each ``full`` directory becomes an empty 1 MiB tmpfs filled to the last byte; ``tmpdir`` is
    the command's temporary directory (to check that it leaves nothing there).
    """
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir is not None else None
    steps = []
    for folder in read_only:
        q = shlex.quote(str(folder))
        steps.append(f"mount --bind {q} {q} && mount -o remount,bind,ro {q}")
    for folder in full:
        q = shlex.quote(str(folder))
        filler = shlex.quote(str(folder / "filler"))
        steps.append(
            f"mount -t tmpfs -o size=1m tmpfs {q} && {{ cat /dev/zero > {filler} 2>/dev/null; true; }}"
        )
    steps.append("exec " + shlex.join([sys.executable, "-m", "hmi_app.cli", *argv]))
    # Root gets a private mount namespace directly; a user namespace would also work for root, but
    # not inside a chroot (the kernel refuses CLONE_NEWUSER there: scripts/fresh-machine-check.sh).
    isolate = ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
    command = ["unshare", *isolate, "--propagation", "private", "sh", "-c", " && ".join(steps)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False, env=env
    )


def one_line(text: str) -> str:
    """The single line ``text`` must be (no traceback, nothing else); fails the test otherwise."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, f"expected one line, got:\n{text}"
    return lines[0]
