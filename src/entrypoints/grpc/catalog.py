"""``lyceum.catalog.v1.CatalogService``: the category tree for mobile clients."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import grpc

from core.catalog.domain.tree import CategoryView
from core.shared.ids import parse_id
from entrypoints.grpc.generated.lyceum.catalog.v1 import catalog_pb2, catalog_pb2_grpc

ListTree = Callable[[], Awaitable[list[CategoryView]]]
GetOne = Callable[[uuid.UUID], Awaitable[CategoryView]]

SERVICE_NAME: str = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name


def to_message(view: CategoryView) -> catalog_pb2.Category:
    message = catalog_pb2.Category(
        id=str(view.id),
        name=view.name,
        slug=view.slug,
        depth=view.depth,
        position=view.position,
        path=view.path,
    )
    # parent_id is `optional` in the proto: a root leaves it unset rather than "".
    if view.parent_id is not None:
        message.parent_id = str(view.parent_id)
    return message


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    """Errors are not handled here: DomainErrorInterceptor maps them for every method."""

    def __init__(self, list_tree: ListTree, get_category: GetOne) -> None:
        self._list_tree = list_tree
        self._get_category = get_category

    async def ListCategories(
        self, request: catalog_pb2.ListCategoriesRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.ListCategoriesResponse:
        tree = await self._list_tree()
        return catalog_pb2.ListCategoriesResponse(categories=[to_message(view) for view in tree])

    async def GetCategory(
        self, request: catalog_pb2.GetCategoryRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.Category:
        category_id = parse_id(request.id, what="id")
        return to_message(await self._get_category(category_id))
