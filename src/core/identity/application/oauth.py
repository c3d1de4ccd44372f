"""Sign-in with an external identity provider (Google, GitHub, LinkedIn): OAuth 2.0 authorization
code with PKCE (S256), and OpenID Connect where the provider speaks it.

``StartOAuth`` asks the provider adapter for a fresh ``state``, PKCE verifier and (OIDC) nonce,
keeps them in the cache under the state for ten minutes together with the hash of a random
*browser binding*, and hands back the provider's authorization URL and the binding. The HTTP
layer sets the binding as an HttpOnly cookie, so a callback is accepted only from the browser
that started the flow (no login CSRF: an attacker cannot make a victim's browser finish the
attacker's flow).

``CompleteOAuth`` spends the state exactly once, checks the browser binding, lets the adapter
exchange the code (same redirect URI, PKCE verifier, nonce) and read who signed in, then applies
the linking rules:

1. an account already linked to (provider, subject) signs in;
2. else an account with the same email is linked only when the provider asserts the email is
   verified. An account still waiting for email verification is claimed by the verified owner:
   its email becomes verified and the password set by whoever registered it is dropped, so a
   "pre-registered" account cannot be used to hijack the owner (account pre-hijacking);
3. an existing email the provider does not vouch for is refused
   (``auth.oauth_link_requires_verified_email``): the owner signs in with the password and links
   the provider from the account settings;
4. no account: a verified email creates an active account without a password; an unverified
   (or missing) email is refused and the user is asked to verify it with the provider or to
   register with email and password. Creating a pending account from an unverified email would
   let whoever controls the provider account keep a link into an account the real owner later
   activates (by verification or password reset).

Suspended, banned and deleted accounts are refused as ``Login`` refuses them; accounts with
two-factor authentication get the same second-factor challenge as a password sign-in.
Every outcome is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from core.identity.application.auditing import Auditor
from core.identity.application.authentication import (
    SecondFactorRequired,
    Tokens,
    _Issuer,
    start_second_factor,
)
from core.identity.application.context import RequestContext
from core.identity.domain.sessions import new_token, token_hash
from core.identity.domain.user import NAME_MAX_LENGTH, AccountStatus, User, normalize_email
from core.shared.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from ports.identity.oauth import OAuthIdentity, OAuthProvider
from ports.identity.oauth_links import OAuthUnitOfWork
from ports.shared.cache import Cache
from ports.shared.clock import Clock

OAuthUowFactory = Callable[[], OAuthUnitOfWork]

STATE_TTL = 600  # seconds between "authorize" and "callback"
BINDING_MIN_LENGTH = 32
_STATE_KEY = "auth:oauth:state:"
_STATE_USED_KEY = "auth:oauth:state-used:"
_AUDIT_ACTION = "auth.oauth_login"


@dataclasses.dataclass(frozen=True)
class OAuthStart:
    """Where to send the browser, and the binding to give it as an HttpOnly cookie."""

    authorization_url: str
    state: str
    browser_binding: str


def _provider(providers: Mapping[str, OAuthProvider], name: str) -> OAuthProvider:
    provider = providers.get(name)
    if provider is None:
        raise NotFound("auth.unknown_provider", "this sign-in provider is not available", {"provider": name[:40]})
    return provider


class StartOAuth:
    def __init__(self, providers: Mapping[str, OAuthProvider], cache: Cache) -> None:
        self._providers, self._cache = providers, cache

    async def __call__(self, provider: str, *, redirect_uri: str, browser_binding: str | None = None) -> OAuthStart:
        """``redirect_uri`` is this deployment's callback URL for the provider, exactly as
        registered with it. A browser that already holds a binding keeps it, so starting a second
        sign-in does not break one under way (the first callback to finish clears the cookie,
        though); otherwise a new binding is made."""
        chosen = _provider(self._providers, provider)
        request = chosen.authorization_request(redirect_uri=redirect_uri)
        binding = browser_binding if _plausible_binding(browser_binding) else None
        binding = binding or new_token()
        record = {
            "provider": provider,
            "code_verifier": request.code_verifier,
            "nonce": request.nonce,
            "browser_binding_hash": token_hash(binding),
            "redirect_uri": redirect_uri,
        }
        await self._cache.set(
            _STATE_KEY + token_hash(request.state), json.dumps(record).encode(), ttl_seconds=STATE_TTL
        )
        return OAuthStart(request.url, request.state, binding)


@dataclasses.dataclass(frozen=True)
class _PendingFlow:
    provider: str
    code_verifier: str
    nonce: str | None
    browser_binding_hash: str
    redirect_uri: str


class CompleteOAuth:
    def __init__(
        self,
        uow: OAuthUowFactory,
        providers: Mapping[str, OAuthProvider],
        cache: Cache,
        issuer: _Issuer,
        clock: Clock,
        auditor: Auditor,
    ) -> None:
        self._uow, self._providers, self._cache = uow, providers, cache
        self._issuer, self._clock, self._auditor = issuer, clock, auditor

    async def __call__(
        self, provider: str, *, code: str, state: str, browser_binding: str | None, ctx: RequestContext
    ) -> Tokens | SecondFactorRequired:
        chosen = _provider(self._providers, provider)
        flow = await self._spend_state(provider, state, browser_binding, ctx)
        if not code:
            await self._audit_failure(ctx, provider, "missing_code")
            raise InvalidInput("auth.oauth_missing_code", "the provider sent no authorization code")
        try:
            identity = await chosen.identity(
                code=code, redirect_uri=flow.redirect_uri, code_verifier=flow.code_verifier, nonce=flow.nonce
            )
        except DomainError as exc:
            await self._audit_failure(ctx, provider, str(exc.details.get("reason") or exc.code))
            raise
        user, how = await self._resolve_user(identity, ctx)
        if user.two_factor_enabled:
            await self._auditor.record(
                _AUDIT_ACTION, ctx, subject_id=user.id, outcome="second_factor_required", provider=provider, link=how
            )
            # The same challenge a password sign-in gets: VerifySecondFactor finishes both.
            return await start_second_factor(self._cache, user.id)
        tokens = await self._issuer.sign_in(user, ctx, second_factor=False)
        await self._auditor.record(_AUDIT_ACTION, ctx, subject_id=user.id, provider=provider, link=how)
        return tokens

    # -- state -------------------------------------------------------------------------------

    async def _spend_state(
        self, provider: str, state: str, browser_binding: str | None, ctx: RequestContext
    ) -> _PendingFlow:
        digest = token_hash(state or "")
        raw = await self._cache.get(_STATE_KEY + digest) if state else None
        if raw is None:
            spent = state and await self._cache.get(_STATE_USED_KEY + digest) is not None
            await self._audit_failure(ctx, provider, "state_replayed" if spent else "state_unknown")
            raise _invalid_state()
        # `add` is atomic: of two callbacks with the same state, exactly one goes on.
        if not await self._cache.add(_STATE_USED_KEY + digest, b"1", ttl_seconds=STATE_TTL):
            await self._audit_failure(ctx, provider, "state_replayed")
            raise _invalid_state()
        await self._cache.delete(_STATE_KEY + digest)
        flow = _parse_flow(raw)
        if flow is None or flow.provider != provider:
            await self._audit_failure(ctx, provider, "state_for_another_provider")
            raise _invalid_state()
        presented = token_hash(browser_binding) if browser_binding else ""
        if not hmac.compare_digest(presented.encode(), flow.browser_binding_hash.encode()):
            await self._audit_failure(ctx, provider, "browser_mismatch")
            raise _invalid_state()
        return flow

    # -- linking -------------------------------------------------------------------------------

    async def _resolve_user(self, identity: OAuthIdentity, ctx: RequestContext) -> tuple[User, str]:
        """The account this identity signs in as (committed), and how it was found."""
        provider = identity.provider
        now = self._clock.now()
        async with self._uow() as uow:
            linked_id = await uow.oauth_links.get(provider, identity.subject)
            if linked_id is not None:
                user = await uow.users.get(linked_id)
                if user is None:
                    await self._audit_failure(ctx, provider, "dangling_link")
                    raise Unauthenticated("auth.oauth_failed", "this sign-in could not be completed")
                how = "existing"
                await self._check_can_sign_in(user, ctx, provider)
            else:
                email = _usable_email(identity.email)
                user = await uow.users.get_by_email(email) if email else None
                if user is not None:
                    if not identity.email_verified:
                        await self._auditor.record(
                            _AUDIT_ACTION,
                            ctx,
                            subject_id=user.id,
                            outcome="denied",
                            provider=provider,
                            reason="link_needs_verified_email",
                        )
                        raise Conflict(
                            "auth.oauth_link_requires_verified_email",
                            "an account with this email exists; sign in with your password and connect "
                            "this provider from your account settings",
                            {"provider": provider},
                        )
                    if user.status == AccountStatus.PENDING_VERIFICATION and user.deleted_at is None:
                        _claim_unverified_account(user, now)
                    await self._check_can_sign_in(user, ctx, provider)
                    how = "linked"
                elif email and identity.email_verified:
                    user = User.register(
                        email=email, name=_display_name(identity, email), password_hash=None, now=now, verified=True
                    )
                    await uow.users.add(user)
                    how = "created"
                else:
                    await self._audit_failure(ctx, provider, "no_verified_email")
                    raise PermissionDenied(
                        "auth.oauth_email_unverified",
                        "the provider did not confirm an email address for this account; verify your email "
                        "with the provider, or register with email and password",
                        {"provider": provider},
                    )
                await uow.oauth_links.add(provider, identity.subject, user.id, linked_at=now)
            await uow.commit()
        return user, how

    async def _check_can_sign_in(self, user: User, ctx: RequestContext, provider: str) -> None:
        try:
            user.ensure_can_sign_in(self._clock.now())
        except PermissionDenied:
            await self._auditor.record(
                _AUDIT_ACTION,
                ctx,
                subject_id=user.id,
                outcome="denied",
                provider=provider,
                reason="deleted" if user.deleted_at is not None else user.status,
            )
            raise

    async def _audit_failure(self, ctx: RequestContext, provider: str, reason: str) -> None:
        await self._auditor.record(_AUDIT_ACTION, ctx, outcome="failure", provider=provider[:40], reason=reason)


def _invalid_state() -> Unauthenticated:
    return Unauthenticated(
        "auth.oauth_invalid_state",
        "this sign-in link is invalid, used, expired or was started in another browser; start again",
    )


def _plausible_binding(value: str | None) -> bool:
    return value is not None and BINDING_MIN_LENGTH <= len(value) <= 128 and value.isascii() and value.isprintable()


def _parse_flow(raw: bytes) -> _PendingFlow | None:
    try:
        data: dict[str, Any] = json.loads(raw)
        return _PendingFlow(
            str(data["provider"]),
            str(data["code_verifier"]),
            None if data.get("nonce") is None else str(data["nonce"]),
            str(data["browser_binding_hash"]),
            str(data["redirect_uri"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _usable_email(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_email(raw)
    except InvalidInput:
        return None


def _display_name(identity: OAuthIdentity, email: str) -> str:
    for candidate in (identity.name, email.split("@", 1)[0]):
        name = " ".join(candidate.split())[:NAME_MAX_LENGTH]
        if name and name.isprintable():
            return name
    return "Learner"


def _claim_unverified_account(user: User, now: dt.datetime) -> None:
    """The verified owner of the address takes over an account nobody has proven it for: the
    email becomes verified, and the password chosen by whoever registered it stops working."""
    user.verify_email(now)
    user.password_hash = None  # no domain method clears a password yet (User.register has none to keep)
