"""/api/v1/auth: registration, email verification, sign-in, 2FA, tokens, passwords."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from core.identity.application.accounts import RegisterCommand
from core.identity.application.authentication import SecondFactorRequired, Tokens
from core.identity.domain.passwords import MAX_LENGTH
from entrypoints.http.auth import current_principal, request_context, signed_in
from entrypoints.http.dependencies import container_of
from ports.shared.rate_limit import RateLimit

# Credential endpoints get tight budgets of their own, on top of per-account throttling.
AUTH_LIMIT = RateLimit(limit=20, window_seconds=60, name="auth")
EMAIL_LIMIT = RateLimit(limit=5, window_seconds=60, name="auth-email")
# Longer than any valid password so a too-long one gets the domain's clear error, not a 422.
PASSWORD = Annotated[str, msgspec.Meta(max_length=MAX_LENGTH * 4)]
EMAIL = Annotated[str, msgspec.Meta(max_length=320)]
TOKEN = Annotated[str, msgspec.Meta(min_length=16, max_length=200)]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EMAIL
    password: PASSWORD
    name: Annotated[str, msgspec.Meta(max_length=200)]
    language: Annotated[str, msgspec.Meta(max_length=8)] = "en"


class Accepted(msgspec.Struct):
    status: str
    detail: str


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    token: TOKEN


class EmailIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EMAIL


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: EMAIL
    password: PASSWORD


class TokensOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class ChallengeOut(msgspec.Struct):
    second_factor_required: bool
    challenge: str
    methods: list[str]
    expires_in: int


class SecondFactorIn(msgspec.Struct, forbid_unknown_fields=True):
    challenge: TOKEN
    code: Annotated[str, msgspec.Meta(max_length=12)] | None = None
    recovery_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: TOKEN


class ResetIn(msgspec.Struct, forbid_unknown_fields=True):
    token: TOKEN
    password: PASSWORD


class ChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: PASSWORD
    new_password: PASSWORD


class PasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    password: PASSWORD


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=6, max_length=12)]


class EnrolmentOut(msgspec.Struct):
    secret: str
    otpauth_uri: str
    qr_png_base64: str


class RecoveryCodesOut(msgspec.Struct):
    recovery_codes: list[str]


def tokens_out(tokens: Tokens) -> TokensOut:
    return TokensOut(tokens.access_token, tokens.refresh_token, tokens.token_type, tokens.expires_in)


_SENT = Accepted("accepted", "if the address can receive it, an email is on its way")


@post(
    "/register",
    status_code=HTTP_202_ACCEPTED,
    opt={"rate_limit": EMAIL_LIMIT},
    summary="Create an account (answers the same whether or not the email is registered)",
)
async def register(request: Request[Any, Any, Any], data: JSONBody[RegisterIn]) -> Accepted:
    command = RegisterCommand(data.email, data.password, data.name, data.language)
    await container_of(request).identity.register()(command, request_context(request))
    return _SENT


@post(
    "/verify-email",
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Confirm an email address with the emailed token",
)
async def verify_email(request: Request[Any, Any, Any], data: JSONBody[TokenIn]) -> Accepted:
    await container_of(request).identity.verify_email()(data.token, request_context(request))
    return Accepted("verified", "the email address is confirmed; you can sign in")


@post(
    "/verify-email/resend",
    status_code=HTTP_202_ACCEPTED,
    opt={"rate_limit": EMAIL_LIMIT},
    summary="Send the verification email again",
)
async def resend_verification(request: Request[Any, Any, Any], data: JSONBody[EmailIn]) -> Accepted:
    await container_of(request).identity.resend_verification()(data.email)
    return _SENT


@post(
    "/login",
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Sign in: tokens, or a second-factor challenge when 2FA is on",
)
async def login(request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> TokensOut | ChallengeOut:
    result = await container_of(request).identity.login()(data.email, data.password, request_context(request))
    if isinstance(result, SecondFactorRequired):
        return ChallengeOut(True, result.challenge, list(result.methods), result.expires_in)
    return tokens_out(result)


@post(
    "/2fa/verify",
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Second sign-in step: a TOTP code or a recovery code",
)
async def verify_second_factor(request: Request[Any, Any, Any], data: JSONBody[SecondFactorIn]) -> TokensOut:
    tokens = await container_of(request).identity.verify_second_factor()(
        data.challenge, code=data.code, recovery_code=data.recovery_code, ctx=request_context(request)
    )
    return tokens_out(tokens)


@post(
    "/refresh",
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Trade a refresh token for a new pair (the old one stops working)",
)
async def refresh(request: Request[Any, Any, Any], data: JSONBody[RefreshIn]) -> TokensOut:
    return tokens_out(await container_of(request).identity.refresh()(data.refresh_token, request_context(request)))


@post("/logout", guards=[signed_in], status_code=204, summary="End this session (?everywhere=true: every session)")
async def logout(request: Request[Any, Any, Any], everywhere: FromQuery[bool] = False) -> None:
    await container_of(request).identity.logout()(
        current_principal(request), request_context(request), everywhere=everywhere
    )


@post(
    "/password/forgot",
    status_code=HTTP_202_ACCEPTED,
    opt={"rate_limit": EMAIL_LIMIT},
    summary="Email a reset link (answers the same for unknown addresses)",
)
async def forgot_password(request: Request[Any, Any, Any], data: JSONBody[EmailIn]) -> Accepted:
    await container_of(request).identity.forgot_password()(data.email, request_context(request))
    return _SENT


@post(
    "/password/reset",
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Set a new password with the emailed token; ends every session",
)
async def reset_password(request: Request[Any, Any, Any], data: JSONBody[ResetIn]) -> Accepted:
    await container_of(request).identity.reset_password()(data.token, data.password, request_context(request))
    return Accepted("changed", "the password is changed; sign in again")


@post(
    "/password/change",
    guards=[signed_in],
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Change the password (needs the current one); ends the other sessions",
)
async def change_password(request: Request[Any, Any, Any], data: JSONBody[ChangeIn]) -> Accepted:
    await container_of(request).identity.change_password()(
        current_principal(request), data.current_password, data.new_password, request_context(request)
    )
    return Accepted("changed", "the password is changed; other sessions were signed out")


@post("/2fa/enroll", guards=[signed_in], status_code=200, summary="Start TOTP enrolment: secret, URI and QR code")
async def enroll_totp(request: Request[Any, Any, Any]) -> EnrolmentOut:
    enrolment = await container_of(request).identity.start_totp()(current_principal(request))
    return EnrolmentOut(enrolment.secret, enrolment.otpauth_uri, base64.b64encode(enrolment.qr_png).decode())


@post(
    "/2fa/confirm",
    guards=[signed_in],
    opt={"rate_limit": AUTH_LIMIT},
    status_code=200,
    summary="Confirm enrolment with a first code; returns 10 single-use recovery codes (shown once)",
)
async def confirm_totp(request: Request[Any, Any, Any], data: JSONBody[CodeIn]) -> RecoveryCodesOut:
    codes = await container_of(request).identity.confirm_totp()(
        current_principal(request), data.code, request_context(request)
    )
    return RecoveryCodesOut(codes)


@post(
    "/2fa/disable",
    guards=[signed_in],
    opt={"rate_limit": AUTH_LIMIT},
    status_code=204,
    summary="Turn 2FA off (needs the password again)",
)
async def disable_totp(request: Request[Any, Any, Any], data: JSONBody[PasswordIn]) -> None:
    await container_of(request).identity.disable_totp()(
        current_principal(request), data.password, request_context(request)
    )


def auth_router() -> Router:
    return Router(
        path="/api/v1/auth",
        tags=["authentication"],
        route_handlers=[
            register,
            verify_email,
            resend_verification,
            login,
            verify_second_factor,
            refresh,
            logout,
            forgot_password,
            reset_password,
            change_password,
            enroll_totp,
            confirm_totp,
            disable_totp,
        ],
    )
