"""Email leaves only through the queue: use case -> outbox -> relay -> worker -> mailer."""

from __future__ import annotations

import mailbox

from core.messaging.application.mail import QueueEmailCommand
from core.messaging.domain.email import Recipient
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.runtime import start_broker


async def test_a_queued_email_is_rendered_and_delivered_once(container: ApplicationContainer) -> None:
    broker = await start_broker(container, is_worker=True)  # in-process: tasks run where kicked
    queued = await container.messaging.queue_email()(
        QueueEmailCommand(
            "welcome",
            (Recipient("anna@example.com", "Анна Петрова"),),
            locale="ru",
            context={"name": "Анна", "login_url": "http://127.0.0.1:8000/login"},
        )
    )
    relay = container.infrastructure.outbox_relay()
    assert await relay.relay_once() == 1
    await broker.wait_all()  # type: ignore[attr-defined]

    box = mailbox.Maildir(container.settings().data_dir / "mail", create=False)
    messages = list(box)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"].endswith("<anna@example.com>")
    assert str(queued.email_id) in message["Message-ID"]
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert "Анна" in body

    # A redelivery of the same outbox message sends nothing new.
    await relay.relay_once()
    assert len(list(box)) == 1
