"""One typed settings object, read from ``LYCEUM_*`` environment variables and validated at start."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

ENV_PREFIX = "LYCEUM_"
REDACTED = "********"


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one readable line."""


def _field(default: Any, help: str, *, secret: bool = False, minimum: float | None = None) -> Any:
    return dataclasses.field(default=default, metadata={"help": help, "secret": secret, "minimum": minimum})


@dataclasses.dataclass(frozen=True)
class Settings:
    env: Literal["development", "test", "production"] = _field("development", "Deployment environment.")
    data_dir: Path = _field(Path("var"), "Where embedded mode keeps its database, objects, mail and index.")  # noqa: RUF009 - Path is immutable
    database_url: str | None = _field(
        None,
        "SQLAlchemy async URL, e.g. postgresql+asyncpg://user@host/db. Unset: SQLite in the data dir.",
        secret=True,
    )
    database_pool_size: int = _field(10, "Connections per process (PostgreSQL).", minimum=1)
    redis_url: str | None = _field(
        None, "Redis URL for cache, broker and rate limits. Unset: in-process equivalents.", secret=True
    )
    redis_namespace: str = _field("lyceum", "Prefix of every Redis key and stream (several deployments, one Redis).")
    host: str = _field("127.0.0.1", "HTTP bind address.")
    port: int = _field(8000, "HTTP port.", minimum=0)
    grpc_port: int = _field(50051, "gRPC port (0 disables the gRPC server).", minimum=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _field("INFO", "Log level.")
    log_format: Literal["json", "text"] = _field("json", "Log line format.")
    access_log: bool = _field(True, "Log one line per HTTP request.")
    cors_origins: tuple[str, ...] = _field((), "Comma-separated origins allowed by CORS (empty: CORS off).")
    max_body_bytes: int = _field(1_048_576, "Largest accepted request body in bytes.", minimum=1)
    admin_token: str | None = _field(
        None,
        "Operator bearer token for write routes until user accounts exist (unset: writes only via CLI).",
        secret=True,
    )
    category_cache_ttl: float = _field(3600.0, "Seconds the rendered category tree stays cached.", minimum=1)
    task_max_attempts: int = _field(5, "Attempts per task handler before it is dead-lettered.", minimum=1)
    task_retry_base_seconds: float = _field(1.0, "First retry delay; doubles per attempt (with jitter).", minimum=0)
    task_visibility_timeout: float = _field(
        300.0, "Seconds before a message held by a silent worker is redelivered (Redis).", minimum=1
    )
    worker_concurrency: int = _field(20, "Tasks one worker process runs at once.", minimum=1)
    outbox_poll_seconds: float = _field(0.5, "How often the outbox relay looks for new events.", minimum=0.01)
    public_base_url: str = _field(
        "http://127.0.0.1:8000", "Base URL clients reach the API at (used in signed download/upload links)."
    )
    signing_secret: str | None = _field(
        None, "HMAC key for signed URLs and tokens. Unset: generated once into the data dir.", secret=True
    )
    s3_bucket: str | None = _field(None, "S3 bucket for objects. Unset: objects on the local file system.")
    s3_endpoint_url: str | None = _field(None, "S3 endpoint (MinIO, SeaweedFS, ...). Unset: AWS.")
    s3_region: str = _field("us-east-1", "S3 region.")
    s3_access_key_id: str | None = _field(None, "S3 access key id (unset: the AWS default chain).", secret=True)
    s3_secret_access_key: str | None = _field(None, "S3 secret access key.", secret=True)
    presign_ttl_seconds: int = _field(300, "Lifetime of presigned upload and download URLs.", minimum=1)
    seller_country: str = _field(
        "US", "Country the platform sells from (ISO 3166-1 alpha-2): taxes and reverse charge."
    )
    seller_vat_id: str | None = _field(None, "The seller's VAT number, printed on invoices.")
    prices_include_tax: bool = _field(True, "Course prices include sales tax (else tax is added at checkout).")
    tax_rates: str = _field(
        "",
        "Sales tax by the buyer's place: COUNTRY[-REGION]=PERCENT, comma separated "
        "(e.g. DE=19,FR=20,IL=18,US-NY=8.875). Unset: no tax.",
    )
    platform_fee_percent: int = _field(
        30, "The platform's share of each sale's net amount, in percent; instructors get the rest.", minimum=0
    )
    sandbox_webhook_secrets: str | None = _field(
        None,
        "Signing secrets of the sandbox payment provider's webhooks, comma separated (several while "
        "rotating). Unset: /api/v1/webhooks/sandbox is off.",
    )
    fx_feed_url: str | None = _field(
        None,
        "Exchange-rate feed in the ECB eurofxref XML format, read daily "
        "(e.g. https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml). Unset: a fixed demo table.",
    )
    typesense_url: str | None = _field(None, "Typesense URL, e.g. http://search:8108. Unset: embedded index.")
    typesense_api_key: str | None = _field(None, "Typesense API key.", secret=True)
    mail_backend: Literal["maildir", "smtp", "sendgrid", "ses"] = _field(
        "maildir", "How email leaves: maildir (files under the data dir), smtp, sendgrid or ses."
    )
    mail_from: str = _field("Lyceum <no-reply@lyceum.localhost>", "Sender of platform email.")
    smtp_url: str | None = _field(
        None, "smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (implicit TLS).", secret=True
    )
    sendgrid_api_key: str | None = _field(None, "SendGrid API key.", secret=True)
    sendgrid_base_url: str = _field("https://api.sendgrid.com", "SendGrid API base URL.")
    ses_region: str = _field("us-east-1", "AWS SES v2 region.")
    ses_endpoint_url: str | None = _field(None, "SES endpoint override (unset: AWS).")
    aws_access_key_id: str | None = _field(None, "AWS access key id for SES (unset: default chain).", secret=True)
    aws_secret_access_key: str | None = _field(None, "AWS secret access key for SES.", secret=True)
    rate_limit_per_minute: int = _field(100, "Default requests per minute per user or IP.", minimum=1)
    trusted_proxies: tuple[str, ...] = _field(
        (), "CIDRs of reverse proxies whose X-Forwarded-For is believed (empty: use the socket peer)."
    )
    http_timeout_seconds: float = _field(10.0, "Timeout of outbound HTTP calls to providers.", minimum=0.1)
    jwt_issuer: str = _field("lyceum", "The iss claim of access tokens (and the expected one).")
    jwt_audience: str = _field("lyceum-api", "The aud claim of access tokens (and the expected one).")
    jwt_private_keys: str | None = _field(
        None,
        "Ed25519 signing keys as 'kid=PEM-file-path,...'; the first signs, all verify (rotation). "
        "Unset: one key generated into the data dir.",
        secret=True,
    )
    access_token_ttl: int = _field(900, "Access token lifetime in seconds (at most 15 minutes).", minimum=60)
    refresh_token_ttl_days: int = _field(30, "Refresh token lifetime in days (at most 30).", minimum=1)
    argon2_memory_kib: int = _field(19456, "Argon2id memory cost (OWASP minimum 19 MiB).", minimum=19456)
    argon2_iterations: int = _field(2, "Argon2id time cost.", minimum=2)
    argon2_parallelism: int = _field(1, "Argon2id lanes.", minimum=1)
    password_hash_concurrency: int = _field(
        0,
        "Password hashes computed at once per process (0: one per CPU); more requests wait briefly, then 503.",
        minimum=0,
    )
    password_hash_yield_cpu: bool = _field(
        True,
        "Hashing threads run at idle CPU priority (Linux SCHED_IDLE): request handling always "
        "gets a CPU first, and sign-ins slow down (then answer 503) before other requests do.",
    )
    require_2fa_for_admins: bool = _field(False, "Admins must have two-factor authentication to use admin routes.")
    oauth_redirect_base_url: str | None = _field(
        None, "Base URL of the OAuth callback (default: LYCEUM_PUBLIC_BASE_URL)."
    )
    oauth_google_client_id: str | None = _field(None, "Google OAuth client id (unset: Google sign-in off).")
    oauth_google_client_secret: str | None = _field(None, "Google OAuth client secret.", secret=True)
    oauth_google_issuer: str = _field("https://accounts.google.com", "Google OIDC issuer (override for tests).")
    oauth_github_client_id: str | None = _field(None, "GitHub OAuth client id (unset: GitHub sign-in off).")
    oauth_github_client_secret: str | None = _field(None, "GitHub OAuth client secret.", secret=True)
    oauth_github_base_url: str = _field("https://github.com", "GitHub web base URL (override for tests).")
    oauth_github_api_url: str = _field("https://api.github.com", "GitHub API base URL (override for tests).")
    oauth_linkedin_client_id: str | None = _field(None, "LinkedIn OAuth client id (unset: LinkedIn sign-in off).")
    oauth_linkedin_client_secret: str | None = _field(None, "LinkedIn OAuth client secret.", secret=True)
    oauth_linkedin_issuer: str = _field("https://www.linkedin.com/oauth", "LinkedIn OIDC issuer (override for tests).")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'lyceum.db').resolve()}"

    @property
    def embedded_database(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def redacted(self) -> dict[str, str]:
        """Every setting by its variable name, secrets masked (a URL keeps scheme and host)."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata["secret"] and value:
                value = _redact(str(value))
            elif isinstance(value, tuple):
                value = ",".join(value)
            out[ENV_PREFIX + f.name.upper()] = "" if value is None else str(value)
        return out


def _redact(value: str) -> str:
    if "://" not in value:
        return REDACTED
    scheme, rest = value.split("://", 1)
    host = rest.rsplit("@", 1)[-1].split("/", 1)[0]
    return f"{scheme}://{REDACTED}@{host}/…" if "@" in rest else f"{scheme}://{host}/…"


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting: the README table and ``config show``."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            default = ",".join(default)
        rows.append((ENV_PREFIX + f.name.upper(), "" if default is None else str(default), f.metadata["help"]))
    return rows


_REQUIRED_BY_MAIL_BACKEND = {"smtp": "smtp_url", "sendgrid": "sendgrid_api_key"}


def _check_combinations(settings: Settings) -> None:
    needed = _REQUIRED_BY_MAIL_BACKEND.get(settings.mail_backend)
    if needed and not getattr(settings, needed):
        raise SettingsError(
            f"{ENV_PREFIX}{needed.upper()}: required when {ENV_PREFIX}MAIL_BACKEND={settings.mail_backend}"
        )
    if ("<" in settings.mail_from and not settings.mail_from.rstrip().endswith(">")) or "@" not in settings.mail_from:
        raise SettingsError(f"{ENV_PREFIX}MAIL_FROM: expected 'Name <address@domain>' or an address")
    if settings.access_token_ttl > 900:
        raise SettingsError(f"{ENV_PREFIX}ACCESS_TOKEN_TTL: at most 900 seconds (15 minutes)")
    if settings.refresh_token_ttl_days > 30:
        raise SettingsError(f"{ENV_PREFIX}REFRESH_TOKEN_TTL_DAYS: at most 30")
    for provider in ("google", "github", "linkedin"):
        if bool(getattr(settings, f"oauth_{provider}_client_id")) != bool(
            getattr(settings, f"oauth_{provider}_client_secret")
        ):
            raise SettingsError(
                f"{ENV_PREFIX}OAUTH_{provider.upper()}_CLIENT_SECRET: set client id and secret together"
            )
    if bool(settings.s3_access_key_id) != bool(settings.s3_secret_access_key):
        raise SettingsError(f"{ENV_PREFIX}S3_SECRET_ACCESS_KEY: set both S3 keys or neither")
    if not re.fullmatch(r"[A-Za-z]{2}", settings.seller_country):
        raise SettingsError(
            f"{ENV_PREFIX}SELLER_COUNTRY: expected a two-letter country code, got {settings.seller_country!r}"
        )
    parse_tax_rates(settings.tax_rates)
    if settings.platform_fee_percent > 100:
        raise SettingsError(f"{ENV_PREFIX}PLATFORM_FEE_PERCENT: at most 100")


_TAX_RATE = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,10}))?=(\d{1,2}(?:\.\d{1,4})?|100)$")


def parse_tax_rates(text: str) -> list[tuple[str, str | None, Decimal]]:
    """``DE=19,US-NY=8.875`` as (country, region, percent); SettingsError names a bad entry."""
    rates = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        match = _TAX_RATE.match(entry)
        if match is None:
            raise SettingsError(f"{ENV_PREFIX}TAX_RATES: expected COUNTRY[-REGION]=PERCENT, got {entry!r}")
        country, region, percent = match.groups()
        rates.append((country.upper(), region.upper() if region else None, Decimal(percent)))
    return rates


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    environ = os.environ if environ is None else environ
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        name = ENV_PREFIX + f.name.upper()
        raw = environ.get(name)
        if f.name in overrides:
            value = overrides[f.name]
            if not isinstance(value, str):
                values[f.name] = value
                continue
            raw = value
        if raw is None:
            continue
        values[f.name] = _parse(name, raw.strip(), hints[f.name], f.metadata["minimum"])
    settings = Settings(**values)
    _check_combinations(settings)
    return settings


def _parse(name: str, raw: str, kind: Any, minimum: float | None) -> Any:
    origin, args = get_origin(kind), get_args(kind)
    if args and type(None) in args:  # Optional[X]
        if raw == "":
            return None
        kind = next(a for a in args if a is not type(None))
        origin, args = get_origin(kind), get_args(kind)
    if origin is Literal:
        if raw not in args:
            raise SettingsError(f"{name}: expected one of {', '.join(map(str, args))}, got {raw!r}")
        return raw
    if kind is bool:
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{name}: expected true or false, got {raw!r}")
    if kind in (int, float):
        try:
            number = kind(raw)
        except ValueError:
            expected = "an integer" if kind is int else "a number"
            raise SettingsError(f"{name}: expected {expected}, got {raw!r}") from None
        if minimum is not None and number < minimum:
            raise SettingsError(f"{name}: must be at least {minimum:g}, got {raw!r}")
        return number
    if kind is Path:
        if not raw:
            raise SettingsError(f"{name}: must not be empty")
        return Path(raw)
    if origin is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if name.endswith("_URL") and "://" not in raw:
        raise SettingsError(f"{name}: expected a URL like scheme://host/..., got {_redact(raw)!r}")
    return raw
