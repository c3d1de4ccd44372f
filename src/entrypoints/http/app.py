"""The Litestar application factory."""

from __future__ import annotations

import gc
from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.middleware import DefineMiddleware

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.bootstrap.lifecycle import shutdown
from entrypoints.http.auth import AuthenticationMiddleware
from entrypoints.http.client_ip import parse_proxies
from entrypoints.http.docs import assets_router, openapi_config
from entrypoints.http.ip_filter import IpFilterMiddleware, IpRules
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.rate_limit import RateLimitMiddleware
from entrypoints.http.request_context import RequestContextMiddleware
from entrypoints.http.routes.admin_ip_rules import IpRuleController
from entrypoints.http.routes.admin_pricing import CouponController, SaleController
from entrypoints.http.routes.admin_users import AdminUserController, AuditController
from entrypoints.http.routes.auth import auth_router
from entrypoints.http.routes.catalog import CatalogController
from entrypoints.http.routes.categories import CategoryController
from entrypoints.http.routes.checkout import CheckoutController, OrderController, refund_order
from entrypoints.http.routes.courses import CourseController
from entrypoints.http.routes.enrollments import CohortController, EnrollmentController, WaitlistController
from entrypoints.http.routes.health import health, ready
from entrypoints.http.routes.oauth import oauth_routes
from entrypoints.http.routes.objects import object_routes
from entrypoints.http.routes.revenue import ledger_balance, my_earnings
from entrypoints.http.routes.search import SearchController
from entrypoints.http.routes.users import UserController
from entrypoints.http.routes.webhooks import payment_webhook
from ports.shared.rate_limit import RateLimit


def lyceum_version() -> str:
    try:
        return version("lyceum")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def create_app(container: ApplicationContainer, *, owns_container: bool = False) -> Litestar:
    """Build the HTTP app around a container.

    ``owns_container``: close the container's resources when the app shuts down (when the
    app runs alone under an ASGI server); ``lyceum serve`` manages them itself.
    """
    settings = container.settings()

    def on_startup() -> None:
        # Everything built so far (modules, container, routes) lives as long as the process:
        # move it out of the cyclic collector's sight, so collections triggered by request
        # garbage stop re-scanning ~100 MB of long-lived objects.
        gc.collect()
        gc.freeze()

    async def on_shutdown() -> None:
        if owns_container:
            await shutdown(container)

    ip_rules = IpRules(container.security.active_ip_rules())
    app = Litestar(
        route_handlers=[
            health,
            ready,
            auth_router(),
            *oauth_routes(),
            UserController,
            AdminUserController,
            AuditController,
            CategoryController,
            CourseController,
            CatalogController,
            CheckoutController,
            OrderController,
            refund_order,
            CouponController,
            SaleController,
            EnrollmentController,
            CohortController,
            WaitlistController,
            SearchController,
            IpRuleController,
            payment_webhook,
            my_earnings,
            ledger_balance,
            *object_routes(),
            assets_router(),
        ],
        middleware=[
            # Order matters: the principal is known before rate limits pick their key.
            DefineMiddleware(AuthenticationMiddleware, container=container),
            DefineMiddleware(
                RateLimitMiddleware,
                limiter=container.infrastructure.rate_limiter(),
                default=RateLimit(settings.rate_limit_per_minute, 60.0),
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        # Object downloads opt out: gzip would drop Content-Length and break byte ranges.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude_opt_key="skip_compression"
        ),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(lyceum_version()),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=False,
        logging_config=None,  # logging is configured once, by the entrypoint (JSON lines)
    )
    app.state.container = container
    app.state.ip_rules = ip_rules
    # Outermost wrappers, so blocked addresses stop before routing, and router-level errors
    # (404/405) get a request id and a log line too.
    guarded = IpFilterMiddleware(app.asgi_handler, rules=ip_rules, proxies=parse_proxies(settings.trusted_proxies))
    app.asgi_handler = RequestContextMiddleware(guarded, access_log=settings.access_log)
    return app
