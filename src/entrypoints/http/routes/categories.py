"""The category tree over HTTP: public reads, operator-guarded writes."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from core.catalog.application.categories import (
    CreateCategoryCommand,
    DeleteCategoryCommand,
    MoveCategoryCommand,
    RenameCategoryCommand,
)
from core.catalog.domain.tree import CategoryView
from core.identity.domain.roles import Permission
from entrypoints.http.auth import requires
from entrypoints.http.dependencies import container_of

# Admins manage the tree; the operator token still works for automation and first setup.
MANAGE = requires(Permission.CATEGORIES_MANAGE, operator_token=True)


class Category(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    depth: int
    position: int
    path: list[str]


class CategoryList(msgspec.Struct):
    items: list[Category]


class CategoryCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    parent_id: uuid.UUID | None = None
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class CategoryUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Rename and/or move. ``parent_id: null`` moves to the top level; omit it to stay."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    parent_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET


_encoder = msgspec.json.Encoder()
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


class _EncodedTree:
    """The last tree this process rendered, with its body and ETag.

    The tree cache hands back the same list object while the tree is unchanged, so an
    identity check is enough to skip re-encoding and re-hashing on the hot read path.
    """

    def __init__(self) -> None:
        self.tree: list[CategoryView] | None = None
        self.body = b""
        self.etag = ""

    def render(self, tree: list[CategoryView]) -> tuple[bytes, str]:
        if tree is not self.tree:
            body = _encoder.encode(CategoryList([to_dto(v) for v in tree]))
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            self.tree, self.body, self.etag = tree, body, etag
        return self.body, self.etag


def to_dto(view: CategoryView) -> Category:
    return Category(view.id, view.name, view.slug, view.parent_id, view.depth, view.position, list(view.path))


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["categories"]

    @get("/", summary="The whole category tree, depth-first", cache=False)
    async def list_categories(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        tree = await container_of(request).catalog.get_category_tree()()
        rendered: _EncodedTree | None = request.app.state.get("category_tree_body")
        if rendered is None:
            rendered = request.app.state.category_tree_body = _EncodedTree()
        body, etag = rendered.render(tree)
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, status_code=HTTP_200_OK, media_type="application/json", headers=headers)

    @get("/{category_id:uuid}", summary="One category")
    async def get_category(self, request: Request[Any, Any, Any], category_id: FromPath[uuid.UUID]) -> Category:
        return to_dto(await container_of(request).catalog.get_category()(category_id))

    @post("/", summary="Create a category (operator token)", guards=[MANAGE])
    async def create_category(self, request: Request[Any, Any, Any], data: JSONBody[CategoryCreate]) -> Category:
        use_case = container_of(request).catalog.create_category()
        return to_dto(await use_case(CreateCategoryCommand(data.name, data.parent_id, data.slug)))

    @patch("/{category_id:uuid}", summary="Rename or move a category (operator token)", guards=[MANAGE])
    async def update_category(
        self, request: Request[Any, Any, Any], category_id: FromPath[uuid.UUID], data: JSONBody[CategoryUpdate]
    ) -> Category:
        catalog = container_of(request).catalog
        view = None
        if not isinstance(data.parent_id, msgspec.UnsetType):
            view = await catalog.move_category()(MoveCategoryCommand(category_id, data.parent_id))
        if not isinstance(data.name, msgspec.UnsetType):
            view = await catalog.rename_category()(RenameCategoryCommand(category_id, data.name))
        if view is None:
            view = await catalog.get_category()(category_id)
        return to_dto(view)

    @delete(
        "/{category_id:uuid}",
        summary="Delete a leaf category (operator token)",
        guards=[MANAGE],
    )
    async def delete_category(
        self,
        request: Request[Any, Any, Any],
        category_id: Annotated[uuid.UUID, PathParameter(description="category id")],
    ) -> None:
        await container_of(request).catalog.delete_category()(DeleteCategoryCommand(category_id))
