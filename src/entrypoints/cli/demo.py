"""Demo data for ``lyceum serve --demo``: idempotent, through the same use cases as real data."""

from __future__ import annotations

import uuid

from core.catalog.application.categories import CreateCategoryCommand
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Role
from core.shared.errors import Conflict
from core.shared.text import slugify
from entrypoints.bootstrap.containers import ApplicationContainer

DEMO_CATEGORIES: dict[str, list[str]] = {
    "Web Development": ["Frontend", "Backend", "Full-Stack"],
    "AI/ML": ["Machine Learning", "Deep Learning", "Natural Language Processing"],
    "Cloud Computing": ["AWS", "Kubernetes", "DevOps"],
    "Data Science": ["Data Analysis", "Data Engineering"],
    "Mobile Development": ["iOS", "Android"],
    "Cybersecurity": [],
    "Программирование": ["Python для начинающих"],
    "פיתוח תוכנה": [],
}


DEMO_PASSWORD = "lyceum demo password"  # noqa: S105 - documented, demo data only
DEMO_USERS = (
    ("admin@demo.lyceum.test", "Ada Admin", "super_admin"),
    ("teacher@demo.lyceum.test", "Ilya Instructor", "instructor"),
    ("student@demo.lyceum.test", "Noa Student", "student"),
)
_SYSTEM = Principal(uuid.UUID(int=0), Role.SUPER_ADMIN, "demo")


async def seed_demo_users(container: ApplicationContainer) -> int:
    created = 0
    for email, name, role in DEMO_USERS:
        try:
            await container.identity.create_user()(
                _SYSTEM, email=email, name=name, role=role, password=DEMO_PASSWORD, ctx=RequestContext(ip="demo")
            )
            created += 1
        except Conflict:
            pass  # seeded by an earlier start
    return created


async def seed_demo(container: ApplicationContainer) -> int:
    """Create whatever demo categories are missing; returns how many were created."""
    existing = {v.slug: v for v in await container.catalog.refresh_category_tree()()}
    create = container.catalog.create_category()
    created = 0
    for parent_name, children in DEMO_CATEGORIES.items():
        parent = existing.get(slugify(parent_name))
        if parent is None:
            parent = await create(CreateCategoryCommand(parent_name))
            created += 1
        for child_name in children:
            if slugify(child_name) not in existing:
                await create(CreateCategoryCommand(child_name, parent_id=parent.id))
                created += 1
    return created + await seed_demo_users(container)
