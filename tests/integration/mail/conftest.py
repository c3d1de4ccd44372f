"""Real peers for the mail adapters, all on 127.0.0.1, all stopped when the test ends.

* SMTP: aiosmtpd's ``SMTP`` protocol served from the test's own event loop (port 0, no thread),
  with STARTTLS + AUTH, implicit TLS, or neither. TLS uses the self-signed certificate below.
* SendGrid v3 and SES v2: contract servers (stdlib ``ThreadingHTTPServer`` in a thread) that
  check every request against the provider's documented contract — method, path, auth header
  (SES: a full SigV4 signature check), JSON fields — and answer with the documented response
  shapes and error codes. A request that breaks the contract gets the provider's 400 and is
  recorded in ``violations``; tests assert there were none.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import re
import secrets
import socket
import ssl
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from adapters.http_client import OutboundHttpClient

# A self-signed certificate for 127.0.0.1 and localhost, valid 2020-2120 (P-256). Test use only.
TEST_CERT_PEM = """-----BEGIN CERTIFICATE-----
MIIBejCCAR+gAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBdhcOC80KH4xi6c
IFe0+jSO/QBa48n7QYrgEn7+UT4hKz2cu5M+d8C4Kqw3UNj8Si9pghL9p2gGyr6P
ewI0pjKjYDBeMBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAMBgNVHRMBAf8E
AjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQWBBREFknJalHAs4pkuY1Q
JtMNHpwL0TAKBggqhkjOPQQDAgNJADBGAiEAoyEi3iVT74Owe8uF2kl6mhXnojzT
c55Hzsvr52Ix8P0CIQCACBCEsjhl4MU4dzPzaErOunrIRxD0B0O6qXlaAFua5A==
-----END CERTIFICATE-----
"""
TEST_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgL7vGlOmfGcXpIu/O
gDjLFSw95kpKEN9QdHa2F8w5R+ehRANCAAQXYXDgvNCh+MYunCBXtPo0jv0AWuPJ
+0GK4BJ+/lE+ISs9nLuTPnfAuCqsN1DY/EovaYIS/adoBsq+j3sCNKYy
-----END PRIVATE KEY-----
"""

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret p@ss"  # a space and an '@': the URL must percent-encode them
SENDGRID_KEY = "SG.test-key.0123456789abcdef"
AWS_KEY_ID = "AKIDEXAMPLELYCEUM"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SES_REGION = "eu-west-1"

REJECTED_DOMAIN = "rejected.example.com"
"""Every peer refuses recipients in this domain the way the real provider refuses a bad
address: SMTP 550 at RCPT, SendGrid 400 ``errors[]``, SES 400 ``MessageRejected``."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    cert.write_text(TEST_CERT_PEM)
    key.write_text(TEST_KEY_PEM)
    key.chmod(0o600)
    return cert, key


@pytest.fixture(scope="session")
def server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return context


@pytest.fixture(scope="session")
def client_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """Verifies the server certificate (against the test certificate) and its host name."""
    return ssl.create_default_context(cafile=str(tls_files[0]))


# -- SMTP --------------------------------------------------------------------------------------


@dataclasses.dataclass
class SmtpDelivery:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    authenticated_as: str | None

    def parsed(self) -> email.message.EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        return message


class SmtpCapture:
    """aiosmtpd handler: records deliveries; refuses ``REJECTED_DOMAIN`` (550) and
    ``deferred.example.com`` (451) recipients."""

    def __init__(self) -> None:
        self.deliveries: list[SmtpDelivery] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain == REJECTED_DOMAIN:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if domain == "deferred.example.com":
            return f"451 4.3.0 <{address}>: Temporary lookup failure"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        auth = session.auth_data
        self.deliveries.append(
            SmtpDelivery(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.content,
                tls=session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
                authenticated_as=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            )
        )
        return "250 2.0.0 Ok: queued"


def _authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login == SMTP_USER.encode() and data.password == SMTP_PASSWORD.encode()
    )
    # handled=False on failure: aiosmtpd then answers "535 5.7.8 Authentication credentials invalid".
    return AuthResult(success=ok, handled=ok, auth_data=data if ok else None)


@dataclasses.dataclass
class SmtpServer:
    host: str
    port: int
    capture: SmtpCapture
    scheme: str
    credentials: bool

    @property
    def deliveries(self) -> list[SmtpDelivery]:
        return self.capture.deliveries

    def url(self, *, password: str = SMTP_PASSWORD) -> str:
        auth = ""
        if self.credentials:
            auth = f"{urllib.parse.quote(SMTP_USER, safe='')}:{urllib.parse.quote(password, safe='')}@"
        return f"{self.scheme}://{auth}{self.host}:{self.port}"


@contextlib.asynccontextmanager
async def smtp_server(
    *, starttls: ssl.SSLContext | None = None, implicit: ssl.SSLContext | None = None, auth: bool = False
) -> AsyncIterator[SmtpServer]:
    loop = asyncio.get_running_loop()
    capture = SmtpCapture()

    def factory() -> SMTP:
        return SMTP(
            capture,
            hostname="mx.lyceum.test",
            tls_context=starttls,
            authenticator=_authenticator if auth else None,
            # With implicit TLS the whole session is encrypted; aiosmtpd only knows about STARTTLS.
            auth_require_tls=implicit is None,
            auth_required=auth and implicit is None,  # (aiosmtpd warns on required AUTH without STARTTLS)
            timeout=10,
            loop=loop,
        )

    server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=implicit)
    port = server.sockets[0].getsockname()[1]
    try:
        yield SmtpServer("127.0.0.1", port, capture, "smtps" if implicit else "smtp", auth)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def smtp_starttls(server_tls: ssl.SSLContext) -> AsyncIterator[SmtpServer]:
    """Port 587 style: plain connect, STARTTLS offered, AUTH required (and only after TLS)."""
    async with smtp_server(starttls=server_tls, auth=True) as server:
        yield server


@pytest.fixture
async def smtps(server_tls: ssl.SSLContext) -> AsyncIterator[SmtpServer]:
    """Port 465 style: TLS from the first byte, AUTH required."""
    async with smtp_server(implicit=server_tls, auth=True) as server:
        yield server


@pytest.fixture
async def smtp_plain() -> AsyncIterator[SmtpServer]:
    """A local relay: no TLS, no AUTH."""
    async with smtp_server() as server:
        yield server


# -- HTTP contract servers ---------------------------------------------------------------------


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclasses.dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def of_json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, app: Callable[[Request], Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.stopping = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after a test
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=urllib.parse.parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.app(request)
        except Exception as exc:  # a bug in the contract server: make it loud
            reply = Reply(599, f"contract server error: {exc!r}".encode())
        if reply.delay and self.server.stopping.wait(reply.delay):
            return
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a timeout test)


class ContractServer:
    """Base of the provider fakes: records requests, replays scripted failures first."""

    name = "contract"

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.accepted: list[Request] = []
        self.issued: list[str] = []  # the provider message ids handed out, in order
        self.violations: list[str] = []
        self.scripted: list[Reply] = []
        self._lock = threading.Lock()
        self._server = _Server(self._handle)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"contract-{self.name}", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        assert not self._thread.is_alive()

    def script(self, *replies: Reply) -> None:
        """The next requests get these replies (after auth is checked), in order."""
        with self._lock:
            self.scripted.extend(replies)

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        return self.handle(request)

    def _next_scripted(self) -> Reply | None:
        with self._lock:
            return self.scripted.pop(0) if self.scripted else None

    def violation(self, message: str) -> str:
        with self._lock:
            self.violations.append(message)
        return message

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SendGridContract(ContractServer):
    """SendGrid v3: ``POST /v3/mail/send`` and ``GET /v3/scopes``.

    Contract (docs.sendgrid.com, Mail Send v3): Bearer API key; JSON body with
    ``personalizations`` (1-1000, each with ``to``; an address at most once across
    to/cc/bcc), ``from``, ``subject``, ``content`` (``value`` non-empty; ``text/plain`` then
    ``text/html`` first, in that order), ``attachments`` (base64 ``content``, ``filename``;
    ``content_id`` when inline), ``headers`` (no reserved header), ``custom_args`` (strings).
    Success: ``202`` with no body and ``X-Message-Id``. Errors: ``{"errors": [{"message",
    "field", "help"}]}`` with 400, 401, 403, 413, 429, 500.
    """

    name = "sendgrid"
    TOP_LEVEL = frozenset(
        {
            "personalizations",
            "from",
            "reply_to",
            "reply_to_list",
            "subject",
            "content",
            "attachments",
            "template_id",
            "headers",
            "categories",
            "custom_args",
            "send_at",
            "batch_id",
            "asm",
            "ip_pool_name",
            "mail_settings",
            "tracking_settings",
        }
    )
    RESERVED_HEADERS = frozenset(
        {
            "x-sg-id",
            "x-sg-eid",
            "received",
            "dkim-signature",
            "content-type",
            "content-transfer-encoding",
            "to",
            "from",
            "subject",
            "reply-to",
            "cc",
            "bcc",
        }
    )

    def __init__(self, api_key: str = SENDGRID_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.scopes = ["mail.send", "scopes.read"]

    def handle(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _sendgrid_errors(401, "The provided authorization grant is invalid, expired, or revoked")
        scripted = self._next_scripted()
        if scripted is not None:
            return scripted
        if (request.method, request.path) == ("GET", "/v3/scopes"):
            return Reply.of_json(200, {"scopes": self.scopes})
        if (request.method, request.path) != ("POST", "/v3/mail/send"):
            return _sendgrid_errors(404, f"no route {request.method} {request.path}")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _sendgrid_errors(415, self.violation("Content-Type must be application/json"))
        try:
            body = request.json()
        except ValueError:
            return _sendgrid_errors(400, self.violation("Bad Request: invalid JSON"))
        problem = self._validate(body)
        if problem:
            field, message = problem
            return _sendgrid_errors(400, self.violation(message), field=field)
        rejected = [
            (f"personalizations.{i}.{kind}.{j}.email", r["email"])
            for i, p in enumerate(body["personalizations"])
            for kind in ("to", "cc", "bcc")
            for j, r in enumerate(p.get(kind, []))
            if r["email"].lower().endswith("@" + REJECTED_DOMAIN)
        ]
        if rejected:  # the provider's own refusal, not a contract violation
            field, address = rejected[0]
            return _sendgrid_errors(400, f"Does not contain a valid address: {address}", field=field)
        message_id = secrets.token_urlsafe(16)
        with self._lock:
            self.accepted.append(request)
            self.issued.append(message_id)
        return Reply(202, b"", {"X-Message-Id": message_id})

    def _validate(self, body: Any) -> tuple[str | None, str] | None:
        if not isinstance(body, dict):
            return None, "the body must be a JSON object"
        unknown = set(body) - self.TOP_LEVEL
        if unknown:
            return sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}"
        personalizations = body.get("personalizations")
        if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= 1000:
            return "personalizations", "The personalizations field is required and must have at least one item."
        for i, p in enumerate(personalizations):
            if not isinstance(p, dict) or not p.get("to"):
                return f"personalizations.{i}.to", "The to array is required for all personalization objects"
            seen: set[str] = set()
            for kind in ("to", "cc", "bcc"):
                entries = p.get(kind, [])
                if not isinstance(entries, list):
                    return f"personalizations.{i}.{kind}", f"{kind} must be an array"
                for j, entry in enumerate(entries):
                    problem = _sendgrid_address(entry, f"personalizations.{i}.{kind}.{j}")
                    if problem:
                        return problem
                    folded = entry["email"].lower()
                    if folded in seen:
                        return (
                            f"personalizations.{i}",
                            "Each email address in the personalization block should be unique between to, cc, and bcc.",
                        )
                    seen.add(folded)
        problem = _sendgrid_address(body.get("from"), "from")
        if problem:
            return problem
        if "reply_to" in body:
            problem = _sendgrid_address(body["reply_to"], "reply_to")
            if problem:
                return problem
        has_subject = isinstance(body.get("subject"), str) and body["subject"]
        if not has_subject and not all(isinstance(p.get("subject"), str) for p in personalizations):
            return "subject", "The subject is required."
        content = body.get("content")
        if not isinstance(content, list) or not content:
            return "content", "Unless a valid template_id is provided, the content parameter is required."
        types = [c.get("type") if isinstance(c, dict) else None for c in content]
        for k, c in enumerate(content):
            if not isinstance(c, dict) or not isinstance(c.get("value"), str) or not c["value"]:
                return f"content.{k}.value", "The content value must be a string at least one character in length."
            if not isinstance(c.get("type"), str) or "/" not in c["type"]:
                return f"content.{k}.type", "The content type must be a MIME type."
        expected = [t for t in ("text/plain", "text/html") if t in types]
        if types[: len(expected)] != expected:
            return "content", "If present, text/plain and text/html may only be provided in this order."
        for k, a in enumerate(body.get("attachments", [])):
            if not isinstance(a, dict) or not isinstance(a.get("filename"), str) or not a["filename"]:
                return f"attachments.{k}.filename", "The attachment filename parameter is required."
            try:
                base64.b64decode(a.get("content", ""), validate=True)
            except (binascii.Error, ValueError):
                return f"attachments.{k}.content", "The attachment content must be base64 encoded."
            if not a.get("content"):
                return f"attachments.{k}.content", "The attachment content is required."
            if a.get("disposition", "attachment") not in ("attachment", "inline"):
                return f"attachments.{k}.disposition", "disposition must be inline or attachment"
            if a.get("disposition") == "inline" and not a.get("content_id"):
                return f"attachments.{k}.content_id", "content_id is required for inline attachments"
        headers = body.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            return "headers", "Invalid type. Expected: object of strings"
        for name in headers:
            if name.lower() in self.RESERVED_HEADERS:
                return f"headers.{name}", f"The {name} header is reserved and cannot be set"
        custom_args = body.get("custom_args", {})
        if not isinstance(custom_args, dict) or not all(isinstance(v, str) for v in custom_args.values()):
            return "custom_args", "custom_args values must be strings"
        return None


def _sendgrid_address(entry: Any, field: str) -> tuple[str, str] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("email"), str):
        return f"{field}.email", "The email address is required."
    if set(entry) - {"email", "name"}:
        return field, f"unknown field in an email object: {sorted(set(entry) - {'email', 'name'})}"
    if not _EMAIL.match(entry["email"]):
        return f"{field}.email", "Does not contain a valid address."
    if "name" in entry and not isinstance(entry["name"], str):
        return f"{field}.name", "The name must be a string"
    return None


def _sendgrid_errors(status: int, message: str, *, field: str | None = None) -> Reply:
    return Reply.of_json(status, {"errors": [{"message": message, "field": field, "help": None}]})


class SesContract(ContractServer):
    """SES v2 (rest-json, SigV4, signing name ``ses``): ``POST /v2/email/outbound-emails``
    (SendEmail) and ``GET /v2/email/account`` (GetAccount).

    Contract (SES API v2 reference): ``Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/
    <region>/ses/aws4_request, SignedHeaders=..., Signature=...`` — the signature is recomputed
    here from the request and the secret key; ``X-Amz-Date`` within 15 minutes. SendEmail body:
    ``Content`` with exactly one of ``Simple`` (``Subject.Data``, ``Body.Text``/``Body.Html``,
    ``Headers[{Name, Value}]``) / ``Raw`` (``Data``: base64 MIME) / ``Template``;
    ``Destination`` (To/Cc/Bcc, at most 50, 7-bit: non-ASCII names as RFC 2047 words);
    ``EmailTags[{Name, Value}]`` of ``[A-Za-z0-9_-]``. Success: ``200 {"MessageId": ...}``.
    Errors: status + ``x-amzn-ErrorType`` header + ``{"message": ...}`` (``MessageRejected``
    400, ``BadRequestException`` 400, ``TooManyRequestsException`` 429, ...).
    """

    name = "ses"
    TOP_LEVEL = frozenset(
        {
            "FromEmailAddress",
            "FromEmailAddressIdentityArn",
            "Destination",
            "ReplyToAddresses",
            "FeedbackForwardingEmailAddress",
            "FeedbackForwardingEmailAddressIdentityArn",
            "Content",
            "EmailTags",
            "ConfigurationSetName",
            "EndpointId",
            "TenantName",
            "ListManagementOptions",
            "ConfigurationOverrides",
        }
    )
    _AUTH = re.compile(
        r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9]+)"
        r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
    )
    _TAG = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

    def __init__(self) -> None:
        super().__init__()
        self.sending_enabled = True

    def handle(self, request: Request) -> Reply:
        problem = self._check_signature(request)
        if problem:
            return _ses_error(403, "SignatureDoesNotMatch", self.violation(problem))
        scripted = self._next_scripted()
        if scripted is not None:
            return scripted
        if (request.method, request.path) == ("GET", "/v2/email/account"):
            return Reply.of_json(
                200,
                {
                    "DedicatedIpAutoWarmupEnabled": False,
                    "EnforcementStatus": "HEALTHY",
                    "ProductionAccessEnabled": True,
                    "SendingEnabled": self.sending_enabled,
                    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 0.0},
                },
            )
        if (request.method, request.path) != ("POST", "/v2/email/outbound-emails"):
            return _ses_error(404, "NotFoundException", f"no route {request.method} {request.path}")
        try:
            body = request.json()
        except ValueError:
            return _ses_error(400, "BadRequestException", self.violation("the body is not JSON"))
        problem = self._validate(body)
        if problem:
            return _ses_error(400, "BadRequestException", self.violation(problem))
        recipients = [a for addresses in body["Destination"].values() for a in addresses]
        if any(email.utils.parseaddr(a)[1].lower().endswith("@" + REJECTED_DOMAIN) for a in recipients):
            return _ses_error(400, "MessageRejected", "Email address is not verified. The following identities failed")
        message_id = f"0102018f{secrets.token_hex(12)}-{secrets.token_hex(4)}-000000"
        with self._lock:
            self.accepted.append(request)
            self.issued.append(message_id)
        return Reply.of_json(200, {"MessageId": message_id})

    def _check_signature(self, request: Request) -> str | None:
        match = self._AUTH.match(request.headers.get("authorization", ""))
        if not match:
            return "the Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
        if match["key"] != AWS_KEY_ID or match["region"] != SES_REGION or match["service"] != "ses":
            return f"credential scope {match['key']}/{match['region']}/{match['service']} is not ours"
        amz_date = request.headers.get("x-amz-date", "")
        try:
            signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return "X-Amz-Date is missing or malformed"
        if abs((dt.datetime.now(dt.UTC) - signed_at).total_seconds()) > 900 or amz_date[:8] != match["date"]:
            return "X-Amz-Date is outside the 15-minute window or disagrees with the credential scope"
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed or any(h not in request.headers for h in signed):
            return "SignedHeaders must include host and x-amz-date, and every signed header must be present"
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
            for k, values in sorted(request.query.items())
            for v in sorted(values)
        )
        canonical_request = "\n".join(
            [
                request.method,
                urllib.parse.quote(request.path, safe="/-_.~"),
                canonical_query,
                "".join(f"{h}:{' '.join(request.headers[h].split())}\n" for h in signed),
                match["signed"],
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        scope = f"{match['date']}/{match['region']}/ses/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        key = ("AWS4" + AWS_SECRET).encode()
        for part in (match["date"], match["region"], "ses", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return "the SigV4 signature does not match"
        return None

    def _validate(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "the body must be a JSON object"
        unknown = set(body) - self.TOP_LEVEL
        if unknown:
            return f"unknown fields {sorted(unknown)}"
        content = body.get("Content")
        if (
            not isinstance(content, dict)
            or len(set(content) & {"Simple", "Raw", "Template"}) != 1
            or set(content) - {"Simple", "Raw", "Template"}
        ):
            return "Content must have exactly one of Simple, Raw, Template"
        sender = body.get("FromEmailAddress")
        if not isinstance(sender, str) or not sender.isascii() or not email.utils.parseaddr(sender)[1]:
            return "FromEmailAddress must be a 7-bit address (non-ASCII names as RFC 2047 encoded-words)"
        destination = body.get("Destination")
        if not isinstance(destination, dict) or set(destination) - {"ToAddresses", "CcAddresses", "BccAddresses"}:
            return "Destination may only hold ToAddresses, CcAddresses, BccAddresses"
        everyone = [a for v in destination.values() for a in v]
        if not everyone or len(everyone) > 50:
            return "a message has 1 to 50 recipients"
        for address in [*everyone, *body.get("ReplyToAddresses", [])]:
            if not (isinstance(address, str) and address.isascii() and _EMAIL.match(email.utils.parseaddr(address)[1])):
                return f"not a 7-bit email address: {address!r}"
        for tag in body.get("EmailTags", []):
            if set(tag) != {"Name", "Value"} or not self._TAG.match(tag["Name"]) or not self._TAG.match(tag["Value"]):
                return f"an EmailTags entry must be {{Name, Value}} of [A-Za-z0-9_-]: {tag!r}"
        if "Simple" in content:
            simple = content["Simple"]
            if set(simple) - {"Subject", "Body", "Headers", "Attachments"}:
                return "unknown fields in Content.Simple"
            subject = simple.get("Subject")
            if (
                not isinstance(subject, dict)
                or not isinstance(subject.get("Data"), str)
                or set(subject)
                - {
                    "Data",
                    "Charset",
                }
            ):
                return "Content.Simple.Subject must be {Data, Charset}"
            body_ = simple.get("Body")
            if not isinstance(body_, dict) or not body_ or set(body_) - {"Text", "Html"}:
                return "Content.Simple.Body must hold Text and/or Html"
            for part in body_.values():
                if not (isinstance(part, dict) and isinstance(part.get("Data"), str)) or set(part) - {
                    "Data",
                    "Charset",
                }:
                    return "a Content.Simple.Body part must be {Data, Charset}"
            for header in simple.get("Headers", []):
                if set(header) != {"Name", "Value"} or not isinstance(header["Value"], str):
                    return "Content.Simple.Headers entries must be {Name, Value}"
        if "Raw" in content:
            raw = content["Raw"]
            if set(raw) != {"Data"} or not isinstance(raw["Data"], str):
                return "Content.Raw must be {Data: base64 blob}"
            try:
                data = base64.b64decode(raw["Data"], validate=True)
            except (binascii.Error, ValueError):
                return "Content.Raw.Data must be base64"
            message = email.message_from_bytes(data, policy=email.policy.default)
            if not data.isascii():
                return "a raw message must be 7-bit (use MIME encodings)"
            if not message["From"] or not message["Subject"] or message.defects:
                return f"the raw message must be valid MIME with From and Subject ({message.defects})"
            if message["Bcc"]:
                return "a raw message must not carry a Bcc header"
        return None


def _ses_error(status: int, code: str, message: str) -> Reply:
    return Reply.of_json(status, {"message": message}, {"x-amzn-ErrorType": f"{code}:", "x-amzn-RequestId": "test"})


@pytest.fixture
def sendgrid_server() -> Iterator[SendGridContract]:
    server = SendGridContract()
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.violations, server.violations


@pytest.fixture
def ses_server() -> Iterator[SesContract]:
    server = SesContract()
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.violations, server.violations


@pytest.fixture
async def http_client() -> AsyncIterator[OutboundHttpClient]:
    client = OutboundHttpClient(timeout=2.0, max_attempts=2, backoff_base=0.01, backoff_cap=0.05, breaker_cooldown=1.0)
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
def _no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leftovers = [t for t in threading.enumerate() if t not in before and t.name.startswith("contract-")]
    assert not leftovers, leftovers
