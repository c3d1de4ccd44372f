"""OpenAPI 3.1 with a Swagger UI whose assets the app serves itself (no CDN)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Tag
from litestar.router import Router
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/schema-assets"
_SWAGGER_DIR = Path(swagger_ui.__file__).with_name("static")


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Lyceum API",
        version=version,
        description="Learning platform API. Errors are RFC 9457 problem+json with a stable `type` and `code`.",
        path="/schema",
        tags=[Tag(name="categories", description="The course category tree"), Tag(name="operations")],
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                css_url=f"{ASSETS_PATH}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            )
        ],
    )


def assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_SWAGGER_DIR],
        include_in_schema=False,
        cache_control=None,
        name="schema-assets",
        opt={"rate_limit": None},
    )
