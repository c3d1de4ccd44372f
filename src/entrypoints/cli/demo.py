"""Demo data for ``lyceum serve --demo``: idempotent, through the same use cases as real data."""

from __future__ import annotations

from core.catalog.application.categories import CreateCategoryCommand
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
    return created
