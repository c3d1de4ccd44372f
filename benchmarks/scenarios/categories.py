"""GET /api/v1/categories: the public category tree, served from the warm tree cache."""

from __future__ import annotations

import msgspec

from benchmarks.harness import BenchContext, Scenario, ScenarioError
from benchmarks.servers import HttpSample

# 6 top-level categories with 4 children each: 30 nodes, the size of a small real catalogue.
TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Programming", ("Python", "Rust", "Go", "JavaScript")),
    ("Data Science", ("Statistics", "Machine Learning", "Visualisation", "SQL")),
    ("Mathematics", ("Algebra", "Calculus", "Geometry", "Probability")),
    ("Languages", ("English", "Spanish", "Hebrew", "Japanese")),
    ("Design", ("Typography", "Colour Theory", "UX Research", "Illustration")),
    ("Business", ("Accounting", "Marketing", "Negotiation", "Leadership")),
)
CATEGORY_COUNT = sum(1 + len(children) for _, children in TREE)


class _Listing(msgspec.Struct):
    items: list[dict[str, object]]


class CategoriesScenario(Scenario):
    name = "categories"
    summary = (
        f"The whole category tree ({CATEGORY_COUNT} nodes, 2 levels) as JSON; after the "
        "first request it comes from the tree cache, so this measures the HTTP stack, "
        "the cache read and the encoding."
    )
    path = "/api/v1/categories"

    async def setup(self, ctx: BenchContext) -> None:
        from core.catalog.application.categories import CreateCategoryCommand
        from core.security.application.ip_rules import AddIpRuleCommand

        async with ctx.container() as container:
            # One client address sends all the load: trust it as an operator would trust a
            # load balancer. The IP filter and rate-limit middleware still run per request.
            await container.security.add_ip_rule()(AddIpRuleCommand("127.0.0.1", "allow", "load generator"))
            create = container.catalog.create_category()
            for name, children in TREE:
                parent = await create(CreateCategoryCommand(name))
                for child in children:
                    await create(CreateCategoryCommand(child, parent_id=parent.id))
            # What the worker does after a tree change; with Redis it also replaces a tree
            # cached by an earlier run against a database that no longer exists.
            await container.catalog.refresh_category_tree()()

    def check_response(self, sample: HttpSample) -> None:
        super().check_response(sample)
        try:
            listing = msgspec.json.decode(sample.body, type=_Listing)
        except msgspec.DecodeError as exc:
            raise ScenarioError(f"{self.path} did not answer a category list: {exc}") from exc
        if len(listing.items) != CATEGORY_COUNT:
            raise ScenarioError(
                f"{self.path} listed {len(listing.items)} categories, expected the {CATEGORY_COUNT} seeded"
            )
