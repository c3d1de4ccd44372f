"""``lyceum payments replay-webhooks`` against a real database: idempotent, however often."""

from __future__ import annotations

import uuid
from pathlib import Path

from core.billing.application.checkout import CheckoutCommand
from core.billing.application.pricing import QuoteCoursesCommand
from core.billing.domain.taxes import Buyer
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.users import CLI_CONTEXT
from ports.billing.payments import PaymentEvent
from tests.integration.cli.test_courses_cli import lyceum, seed
from tests.integration.courses.seed import published_course


def test_replaying_kept_webhooks_pays_once_and_then_changes_nothing(tmp_path: Path, database_url: str) -> None:
    async def setup(container: ApplicationContainer) -> str:
        course = await published_course(container, "Paid Course", price=Money(2_500, "USD"))
        buyer = Principal(uuid.uuid4(), Role.STUDENT, "cli-test")
        quote = QuoteCoursesCommand((course.id,), "USD", Buyer("US"))
        order = await container.billing.checkout()(buyer, CheckoutCommand(quote, "k"), CLI_CONTEXT)
        event = PaymentEvent("sandbox", "evt_9", "payment.succeeded", order.id, "pay_9", 2_500, "USD", {})
        await container.billing.receive_webhook()(event)  # kept, but no worker ran
        return str(order.id)

    order_id = seed(tmp_path, database_url, setup)

    code, out, err = lyceum(tmp_path, database_url, "payments", "replay-webhooks", "--provider", "sandbox")
    assert code == 0, err
    assert out.strip() == "replayed 1 webhook(s): paid 1"
    code, out, _ = lyceum(tmp_path, database_url, "payments", "replay-webhooks")
    assert code == 0 and out.strip() == "replayed 1 webhook(s): already_paid 1"

    async def status(container: ApplicationContainer) -> str:
        async with container.infrastructure.uow() as uow:
            order = await uow.orders.get(uuid.UUID(order_id))
            assert order is not None
            return order.status

    assert seed(tmp_path, database_url, status) == "paid"
    code, _, err = lyceum(tmp_path, database_url, "payments", "replay-webhooks", "--since", "yesterday")
    assert code == 1 and "not an ISO date" in err
