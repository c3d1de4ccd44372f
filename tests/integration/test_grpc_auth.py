"""lyceum.identity.v1.AuthService end to end: a real container on SQLite, a real server, a real channel."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import grpc
import pyotp
import pytest
import pytest_asyncio
from dependency_injector import providers
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from core.identity.application.two_factor import recovery_code_hash
from core.identity.domain.user import User
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import shutdown, upgrade_database
from entrypoints.bootstrap.settings import load_settings
from entrypoints.grpc.auth import client_ip
from entrypoints.grpc.generated.lyceum.identity.v1 import auth_pb2, auth_pb2_grpc
from entrypoints.grpc.server import start_grpc_server

pytestmark = pytest.mark.timeout(10)

AUTH = "lyceum.identity.v1.AuthService"
PASSWORD = "correct horse battery staple"
EMAIL = "ada@example.com"
TWO_FACTOR_EMAIL = "grace@example.com"
RECOVERY_CODE = "abcde-12345"
USER_AGENT = "LyceumMobile/1.0"

Metadata = Sequence[tuple[str, str]]


class ShiftedClock:
    """The system clock, movable forward: refresh-token reuse is judged on the server's clock."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def _free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _error_code(error: grpc.aio.AioRpcError) -> str | None:
    return dict(error.trailing_metadata() or ()).get("lyceum-error-code")


def _bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


@contextlib.asynccontextmanager
async def _serving(container: ApplicationContainer, host: str = "127.0.0.1") -> AsyncIterator[grpc.aio.Channel]:
    port = _free_port(host)
    server = await start_grpc_server(container, host, port)
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        async with grpc.aio.insecure_channel(target, options=[("grpc.primary_user_agent", USER_AGENT)]) as channel:
            yield channel
    finally:
        await server.stop(grace=None)


async def _add_user(app: ApplicationContainer, email: str, *, two_factor_secret: str | None = None) -> User:
    now = app.infrastructure.clock().now()
    user = User.register(
        email=email,
        name=email.split("@")[0].title(),
        password_hash=await app.identity.hasher().hash(PASSWORD),
        now=now,
        verified=True,
    )
    if two_factor_secret is not None:
        user.totp_secret = two_factor_secret
        user.confirm_totp(step=0, recovery_code_hashes=[recovery_code_hash(RECOVERY_CODE)], now=now)
    async with app.infrastructure.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest_asyncio.fixture
async def app(tmp_path: Path, clock: ShiftedClock) -> AsyncIterator[ApplicationContainer]:
    settings = load_settings({}, data_dir=str(tmp_path), grpc_port=0)
    container = build_container(settings)
    container.infrastructure.clock.override(providers.Object(clock))
    try:
        await upgrade_database(container)
        yield container
    finally:
        await shutdown(container)


@pytest_asyncio.fixture
async def user(app: ApplicationContainer) -> User:
    return await _add_user(app, EMAIL)


@pytest_asyncio.fixture
async def channel(app: ApplicationContainer) -> AsyncIterator[grpc.aio.Channel]:
    async with _serving(app) as open_channel:
        yield open_channel


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(channel)


async def _login(stub: auth_pb2_grpc.AuthServiceStub, email: str = EMAIL) -> auth_pb2.Tokens:
    reply = await stub.Login(auth_pb2.LoginRequest(email=email, password=PASSWORD))
    assert reply.WhichOneof("result") == "tokens"
    return reply.tokens


async def _refuses(call: object, code: grpc.StatusCode, error_code: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    assert _error_code(caught.value) == error_code
    assert caught.value.details().startswith(f"{error_code}:")


# -- sign-in -------------------------------------------------------------------------------------


async def test_login_returns_tokens_that_open_me(stub: auth_pb2_grpc.AuthServiceStub, user: User) -> None:
    tokens = await _login(stub, "  Ada@Example.com ")

    assert tokens.access_token and tokens.refresh_token
    assert (tokens.token_type, tokens.expires_in > 0) == ("Bearer", True)
    profile = await stub.Me(auth_pb2.MeRequest(), metadata=_bearer(tokens.access_token))
    assert (profile.id, profile.email, profile.name) == (str(user.id), EMAIL, "Ada")
    assert (profile.role, profile.status, profile.timezone, profile.language) == ("student", "active", "UTC", "en")
    assert (profile.email_verified, profile.two_factor_enabled) == (True, False)


async def test_wrong_password_is_unauthenticated(stub: auth_pb2_grpc.AuthServiceStub, user: User) -> None:
    for email in (EMAIL, "nobody@example.com"):  # the same answer whether or not the account exists
        await _refuses(
            stub.Login(auth_pb2.LoginRequest(email=email, password="wrong password")),
            grpc.StatusCode.UNAUTHENTICATED,
            "auth.invalid_credentials",
        )


async def test_oversized_field_is_invalid_argument(stub: auth_pb2_grpc.AuthServiceStub) -> None:
    await _refuses(
        stub.Login(auth_pb2.LoginRequest(email=EMAIL, password="x" * 100_000)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request.validation",
    )


async def test_session_records_the_client_address_and_user_agent(
    app: ApplicationContainer, stub: auth_pb2_grpc.AuthServiceStub, user: User
) -> None:
    await _login(stub)

    [session] = await app.identity.sessions().list(user.id, now=app.infrastructure.clock().now())
    assert session.ip == "127.0.0.1"
    assert session.user_agent.startswith(USER_AGENT)


async def test_client_address_over_ipv6(app: ApplicationContainer, user: User) -> None:
    try:
        _free_port("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    async with _serving(app, "::1") as channel:
        await _login(auth_pb2_grpc.AuthServiceStub(channel))

    [session] = await app.identity.sessions().list(user.id, now=app.infrastructure.clock().now())
    assert session.ip == "::1"


@pytest.mark.parametrize(
    ("peer", "ip"),
    [
        ("ipv4:203.0.113.7:51234", "203.0.113.7"),
        ("ipv6:[2001:db8::1]:51234", "2001:db8::1"),
        ("ipv6:%5B::1%5D:51234", "::1"),
        ("unix:/run/lyceum.sock", ""),
        ("ipv4:not-an-address:1", ""),
        ("", ""),
    ],
)
def test_client_ip_parses_grpc_peers(peer: str, ip: str) -> None:
    assert client_ip(peer) == ip


# -- the access token ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "error_code"),
    [
        ((), "auth.unauthenticated"),
        ((("authorization", "Basic YWRhOnB3"),), "auth.unauthenticated"),
        ((("authorization", "Bearer not.a.jwt"),), "auth.invalid_token"),
    ],
)
async def test_me_needs_a_valid_access_token(
    stub: auth_pb2_grpc.AuthServiceStub, metadata: Metadata, error_code: str
) -> None:
    await _refuses(stub.Me(auth_pb2.MeRequest(), metadata=metadata), grpc.StatusCode.UNAUTHENTICATED, error_code)


async def test_logout_needs_an_access_token(stub: auth_pb2_grpc.AuthServiceStub) -> None:
    await _refuses(stub.Logout(auth_pb2.LogoutRequest()), grpc.StatusCode.UNAUTHENTICATED, "auth.unauthenticated")


# -- refresh and sign-out ------------------------------------------------------------------------


async def test_refresh_rotates_the_pair(stub: auth_pb2_grpc.AuthServiceStub, user: User, clock: ShiftedClock) -> None:
    first = await _login(stub)

    second = await stub.Refresh(auth_pb2.RefreshRequest(refresh_token=first.refresh_token))

    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    profile = await stub.Me(auth_pb2.MeRequest(), metadata=_bearer(second.access_token))
    assert profile.id == str(user.id)
    # A concurrent retry within the grace window is told so, without ending the session ...
    await _refuses(
        stub.Refresh(auth_pb2.RefreshRequest(refresh_token=first.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.refresh_token_rotated",
    )
    third = await stub.Refresh(auth_pb2.RefreshRequest(refresh_token=second.refresh_token))
    # ... but a spent token coming back later is theft: the whole session ends.
    clock.offset = dt.timedelta(seconds=10)
    await _refuses(
        stub.Refresh(auth_pb2.RefreshRequest(refresh_token=first.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.refresh_token_reused",
    )
    await _refuses(
        stub.Refresh(auth_pb2.RefreshRequest(refresh_token=third.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.session_revoked",
    )


async def test_unknown_refresh_token_is_unauthenticated(stub: auth_pb2_grpc.AuthServiceStub) -> None:
    await _refuses(
        stub.Refresh(auth_pb2.RefreshRequest(refresh_token=uuid.uuid4().hex)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.invalid_refresh_token",
    )


async def test_logout_ends_the_session(stub: auth_pb2_grpc.AuthServiceStub, user: User) -> None:
    tokens = await _login(stub)
    other = await _login(stub)

    reply = await stub.Logout(auth_pb2.LogoutRequest(), metadata=_bearer(tokens.access_token))

    assert reply == empty_pb2.Empty()
    await _refuses(
        stub.Refresh(auth_pb2.RefreshRequest(refresh_token=tokens.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.session_revoked",
    )
    # Only this session: the other device stays signed in.
    await stub.Refresh(auth_pb2.RefreshRequest(refresh_token=other.refresh_token))


async def test_logout_everywhere_ends_every_session(stub: auth_pb2_grpc.AuthServiceStub, user: User) -> None:
    tokens = await _login(stub)
    other = await _login(stub)

    await stub.Logout(auth_pb2.LogoutRequest(everywhere=True), metadata=_bearer(tokens.access_token))

    for refresh_token in (tokens.refresh_token, other.refresh_token):
        await _refuses(
            stub.Refresh(auth_pb2.RefreshRequest(refresh_token=refresh_token)),
            grpc.StatusCode.UNAUTHENTICATED,
            "auth.session_revoked",
        )


# -- the second factor ---------------------------------------------------------------------------


async def _challenge(stub: auth_pb2_grpc.AuthServiceStub) -> auth_pb2.SecondFactorChallenge:
    reply = await stub.Login(auth_pb2.LoginRequest(email=TWO_FACTOR_EMAIL, password=PASSWORD))
    assert reply.WhichOneof("result") == "challenge"
    return reply.challenge


async def test_two_factor_login_needs_the_totp_code(
    app: ApplicationContainer, stub: auth_pb2_grpc.AuthServiceStub
) -> None:
    secret = pyotp.random_base32()
    user = await _add_user(app, TWO_FACTOR_EMAIL, two_factor_secret=secret)
    challenge = await _challenge(stub)
    assert list(challenge.methods) == ["totp", "recovery_code"]
    assert 0 < challenge.expires_in <= 300
    code = pyotp.TOTP(secret).now()

    tokens = await stub.VerifySecondFactor(auth_pb2.VerifySecondFactorRequest(challenge=challenge.challenge, code=code))

    profile = await stub.Me(auth_pb2.MeRequest(), metadata=_bearer(tokens.access_token))
    assert (profile.id, profile.two_factor_enabled) == (str(user.id), True)
    # The challenge is spent, and the same code does not open a second sign-in (RFC 6238 5.2).
    await _refuses(
        stub.VerifySecondFactor(auth_pb2.VerifySecondFactorRequest(challenge=challenge.challenge, code=code)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.invalid_challenge",
    )
    again = await _challenge(stub)
    await _refuses(
        stub.VerifySecondFactor(auth_pb2.VerifySecondFactorRequest(challenge=again.challenge, code=code)),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.invalid_code",
    )


async def test_two_factor_login_with_a_recovery_code(
    app: ApplicationContainer, stub: auth_pb2_grpc.AuthServiceStub
) -> None:
    await _add_user(app, TWO_FACTOR_EMAIL, two_factor_secret=pyotp.random_base32())

    first = await _challenge(stub)
    tokens = await stub.VerifySecondFactor(
        auth_pb2.VerifySecondFactorRequest(challenge=first.challenge, recovery_code=RECOVERY_CODE)
    )
    assert tokens.access_token

    second = await _challenge(stub)  # each recovery code works once
    await _refuses(
        stub.VerifySecondFactor(
            auth_pb2.VerifySecondFactorRequest(challenge=second.challenge, recovery_code=RECOVERY_CODE)
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.invalid_code",
    )


# -- discovery -----------------------------------------------------------------------------------


async def test_health_reports_the_auth_service_serving(channel: grpc.aio.Channel) -> None:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=AUTH))

    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_auth_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = [s.name async for response in call for s in response.list_services_response.service]

    assert AUTH in names
    assert "lyceum.catalog.v1.CatalogService" in names
