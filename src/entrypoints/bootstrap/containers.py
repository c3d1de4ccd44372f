"""The composition root: one container per context, composed by ApplicationContainer.

Adapters are chosen by configuration alone: no URL means the embedded adapter.
"""

from __future__ import annotations

import os
import secrets
import uuid
from fractions import Fraction

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.cache.category_tree import CachedCategoryTree
from adapters.cache.memory import MemoryCache
from adapters.cache.redis import RedisCache, make_redis_client
from adapters.clock import SystemClock
from adapters.fx.ecb import EcbFxRates
from adapters.fx.static import StaticFxRates
from adapters.health import AdapterCheck, DatabaseCheck, InProcessCheck, RedisCheck
from adapters.html.nh3_sanitizer import Nh3Sanitizer
from adapters.http_client import OutboundHttpClient
from adapters.identity.argon2 import Argon2Hasher
from adapters.identity.blocklist import CommonPasswords
from adapters.identity.jwt import JwtAccessTokens, load_or_create_keys
from adapters.identity.oauth import make_oauth_providers
from adapters.identity.totp import PyotpTotp
from adapters.mail.jinja import JinjaTemplateRenderer
from adapters.mail.maildir import MaildirMailer
from adapters.mail.smtp import SmtpMailer
from adapters.payments.sandbox import SandboxWebhooks
from adapters.persistence.account_lookup import SqlAccountLookup
from adapters.persistence.audit_log import SqlAuditLog
from adapters.persistence.catalog_reader import SqlCatalogReader
from adapters.persistence.course_directory import CatalogCourseDirectory
from adapters.persistence.engine import make_engine, make_session_factory
from adapters.persistence.enrollment_reader import SqlEnrollmentReader
from adapters.persistence.inbox import SqlTaskInbox
from adapters.persistence.outbox import CommitSignal, OutboxRelay
from adapters.persistence.price_list import CatalogPriceList
from adapters.persistence.repositories.ledger import SqlCourseOwners
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.ratelimit.memory import MemoryRateLimiter
from adapters.ratelimit.redis import RedisRateLimiter
from adapters.search.embedded import EmbeddedSearchIndex
from adapters.storage.local_fs import LocalObjectStorage
from adapters.tasks.brokers import make_broker
from adapters.tasks.dispatch import BrokerDispatch
from core.billing.application import checkout as checkout_cases
from core.billing.application import pricing, promotions, refunds, revenue, webhooks
from core.billing.domain.taxes import Seller, TaxRate, TaxTable
from core.catalog.application import (
    authoring,
    catalog_queries,
    categories,
    cloning,
    course_revisions,
    course_search,
    course_transfer,
    instructors,
    workflow,
)
from core.enrollment.application import cohorts, enrolling
from core.enrollment.application import queries as enrollment_queries
from core.identity.application import (
    accounts,
    administration,
    auditing,
    authentication,
    oauth,
    passwords,
    profiles,
    two_factor,
)
from core.identity.application.one_time_tokens import OneTimeTokens
from core.identity.application.session_store import SessionStore
from core.messaging.application import mail
from core.presence.application import presence
from core.security.application import ip_rules
from entrypoints.bootstrap.settings import Settings, parse_tax_rates
from ports.billing.fx import FxRates
from ports.billing.payments import WebhookVerifier
from ports.shared.cache import Cache
from ports.shared.health import HealthCheck
from ports.shared.mail import EmailAddress, Mailer
from ports.shared.rate_limit import RateLimiter
from ports.shared.search import SearchIndex
from ports.shared.storage import ObjectStorage


def _redis(url: str | None) -> Redis | None:
    return make_redis_client(url) if url else None


def _cache(redis: Redis | None, namespace: str) -> Cache:
    return RedisCache(redis, prefix=f"{namespace}:") if redis is not None else MemoryCache()


def _rate_limiter(redis: Redis | None, namespace: str) -> RateLimiter:
    return RedisRateLimiter(redis, prefix=f"{namespace}:") if redis is not None else MemoryRateLimiter()


def _signing_secret(settings: Settings) -> str:
    """LYCEUM_SIGNING_SECRET, or a key generated once into the data dir (embedded mode).

    Several processes without a shared data dir must all be given the same secret.
    """
    if settings.signing_secret:
        return settings.signing_secret
    path = settings.data_dir / "signing.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole to a temp file, then linked into place: a process starting at the same
        # moment sees either no key or the complete key, and the first link wins.
        temp = path.with_name(f".signing.key.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_text().strip()


# Optional technologies are imported only when configured: boto3 and the Typesense client
# add about a second to every process start (CLI commands included) that does not use them.


def _object_storage(settings: Settings, signing_secret: str) -> ObjectStorage:
    if settings.s3_bucket:
        from adapters.storage.s3 import S3ObjectStorage

        return S3ObjectStorage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            default_ttl_seconds=settings.presign_ttl_seconds,
        )
    return LocalObjectStorage(
        settings.data_dir / "objects",
        signing_secret=signing_secret,
        public_base_url=settings.public_base_url,
        default_ttl_seconds=settings.presign_ttl_seconds,
    )


def _search_index(settings: Settings) -> SearchIndex:
    if settings.typesense_url:
        from adapters.search.typesense import TypesenseSearchIndex

        return TypesenseSearchIndex(
            settings.typesense_url, settings.typesense_api_key or "", timeout_s=settings.http_timeout_seconds
        )
    return EmbeddedSearchIndex(settings.data_dir / "search")


def _mailer(settings: Settings, http: OutboundHttpClient) -> Mailer:
    backend = settings.mail_backend
    if backend == "smtp" and settings.smtp_url:
        return SmtpMailer(settings.smtp_url, timeout=settings.http_timeout_seconds)
    if backend == "sendgrid" and settings.sendgrid_api_key:
        from adapters.mail.sendgrid import SendGridMailer

        return SendGridMailer(settings.sendgrid_api_key, http, base_url=settings.sendgrid_base_url)
    if backend == "ses":
        from adapters.mail.ses import SesMailer

        return SesMailer(
            region=settings.ses_region,
            endpoint_url=settings.ses_endpoint_url,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
            timeout=settings.http_timeout_seconds,
        )
    return MaildirMailer(settings.data_dir / "mail")


def _health_checks(
    settings: Settings,
    database: DatabaseCheck,
    redis: Redis | None,
    mailer: Mailer,
    storage: ObjectStorage,
    search: SearchIndex,
) -> list[HealthCheck]:
    checks: list[HealthCheck] = [database]
    if redis is not None:
        checks += [RedisCheck("cache", redis), RedisCheck("broker", redis)]
    else:
        checks += [InProcessCheck("cache", "memory"), InProcessCheck("broker", "in-process")]
    checks.append(AdapterCheck("storage", storage.kind, storage))
    checks.append(AdapterCheck("search", "typesense" if settings.typesense_url else "embedded", search))
    checks.append(AdapterCheck("mail", mailer.kind, mailer))
    return checks


class InfrastructureContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(
        make_engine,
        url=settings.provided.effective_database_url,
        pool_size=settings.provided.database_pool_size,
    )
    session_factory = providers.Singleton(make_session_factory, engine)
    redis = providers.Singleton(_redis, settings.provided.redis_url)
    cache = providers.Singleton(_cache, redis, settings.provided.redis_namespace)
    rate_limiter = providers.Singleton(_rate_limiter, redis, settings.provided.redis_namespace)
    broker = providers.Singleton(
        make_broker,
        settings.provided.redis_url,
        queue=providers.Callable("{}:tasks".format, settings.provided.redis_namespace),
        visibility_timeout_seconds=settings.provided.task_visibility_timeout,
        max_concurrent=settings.provided.worker_concurrency,
    )
    commit_signal = providers.Singleton(CommitSignal)
    uow = providers.Factory(SqlAlchemyUnitOfWork, session_factory, clock, on_events_committed=commit_signal)
    # Lookups only (no BEGIN/ROLLBACK round trips); commit() raises. See unit_of_work.py.
    read_uow = providers.Factory(SqlAlchemyUnitOfWork, session_factory, clock, read_only=True)
    inbox = providers.Singleton(SqlTaskInbox, session_factory, clock)
    outbox_relay = providers.Singleton(
        OutboxRelay,
        session_factory,
        providers.Singleton(BrokerDispatch, broker),
        clock,
        poll_interval=settings.provided.outbox_poll_seconds,
    )
    http_client = providers.Singleton(OutboundHttpClient, timeout=settings.provided.http_timeout_seconds)
    mailer = providers.Singleton(_mailer, settings, http_client)
    signing_secret = providers.Singleton(_signing_secret, settings)
    object_storage = providers.Singleton(_object_storage, settings, signing_secret)
    database_check = providers.Singleton(DatabaseCheck, engine)
    search_index = providers.Singleton(_search_index, settings)
    health_checks = providers.Singleton(
        _health_checks, settings, database_check, redis, mailer, object_storage, search_index
    )


def _email_lookup(get_user: accounts.GetUser) -> instructors.EmailOf:
    """The account's address by id, for checks owned by other contexts (invitations)."""

    async def email_of(user_id: uuid.UUID) -> str | None:
        user = await get_user(user_id)
        return None if user is None or user.deleted_at is not None else user.email

    return email_of


class CatalogContainer(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    clock = providers.Dependency()
    cache = providers.Dependency()
    settings = providers.Dependency(instance_of=Settings)

    category_tree_cache = providers.Singleton(
        CachedCategoryTree, cache, ttl_seconds=settings.provided.category_cache_ttl
    )
    create_category = providers.Singleton(categories.CreateCategory, uow_factory, clock, category_tree_cache)
    rename_category = providers.Singleton(categories.RenameCategory, uow_factory, clock, category_tree_cache)
    move_category = providers.Singleton(categories.MoveCategory, uow_factory, clock, category_tree_cache)
    delete_category = providers.Singleton(categories.DeleteCategory, uow_factory, category_tree_cache)
    get_category_tree = providers.Singleton(categories.GetCategoryTree, uow_factory, category_tree_cache)
    get_category = providers.Singleton(categories.GetCategory, get_category_tree)
    refresh_category_tree = providers.Singleton(categories.RefreshCategoryTree, uow_factory, category_tree_cache)

    # Courses: authoring, review workflow, revisions, instructors, transfer.
    session_factory = providers.Dependency()
    auditor = providers.Dependency()
    storage = providers.Dependency()
    sanitizer = providers.Singleton(Nh3Sanitizer)
    catalog_cache = providers.Singleton(catalog_queries.CatalogCache, cache)
    catalog_reader = providers.Singleton(SqlCatalogReader, session_factory)
    create_course = providers.Singleton(authoring.CreateCourse, uow_factory, clock, sanitizer)
    get_course_for_editing = providers.Singleton(authoring.GetCourseForEditing, uow_factory)
    edit_course = providers.Singleton(authoring.EditCourse, uow_factory, clock, sanitizer)
    submit_course = providers.Singleton(workflow.SubmitCourse, uow_factory, clock, auditor)
    approve_course = providers.Singleton(workflow.ApproveCourse, uow_factory, clock, auditor, catalog_cache)
    reject_course = providers.Singleton(workflow.RejectCourse, uow_factory, clock, auditor)
    archive_course = providers.Singleton(workflow.ArchiveCourse, uow_factory, clock, auditor, catalog_cache)
    unarchive_course = providers.Singleton(workflow.UnarchiveCourse, uow_factory, clock, auditor)
    list_revisions = providers.Singleton(course_revisions.ListRevisions, uow_factory)
    diff_revisions = providers.Singleton(course_revisions.DiffRevisions, uow_factory)
    roll_back_course = providers.Singleton(course_revisions.RollBackCourse, uow_factory, clock, auditor)
    clone_course = providers.Singleton(cloning.CloneCourse, uow_factory, clock)
    my_courses = providers.Singleton(instructors.MyCourses, uow_factory)
    invite_co_instructor = providers.Singleton(instructors.InviteCoInstructor, uow_factory, clock, auditor)
    get_user = providers.Dependency()
    accept_invitation = providers.Singleton(
        instructors.AcceptInvitation,
        uow_factory,
        clock,
        auditor,
        catalog_cache,
        email_of=providers.Callable(_email_lookup, get_user),
    )
    remove_co_instructor = providers.Singleton(
        instructors.RemoveCoInstructor, uow_factory, clock, auditor, catalog_cache
    )
    export_course = providers.Singleton(course_transfer.ExportCourse, uow_factory, clock)
    import_course = providers.Singleton(course_transfer.ImportCourse, uow_factory, clock, sanitizer)
    import_course_zip = providers.Singleton(course_transfer.ImportCourseZip, uow_factory, clock, sanitizer, storage)

    # The public catalog.
    list_catalog = providers.Singleton(catalog_queries.ListCatalog, catalog_reader, get_category_tree, catalog_cache)
    get_catalog_course = providers.Singleton(catalog_queries.GetCatalogCourse, catalog_reader, cache, catalog_cache)
    popular_courses = providers.Singleton(catalog_queries.PopularCourses, catalog_reader, cache)
    flush_views = providers.Singleton(catalog_queries.FlushViews, uow_factory, cache)
    invalidate_catalog = providers.Singleton(catalog_queries.InvalidateCatalog, catalog_cache)

    # Course and content search (indexed by the worker from outbox events).
    search_index = providers.Dependency()
    index_course = providers.Singleton(course_search.IndexCourse, catalog_reader, uow_factory, search_index)
    reindex_courses = providers.Singleton(course_search.ReindexCourses, catalog_reader, uow_factory, search_index)
    search_courses = providers.Singleton(course_search.SearchCourses, search_index)
    search_content = providers.Singleton(course_search.SearchContent, search_index)


class SecurityContainer(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    clock = providers.Dependency()

    add_ip_rule = providers.Singleton(ip_rules.AddIpRule, uow_factory, clock)
    remove_ip_rule = providers.Singleton(ip_rules.RemoveIpRule, uow_factory)
    list_ip_rules = providers.Singleton(ip_rules.ListIpRules, uow_factory, clock)
    active_ip_rules = providers.Singleton(ip_rules.ActiveIpRuleSet, list_ip_rules)


class PresenceContainer(containers.DeclarativeContainer):
    cache = providers.Dependency()
    clock = providers.Dependency()

    record_heartbeat = providers.Singleton(presence.RecordHeartbeat, cache, clock)
    go_offline = providers.Singleton(presence.GoOffline, cache)
    count_online = providers.Singleton(presence.CountOnline, cache, clock)
    list_online = providers.Singleton(presence.ListOnline, cache, clock)


class MessagingContainer(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    mailer = providers.Dependency()
    settings = providers.Dependency(instance_of=Settings)

    renderer = providers.Singleton(
        JinjaTemplateRenderer,
        globals=providers.Dict(product_name="Lyceum", base_url=settings.provided.public_base_url),
    )
    sender = providers.Singleton(EmailAddress.parse, settings.provided.mail_from)
    attachments = providers.Dependency()
    queue_email = providers.Singleton(mail.QueueEmail, uow_factory, renderer, attachments)
    send_requested_email = providers.Singleton(mail.SendRequestedEmail, renderer, mailer, sender, attachments)


def _days(settings: Settings) -> int:
    return settings.refresh_token_ttl_days * 86400


def _hasher(settings: Settings) -> Argon2Hasher:
    return Argon2Hasher(
        settings.argon2_memory_kib,
        settings.argon2_iterations,
        settings.argon2_parallelism,
        concurrency=settings.password_hash_concurrency,
        yield_cpu=settings.password_hash_yield_cpu,
    )


def _access_tokens(settings: Settings) -> JwtAccessTokens:
    return JwtAccessTokens(
        load_or_create_keys(settings.jwt_private_keys, settings.data_dir),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.access_token_ttl,
    )


class IdentityContainer(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    cache = providers.Dependency()
    clock = providers.Dependency()
    session_factory = providers.Dependency()
    settings = providers.Dependency(instance_of=Settings)

    hasher = providers.Singleton(_hasher, settings)
    blocklist = providers.Singleton(CommonPasswords)
    access_tokens = providers.Singleton(_access_tokens, settings)
    totp = providers.Singleton(PyotpTotp)
    audit_log = providers.Singleton(SqlAuditLog, session_factory)
    account_lookup = providers.Singleton(SqlAccountLookup, session_factory)
    auditor = providers.Singleton(auditing.Auditor, audit_log, clock)
    sessions = providers.Singleton(
        SessionStore,
        cache,
        ttl_seconds=providers.Callable(lambda d: d * 86400, settings.provided.refresh_token_ttl_days),
    )
    one_time_tokens = providers.Singleton(OneTimeTokens, cache)
    throttle = providers.Singleton(authentication.LoginThrottle, cache)
    issuer = providers.Singleton(authentication._Issuer, sessions, access_tokens, clock)

    register = providers.Singleton(accounts.Register, uow_factory, hasher, blocklist, clock, auditor, cache)
    verify_email = providers.Singleton(accounts.VerifyEmail, uow_factory, one_time_tokens, clock, auditor)
    resend_verification = providers.Singleton(accounts.ResendVerification, uow_factory, cache)
    issue_email_link = providers.Singleton(accounts.IssueEmailLink, one_time_tokens)
    get_user = providers.Singleton(accounts.GetUser, uow_factory)
    login = providers.Singleton(
        authentication.Login,
        uow_factory,
        hasher,
        throttle,
        issuer,
        cache,
        clock,
        auditor,
        admission=hasher,
        lookup=account_lookup,
    )
    verify_second_factor = providers.Singleton(
        authentication.VerifySecondFactor,
        uow_factory,
        totp,
        issuer,
        cache,
        clock,
        auditor,
        providers.Object(two_factor.recovery_code_hash),
    )
    refresh = providers.Singleton(authentication.Refresh, uow_factory, issuer, clock, auditor)
    logout = providers.Singleton(authentication.Logout, sessions, clock, auditor)
    list_sessions = providers.Singleton(authentication.ListSessions, sessions, clock)
    revoke_session = providers.Singleton(authentication.RevokeSession, sessions, auditor)
    forgot_password = providers.Singleton(passwords.ForgotPassword, uow_factory, cache, auditor)
    reset_password = providers.Singleton(
        passwords.ResetPassword, uow_factory, one_time_tokens, hasher, blocklist, sessions, clock, auditor
    )
    change_password = providers.Singleton(
        passwords.ChangePassword, uow_factory, hasher, blocklist, sessions, clock, auditor
    )
    start_totp = providers.Singleton(two_factor.StartTotpEnrolment, uow_factory, totp)
    confirm_totp = providers.Singleton(two_factor.ConfirmTotp, uow_factory, totp, clock, auditor)
    disable_totp = providers.Singleton(two_factor.DisableTotp, uow_factory, hasher, clock, auditor)
    get_me = providers.Singleton(profiles.GetMe, uow_factory)
    update_me = providers.Singleton(profiles.UpdateMe, uow_factory, clock, auditor)
    storage = providers.Dependency()
    start_avatar_upload = providers.Singleton(profiles.StartAvatarUpload, storage, cache)
    set_avatar = providers.Singleton(profiles.SetAvatar, uow_factory, storage, cache, clock)
    search_users = providers.Singleton(administration.SearchUsers, uow_factory)
    administer = providers.Singleton(administration.AdministerUser, uow_factory, sessions, clock, auditor)
    bulk = providers.Singleton(administration.BulkAdminister, administer, uow_factory)
    export_users = providers.Singleton(administration.ExportUsers, uow_factory)
    import_users = providers.Singleton(administration.ImportUsers, uow_factory, hasher, blocklist, clock, auditor)
    search_audit = providers.Singleton(auditing.SearchAudit, audit_log)
    create_user = providers.Singleton(administration.CreateUser, uow_factory, hasher, blocklist, clock, auditor)
    http_client = providers.Dependency()
    oauth_providers = providers.Singleton(make_oauth_providers, settings, http_client)
    start_oauth = providers.Singleton(oauth.StartOAuth, oauth_providers, cache)
    complete_oauth = providers.Singleton(
        oauth.CompleteOAuth, uow_factory, oauth_providers, cache, issuer, clock, auditor
    )


def _fx_rates(settings: Settings, http_client: OutboundHttpClient) -> FxRates:
    if settings.fx_feed_url:
        return EcbFxRates(http_client, url=settings.fx_feed_url)
    return StaticFxRates()


def _seller(settings: Settings) -> Seller:
    return Seller(settings.seller_country, settings.seller_vat_id, settings.prices_include_tax)


def _tax_table(settings: Settings) -> TaxTable:
    return TaxTable(
        TaxRate(country, percent, "VAT", region) for country, region, percent in parse_tax_rates(settings.tax_rates)
    )


def _webhook_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    verifiers: dict[str, WebhookVerifier] = {}
    if settings.sandbox_webhook_secrets:
        secrets = [s.strip() for s in settings.sandbox_webhook_secrets.split(",") if s.strip()]
        verifiers["sandbox"] = SandboxWebhooks(secrets)
    return verifiers


class BillingContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    http_client = providers.Dependency()
    catalog_reader = providers.Dependency()
    clock = providers.Dependency()
    uow_factory = providers.Dependency()
    read_uow_factory = providers.Dependency()
    auditor = providers.Dependency()
    session_factory = providers.Dependency()

    fx_rates = providers.Singleton(_fx_rates, settings, http_client)
    price_quote = providers.Singleton(pricing.PriceQuote, fx_rates)
    price_list = providers.Singleton(CatalogPriceList, catalog_reader)
    seller = providers.Singleton(_seller, settings)
    tax_table = providers.Singleton(_tax_table, settings)
    quote_courses = providers.Singleton(
        pricing.QuoteCourses, price_list, price_quote, seller, tax_table, clock, read_uow_factory
    )
    create_coupon = providers.Singleton(promotions.CreateCoupon, uow_factory, clock, auditor)
    list_coupons = providers.Singleton(promotions.ListCoupons, uow_factory)
    set_coupon_active = providers.Singleton(promotions.SetCouponActive, uow_factory, auditor)
    schedule_sale = providers.Singleton(promotions.ScheduleSale, uow_factory, clock, auditor)
    list_sales = providers.Singleton(promotions.ListSales, uow_factory)
    cancel_sale = providers.Singleton(promotions.CancelSale, uow_factory, auditor)
    checkout = providers.Singleton(checkout_cases.Checkout, uow_factory, quote_courses, clock, auditor)
    my_orders = providers.Singleton(checkout_cases.ListMyOrders, uow_factory)
    get_order = providers.Singleton(checkout_cases.GetOrder, uow_factory)
    webhook_verifiers = providers.Singleton(_webhook_verifiers, settings)
    receive_webhook = providers.Singleton(webhooks.ReceivePaymentWebhook, uow_factory, clock)
    apply_webhook = providers.Singleton(webhooks.ApplyPaymentWebhook, uow_factory, clock)
    received_webhooks = providers.Singleton(webhooks.ReceivedWebhooks, uow_factory)
    course_owners = providers.Singleton(SqlCourseOwners, session_factory)
    post_sale = providers.Singleton(
        revenue.PostSale,
        uow_factory,
        course_owners,
        clock,
        providers.Callable(lambda percent: Fraction(percent, 100), settings.provided.platform_fee_percent),
    )
    post_refund = providers.Singleton(revenue.PostRefund, uow_factory, clock, post_sale)
    refund_order = providers.Singleton(refunds.RefundOrder, uow_factory, clock, auditor)
    my_earnings = providers.Singleton(revenue.MyEarnings, uow_factory)
    ledger_balance = providers.Singleton(revenue.LedgerBalance, uow_factory)


class EnrollmentContainer(containers.DeclarativeContainer):
    uow_factory = providers.Dependency()
    clock = providers.Dependency()
    auditor = providers.Dependency()
    catalog_reader = providers.Dependency()
    session_factory = providers.Dependency()

    courses = providers.Singleton(CatalogCourseDirectory, catalog_reader)
    enroll = providers.Singleton(enrolling.EnrollInCourse, uow_factory, courses, clock, auditor)
    grant = providers.Singleton(enrolling.GrantEnrollment, uow_factory, courses, clock, auditor)
    sync_order_access = providers.Singleton(enrolling.SyncOrderAccess, uow_factory, courses, clock)
    cancel = providers.Singleton(enrolling.CancelEnrollment, uow_factory, clock, auditor)
    accept_offer = providers.Singleton(enrolling.AcceptSeatOffer, uow_factory, courses, clock, auditor)
    withdraw = providers.Singleton(enrolling.WithdrawFromWaitlist, uow_factory, clock)
    expire_offers = providers.Singleton(enrolling.ExpireSeatOffers, uow_factory, clock)
    reader = providers.Singleton(SqlEnrollmentReader, session_factory)
    my_enrollments = providers.Singleton(enrollment_queries.ListMyEnrollments, reader)
    get_enrollment = providers.Singleton(enrollment_queries.GetEnrollment, uow_factory)
    check_access = providers.Singleton(enrollment_queries.CheckAccess, uow_factory, clock)
    create_cohort = providers.Singleton(cohorts.CreateCohort, uow_factory, courses, clock, auditor)
    list_cohorts = providers.Singleton(cohorts.ListCohorts, uow_factory, courses)
    list_waitlist = providers.Singleton(cohorts.ListWaitlist, uow_factory, courses)


class ApplicationContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    infrastructure = providers.Container(InfrastructureContainer, settings=settings)
    security = providers.Container(
        SecurityContainer, uow_factory=infrastructure.uow.provider, clock=infrastructure.clock
    )
    presence = providers.Container(PresenceContainer, cache=infrastructure.cache, clock=infrastructure.clock)
    identity = providers.Container(
        IdentityContainer,
        uow_factory=infrastructure.uow.provider,
        cache=infrastructure.cache,
        clock=infrastructure.clock,
        session_factory=infrastructure.session_factory,
        http_client=infrastructure.http_client,
        storage=infrastructure.object_storage,
        settings=settings,
    )
    catalog = providers.Container(
        CatalogContainer,
        uow_factory=infrastructure.uow.provider,
        clock=infrastructure.clock,
        cache=infrastructure.cache,
        settings=settings,
        session_factory=infrastructure.session_factory,
        auditor=identity.auditor,
        get_user=identity.get_user,
        storage=infrastructure.object_storage,
        search_index=infrastructure.search_index,
    )
    enrollment = providers.Container(
        EnrollmentContainer,
        uow_factory=infrastructure.uow.provider,
        clock=infrastructure.clock,
        auditor=identity.auditor,
        catalog_reader=catalog.catalog_reader,
        session_factory=infrastructure.session_factory,
    )
    billing = providers.Container(
        BillingContainer,
        settings=settings,
        http_client=infrastructure.http_client,
        catalog_reader=catalog.catalog_reader,
        clock=infrastructure.clock,
        uow_factory=infrastructure.uow.provider,
        read_uow_factory=infrastructure.read_uow.provider,
        auditor=identity.auditor,
        session_factory=infrastructure.session_factory,
    )
    messaging = providers.Container(
        MessagingContainer,
        uow_factory=infrastructure.uow.provider,
        mailer=infrastructure.mailer,
        attachments=infrastructure.object_storage,
        settings=settings,
    )


def build_container(settings: Settings) -> ApplicationContainer:
    """Called by every entrypoint. Builds nothing that connects yet: resources open lazily
    inside the running event loop, and ``lifecycle.shutdown`` closes them."""
    container = ApplicationContainer(settings=settings)
    relay = container.infrastructure.outbox_relay()
    container.infrastructure.commit_signal().subscribe(relay.wake)
    return container
