from __future__ import annotations

import dataclasses
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class OAuthIdentity:
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str


@dataclasses.dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str | None
    code_verifier: str


class OAuthProvider(Protocol):
    """One external identity provider (Google, GitHub, LinkedIn): authorization code + PKCE."""

    name: str

    def authorization_request(self, *, redirect_uri: str) -> AuthorizationRequest:
        """A fresh state, PKCE verifier (S256) and, for OIDC providers, nonce."""
        ...

    async def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None) -> OAuthIdentity:
        """Exchange the code and read who signed in (ID token checks for OIDC providers).
        Raises Unauthenticated (auth.oauth_failed) or Unavailable (auth.oauth_unavailable)."""
        ...
