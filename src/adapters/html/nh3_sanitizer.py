"""``ports.shared.html.HtmlSanitizer`` over nh3 (Python bindings to the Rust crate ammonia).

ammonia parses with html5ever (the browsers' HTML5 algorithm, scripting enabled), keeps only
the allowlist below and serialises the tree again, so attribute values are always quoted and
``<``/``>``/``&`` in text and attribute values always escaped. On top of its own URL-scheme
check, every kept attribute goes through ``_filter_attribute`` here: URLs are checked again
the way a browser reads them (tabs and newlines removed, control characters and spaces
trimmed), enumerated and numeric values are validated, anything unexpected is dropped.

Idempotency: a sanitised tree, serialised, can parse into a different tree (text left directly
inside ``<table>`` when a ``<caption>`` is unwrapped is moved before the table on re-parse), so
``clean`` re-sanitises until the output is a fixed point (one extra pass for nearly every
input; two or three for such trees). Should that ever fail to settle, it falls back to the
plain text, escaped.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Final

import nh3

from core.shared.errors import InvalidInput

DEFAULT_MAX_LENGTH: Final = 200_000

ALLOWED_TAGS: Final = frozenset(
    {
        # text blocks
        "p", "div", "br", "hr", "h2", "h3", "h4", "blockquote", "pre",
        # inline
        "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "span", "a",
        # lists
        "ul", "ol", "li",
        # tables
        "table", "thead", "tbody", "tr", "th", "td",
        # media
        "img", "figure", "figcaption",
    }
)  # fmt: skip

# Elements dropped together with everything inside them (their text is never article text).
DROPPED_WITH_CONTENT: Final = frozenset(
    {
        "script", "style", "template", "noscript", "noembed", "noframes", "xmp", "title",
        "iframe", "frame", "frameset", "object", "embed", "applet",
        "svg", "math", "textarea", "select",
    }
)  # fmt: skip

# Block containers a right-to-left (Hebrew) or mixed-language editor marks with dir/lang.
DIRECTIONAL_TAGS: Final = frozenset(
    {"p", "div", "span", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "th", "td", "figcaption"}
)

ALLOWED_ATTRIBUTES: Final[Mapping[str, frozenset[str]]] = {
    tag: frozenset(
        {
            *({"dir", "lang"} if tag in DIRECTIONAL_TAGS else ()),
            *({"href", "title"} if tag == "a" else ()),
            *({"src", "alt", "width", "height"} if tag == "img" else ()),
            *({"colspan", "rowspan"} if tag in ("th", "td") else ()),
        }
    )
    for tag in ALLOWED_TAGS
}

# The one class allowlist: the code-block language a Python course's editor sets for syntax
# highlighting (``<pre><code class="language-python">``). Fixed names, styled only by the
# highlighter; no other class survives, so authors cannot borrow the host page's styles.
CODE_LANGUAGES: Final = frozenset(
    f"language-{name}"
    for name in (
        "python", "pycon", "py", "text", "plaintext", "console", "shell", "bash", "sh",
        "json", "yaml", "toml", "ini", "sql", "html", "xml", "css", "javascript", "js",
        "typescript", "ts", "c", "cpp", "java", "go", "rust", "diff", "markdown",
    )
)  # fmt: skip

LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES: Final = frozenset({"http", "https"})
LINK_REL: Final = "noopener noreferrer nofollow"
DIRECTIONS: Final = frozenset({"ltr", "rtl", "auto"})

_MAX_PASSES: Final = 4
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_DIMENSION = re.compile(r"[0-9]{1,4}")
_SPAN = re.compile(r"[0-9]{1,3}")
# What a browser's URL parser ignores: tab and newlines anywhere, C0 controls and space at the ends.
_URL_IGNORED = dict.fromkeys(map(ord, "\t\n\r"))
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in ``value`` (lower case), or None for a relative URL."""
    url = value.translate(_URL_IGNORED).strip(_C0_AND_SPACE)
    match = _SCHEME.match(url)
    if match:
        return match.group(1).lower()
    # A relative reference's first segment has no colon (RFC 3986 4.2); treat one as a scheme we
    # cannot name, so it is refused rather than guessed at.
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    return "" if ":" in head else None


def _url_allowed(value: str, schemes: frozenset[str], *, relative: bool) -> bool:
    scheme = url_scheme(value)
    if scheme is None:
        return relative
    return scheme in schemes


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Second opinion on every attribute ammonia kept; None drops it. Must never raise."""
    if name == "rel":  # set by ammonia from LINK_REL; whatever the author wrote was dropped
        return LINK_REL if tag == "a" else None
    if name == "class":  # ammonia passes the author's value; keep only the allowed names
        names = dict.fromkeys(n for n in value.split() if n in CODE_LANGUAGES) if tag == "code" else {}
        return " ".join(names) or None
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return None
    if name == "href":
        return value if _url_allowed(value, LINK_SCHEMES, relative=True) else None
    if name == "src":
        return value if _url_allowed(value, IMAGE_SCHEMES, relative=False) else None
    if name == "dir":
        direction = value.strip().lower()
        return direction if direction in DIRECTIONS else None
    if name == "lang":
        lang = value.strip()
        return lang if _LANG.fullmatch(lang) else None
    if name in ("width", "height"):
        number = value.strip()
        return number if _DIMENSION.fullmatch(number) else None
    if name in ("colspan", "rowspan"):
        number = value.strip()
        return number if _SPAN.fullmatch(number) and int(number) > 0 else None
    if name in ("title", "alt"):
        return value
    return None


_BLOCKS: Final = frozenset(
    {"p", "div", "br", "hr", "h2", "h3", "h4", "blockquote", "pre", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "figure", "figcaption"}
)
_CELLS: Final = frozenset({"th", "td"})
_SPACES = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Text of sanitised HTML: newlines at block boundaries, spaces between cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pre = 0

    def _boundary(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._boundary(tag)
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._boundary(tag)

    def handle_endtag(self, tag: str) -> None:
        self._boundary(tag)
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        # Outside <pre> a newline in the source is just whitespace; inside it is a line break.
        self.parts.append(data if self._pre else _SPACES.sub(" ", data))

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def _text_of(clean_html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(clean_html)
    extractor.close()
    return extractor.text()


class Nh3Sanitizer:
    """Allowlist sanitiser for course descriptions and articles (see the module docstring)."""

    def __init__(self, *, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        if max_length < 1:
            raise ValueError("max_length must be positive")
        self._max_length = max_length
        self._cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(DROPPED_WITH_CONTENT),
            attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items() if names},
            attribute_filter=_filter_attribute,
            strip_comments=True,
            link_rel=LINK_REL,
            url_schemes=set(LINK_SCHEMES),
            allowed_classes={"code": set(CODE_LANGUAGES)},
        )

    def clean(self, html: str) -> str:
        self._check_length(html)
        cleaned = self._cleaner.clean(html)
        for _ in range(_MAX_PASSES):
            again = self._cleaner.clean(cleaned)
            if again == cleaned:
                break
            cleaned = again
        else:  # never seen: keep the words, lose the markup
            cleaned = self._cleaner.clean(html_lib.escape(_text_of(cleaned), quote=False))
        self._check_length(cleaned)
        return cleaned

    def to_text(self, html: str) -> str:
        return _text_of(self.clean(html))

    def _check_length(self, html: str) -> None:
        if len(html) > self._max_length:
            raise InvalidInput(
                "html.too_long",
                f"the text is too long (at most {self._max_length} characters of HTML)",
                {"max_length": self._max_length, "length": len(html)},
            )
