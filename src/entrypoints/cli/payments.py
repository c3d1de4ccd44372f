"""``lyceum payments``: operations on payments. ``replay-webhooks`` applies kept webhooks again
(after an outage of the worker, or a fix to a handler); applying is idempotent, so replaying
everything is always safe."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Annotated

import typer

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.runner import fail, run_with_container
from entrypoints.cli.users import progress_bar

app = typer.Typer(help="Payments: webhook replay.", no_args_is_help=True)
PAGE = 200


@app.command("replay-webhooks")
def replay_webhooks(
    provider: Annotated[str | None, typer.Option(help="Only this provider's (e.g. sandbox, stripe).")] = None,
    since: Annotated[str | None, typer.Option(help="Only those received since this ISO date or time (UTC).")] = None,
) -> None:
    """Apply kept payment webhooks again, oldest first, with a progress bar."""
    try:
        start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC) if since else None
    except ValueError:
        fail(f"not an ISO date or time: {since!r}")

    async def act(container: ApplicationContainer) -> collections.Counter[str]:
        listing, apply = container.billing.received_webhooks(), container.billing.apply_webhook()
        outcomes: collections.Counter[str] = collections.Counter()
        after: tuple[str, str] | None = None
        with progress_bar() as progress:
            task = progress.add_task("replaying", total=None)
            while page := await listing(provider=provider, since=start, after=after, limit=PAGE):
                for name, event_id in page:
                    outcomes[await apply(name, event_id)] += 1
                    progress.advance(task)
                after = page[-1]
        return outcomes

    outcomes = run_with_container(act)
    total = sum(outcomes.values())
    summary = ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items())) or "nothing kept"
    typer.echo(f"replayed {total} webhook(s): {summary}")
