"""The Jinja2 template renderer and the shipped templates (local files only, no I/O beyond them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.mail.jinja import TEMPLATES_DIR, JinjaTemplateRenderer
from core.messaging.domain.email import SUPPORTED_LOCALES
from core.shared.errors import InvalidInput, NotFound

CONTEXTS = {
    "welcome": {"name": "<Ann & Bob>", "login_url": "https://lyceum.example/login?a=1&b=2"},
    "verify_email": {"name": "<Ann & Bob>", "verify_url": "https://lyceum.example/v?t=1&u=2", "expires_in_hours": 24},
}


@pytest.fixture
def renderer() -> JinjaTemplateRenderer:
    return JinjaTemplateRenderer(globals={"product_name": "Lyceum"})


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", sorted(CONTEXTS))
async def test_every_shipped_template_renders(renderer: JinjaTemplateRenderer, name: str, locale: str) -> None:
    assert renderer.has_template(name, locale)
    rendered = await renderer.render(name, locale, CONTEXTS[name])
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.html is not None
    # HTML is escaped; the text part and the subject are not HTML and stay verbatim.
    assert "&lt;Ann &amp; Bob&gt;" in rendered.html
    assert "<Ann & Bob>" not in rendered.html
    assert "<Ann & Bob>" in rendered.text
    assert f'lang="{locale}"' in rendered.html
    assert ('dir="rtl"' in rendered.html) == (locale == "he")


async def test_languages_differ(renderer: JinjaTemplateRenderer) -> None:
    subjects = {loc: (await renderer.render("welcome", loc, CONTEXTS["welcome"])).subject for loc in SUPPORTED_LOCALES}
    assert subjects["en"].startswith("Welcome")
    assert subjects["ru"].startswith("Добро пожаловать")
    assert subjects["he"].startswith("ברוכים הבאים")


async def test_missing_variable_is_a_context_error(renderer: JinjaTemplateRenderer) -> None:
    with pytest.raises(InvalidInput) as caught:
        await renderer.render("verify_email", "en", {"name": "Ann"})
    assert caught.value.code == "mail.template_context"
    assert "verify_url" in caught.value.message


async def test_unknown_template_or_locale(renderer: JinjaTemplateRenderer) -> None:
    assert not renderer.has_template("welcome", "fr")
    assert not renderer.has_template("../en/welcome", "en")
    assert not renderer.has_template("_layout", "en")
    with pytest.raises(NotFound):
        await renderer.render("nope", "en", {})


async def test_custom_directory_broken_template_and_text_only(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "note.subject.txt").write_text("Note\n  for   {{ who }}\n")
    (tmp_path / "en" / "note.txt").write_text("Hello {{ who }}")
    (tmp_path / "en" / "broken.subject.txt").write_text("{% if %}")
    (tmp_path / "en" / "broken.txt").write_text("x")
    renderer = JinjaTemplateRenderer(tmp_path)
    rendered = await renderer.render("note", "en", {"who": "you"})
    assert rendered == ("Note for you", "Hello you\n", None)
    with pytest.raises(InvalidInput) as caught:
        await renderer.render("broken", "en", {})
    assert caught.value.code == "mail.template_invalid"


def test_every_locale_has_the_same_templates() -> None:
    names = {loc: sorted(p.name for p in (TEMPLATES_DIR / loc).iterdir()) for loc in SUPPORTED_LOCALES}
    assert names["en"] == names["ru"] == names["he"]
