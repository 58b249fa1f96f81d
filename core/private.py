"""Files the project writes are its account's alone: databases and their generations, the
audit log, spool and archive files, demo files, backups, keys.

The systemd units set UMask=0077; the entry points (`python -m etl …` and board.py) set the
same umask themselves, so a command started by hand under a shell's usual 022 writes no
file that other accounts on the machine can read. New folders are 0700 by the same rule.
The one place meant for others is the brief's output folder: `brief_output_mode` gives the
brief files a group mode (never world access)."""
from __future__ import annotations

import os
from pathlib import Path

from core import settings

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """From now on every file and folder this process creates has no group or world access."""
    os.umask(PRIVATE_UMASK)


def brief_output_mode() -> int:
    """The mode of the brief's files (setting brief_output_mode, octal): owner and at most group."""
    text = str(settings.get("brief_output_mode")).strip()
    try:
        mode = int(text, 8)
    except ValueError:
        raise ValueError(f"设置项 brief_output_mode 应为八进制权限（如 0640），而不是 {text!r}") from None
    if mode & 0o007 or (mode & 0o600) != 0o600:
        raise ValueError(f"设置项 brief_output_mode 不能给其他用户权限，且须允许本账户读写（{text}）")
    return mode


def share_brief(files: list[Path], created_folder: Path | None) -> None:
    """Gives the brief's files (and its folder, when this run created it) the configured mode;
    a folder gets x wherever it gives r, so the group can open it."""
    mode = brief_output_mode()
    for path in files:
        os.chmod(path, mode)
    if created_folder is not None:
        os.chmod(created_folder, mode | (mode & 0o444) >> 2)
