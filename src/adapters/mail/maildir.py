"""Embedded mode's "mail server": every message becomes one file in a Maildir.

``LYCEUM_DATA_DIR/mail`` is a standard Maildir (``tmp/``, ``new/``, ``cur/``): open it with
``mutt -f var/mail``, any Maildir-aware client, ``mailbox.Maildir`` in Python, or just read the
files in ``new/``. The message is exactly what SMTP would have carried, plus a ``Bcc:`` header
(so you can see who was blind-copied).

Sending is idempotent by Message-ID: the file's key is derived from it, so a retry of the same
message finds the file already there and returns its key.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import hashlib
import mailbox
import os
import socket
from pathlib import Path

from adapters.mail.mime import build_mime, message_id
from core.shared.errors import MailUnavailable
from ports.shared.mail import EmailMessage

_POLICY = email.policy.SMTP.clone(linesep="\n")  # Maildir files use the local line ending


class MaildirMailer:
    name = "mail"
    kind = "maildir"

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    async def send(self, message: EmailMessage) -> str:
        return await asyncio.to_thread(self._deliver, message)

    async def check(self) -> None:
        await asyncio.to_thread(self._open)

    def _open(self) -> mailbox.Maildir:
        try:
            box = mailbox.Maildir(self.directory, create=True)
            for sub in ("tmp", "new", "cur"):
                if not os.access(self.directory / sub, os.W_OK | os.X_OK):
                    raise PermissionError(f"{self.directory / sub} is not writable")
        except OSError as exc:
            raise MailUnavailable(
                f"the maildir {self.directory} is not usable: {exc.strerror or exc}", {"path": str(self.directory)}
            ) from exc
        return box

    def _deliver(self, message: EmailMessage) -> str:
        self._open()
        msg_id = message_id(message)
        key = "lyceum-" + hashlib.sha256(msg_id.encode()).hexdigest()[:40]
        if self._delivered(key):
            return key
        mime = build_mime(message, include_bcc=True, msg_id=msg_id)
        data = mime.as_bytes(policy=_POLICY)
        tmp = self.directory / "tmp" / f"{key}.{os.getpid()}.{socket.gethostname()}"
        try:
            with tmp.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            # link() never overwrites: of two concurrent deliveries of one message, one wins.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, self.directory / "new" / key)
        except OSError as exc:
            raise MailUnavailable(
                f"could not write to the maildir {self.directory}: {exc.strerror or exc}", {"path": str(self.directory)}
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        return key

    def _delivered(self, key: str) -> bool:
        if (self.directory / "new" / key).exists():
            return True
        # A mail client that read it moved it to cur/, adding ":2,<flags>".
        return any(self.directory.joinpath("cur").glob(f"{key}:*")) or (self.directory / "cur" / key).exists()
