"""Domain errors to gRPC statuses, mapped once for every Lyceum service.

Clients switch on the stable code, sent twice: as trailing metadata ``lyceum-error-code``
(machine-readable) and as the prefix of the status message (``category.not_found: ...``)
so it also shows up in tools that print only the status.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn, TypeAlias, cast

import grpc

from core.shared.errors import DomainError

log = logging.getLogger("lyceum.grpc")

ERROR_CODE_KEY = "lyceum-error-code"
INTERNAL_CODE = "server.error"  # the same code the HTTP entrypoint uses for a 500

# Only our own services are wrapped: health and reflection come from grpcio and already
# answer with their own statuses.
_OWN_METHOD_PREFIX = "/lyceum."

STATUS_BY_KIND: dict[str, grpc.StatusCode] = {
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    # "conflict" covers both duplicates (category.name_taken) and state clashes
    # (category.has_children); ALREADY_EXISTS would be wrong for the second, while
    # FAILED_PRECONDITION ("fix the state, then retry") is right for both. Clients that need
    # the finer distinction read lyceum-error-code.
    "conflict": grpc.StatusCode.FAILED_PRECONDITION,
    "forbidden": grpc.StatusCode.PERMISSION_DENIED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
    "rate_limited": grpc.StatusCode.RESOURCE_EXHAUSTED,
}

Context: TypeAlias = grpc.aio.ServicerContext
UnaryBehaviour = Callable[[Any, Context], Awaitable[Any]]
StreamBehaviour = Callable[[Any, Context], AsyncIterator[Any]]


def status_for(error: DomainError) -> grpc.StatusCode:
    # A kind this table does not know yet is a gap here, not the client's fault: UNKNOWN
    # says exactly that, and the code still travels in the metadata.
    return STATUS_BY_KIND.get(error.kind, grpc.StatusCode.UNKNOWN)


async def abort_with(context: Context, exc: Exception, method: str) -> NoReturn:
    """End the call with the status ``exc`` maps to; unexpected errors reveal nothing."""
    if isinstance(exc, DomainError):
        status, code, text = status_for(exc), exc.code, exc.message
    else:
        log.error("unhandled error", extra={"method": method}, exc_info=exc)
        status, code, text = grpc.StatusCode.INTERNAL, INTERNAL_CODE, "an unexpected error occurred"
    await context.abort(status, f"{code}: {text}", trailing_metadata=((ERROR_CODE_KEY, code),))
    raise AssertionError("context.abort returned")  # it always raises; keeps NoReturn honest


class DomainErrorInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every method of every Lyceum service, so no servicer can forget the mapping."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or not method.startswith(_OWN_METHOD_PREFIX):
            return handler
        return _wrap(handler, method)


def _wrap(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    serde = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(_guard(handler.unary_unary, method), **serde)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(_guard(handler.stream_unary, method), **serde)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(_guard_stream(handler.unary_stream, method), **serde)
    return grpc.stream_stream_rpc_method_handler(_guard_stream(handler.stream_stream, method), **serde)


def _guard(behaviour: UnaryBehaviour, method: str) -> UnaryBehaviour:
    async def guarded(request: Any, context: Context) -> Any:
        try:
            return await behaviour(request, context)
        except grpc.aio.AbortError:
            raise  # the servicer chose its status itself
        except Exception as exc:
            await abort_with(context, exc, method)

    return guarded


def _guard_stream(behaviour: StreamBehaviour | UnaryBehaviour, method: str) -> StreamBehaviour | UnaryBehaviour:
    # A streaming method is either an async generator or a coroutine that calls
    # context.write(); each needs its own wrapper to keep its shape.
    if not inspect.isasyncgenfunction(behaviour):
        return _guard(cast(UnaryBehaviour, behaviour), method)
    stream = cast(StreamBehaviour, behaviour)

    async def guarded(request: Any, context: Context) -> AsyncIterator[Any]:
        try:
            async for response in stream(request, context):
                yield response
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await abort_with(context, exc, method)

    return guarded
