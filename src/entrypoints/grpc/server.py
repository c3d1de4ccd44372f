"""The gRPC server: Lyceum services plus the standard health and reflection services."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.grpc import auth, catalog, enrollment
from entrypoints.grpc.errors import DomainErrorInterceptor
from entrypoints.grpc.generated.lyceum.catalog.v1 import catalog_pb2_grpc
from entrypoints.grpc.generated.lyceum.enrollment.v1 import enrollment_pb2_grpc
from entrypoints.grpc.generated.lyceum.identity.v1 import auth_pb2_grpc

__all__ = ["GrpcServer", "start_grpc_server"]

# gRPC sets SO_REUSEPORT by default on Linux, so a second server on a busy port would
# silently share it with the first instead of failing; we want the bind error.
_OPTIONS = [("grpc.so_reuseport", 0)]


class GrpcServer:
    """A started server. ``stop`` first reports NOT_SERVING on the health service, so load
    balancers drain this instance during the grace period instead of sending it new calls."""

    def __init__(self, server: grpc.aio.Server, health_servicer: health.aio.HealthServicer) -> None:
        self.server = server
        self._health = health_servicer

    async def stop(self, grace: float | None) -> None:
        await self._health.enter_graceful_shutdown()
        await self.server.stop(grace)


async def start_grpc_server(container: ApplicationContainer, host: str, port: int) -> GrpcServer:
    """Build, bind and start the server; the caller stops it with ``await server.stop(grace)``."""
    server = grpc.aio.server(interceptors=[DomainErrorInterceptor()], options=_OPTIONS)

    servicer = catalog.CatalogServicer(
        container.catalog.get_category_tree(),
        container.catalog.get_category(),
        container.catalog.list_catalog(),
        container.catalog.get_catalog_course(),
        container.catalog.search_courses(),
    )
    catalog_pb2_grpc.add_CatalogServiceServicer_to_server(servicer, server)
    bearer = _bearer_auth(container)
    auth_pb2_grpc.add_AuthServiceServicer_to_server(_auth_servicer(container, bearer), server)
    enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server(_enrollment_servicer(container, bearer), server)

    health_servicer = health.aio.HealthServicer()
    for service in ("", catalog.SERVICE_NAME, auth.SERVICE_NAME, enrollment.SERVICE_NAME):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)

    reflection.enable_server_reflection(
        [
            catalog.SERVICE_NAME,
            auth.SERVICE_NAME,
            enrollment.SERVICE_NAME,
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ],
        server,
    )

    address = _address(host, port)
    try:
        server.add_insecure_port(address)
    except RuntimeError as exc:
        raise RuntimeError(
            f"gRPC server cannot bind {address}: address in use, or host not local or not resolvable"
        ) from exc
    await server.start()
    return GrpcServer(server, health_servicer)


def _bearer_auth(container: ApplicationContainer) -> auth.BearerAuth:
    """One for every authenticated service, so they all read the token the same way."""
    identity = container.identity
    return auth.BearerAuth(
        identity.access_tokens(),
        container.infrastructure.clock(),
        identity.sessions(),
        require_2fa_for_admins=container.settings().require_2fa_for_admins,
    )


def _auth_servicer(container: ApplicationContainer, bearer: auth.BearerAuth) -> auth.AuthServicer:
    identity = container.identity
    return auth.AuthServicer(
        bearer,
        login=identity.login(),
        verify_second_factor=identity.verify_second_factor(),
        refresh=identity.refresh(),
        logout=identity.logout(),
        get_me=identity.get_me(),
    )


def _enrollment_servicer(container: ApplicationContainer, bearer: auth.BearerAuth) -> enrollment.EnrollmentServicer:
    return enrollment.EnrollmentServicer(
        bearer,
        enroll=container.enrollment.enroll(),
        my_enrollments=container.enrollment.my_enrollments(),
        check_access=container.enrollment.check_access(),
    )


def _address(host: str, port: int) -> str:
    # An IPv6 literal needs brackets, or "::1:50051" reads as an address without a port.
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"
