"""The nh3 sanitiser: no known or fuzzed XSS payload survives, legitimate rich text does.

Outputs are checked structurally: parsed with the standard library's ``html.parser`` and every
tag, attribute and URL compared with the allowlist written down here (independently of the
adapter's own constants), plus raw checks that hold because the serialiser escapes every ``<``
that does not open a tag.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.html import nh3_sanitizer
from adapters.html.nh3_sanitizer import Nh3Sanitizer
from core.shared.errors import InvalidInput
from ports.shared.html import HtmlSanitizer

SANITIZER: HtmlSanitizer = Nh3Sanitizer()

# ------------------------------------------------------------------------------------------
# The allowlist, as the issue states it

DIRECTIONAL = {"dir", "lang"}
EXPECTED: dict[str, set[str]] = {
    **{tag: set() for tag in ("br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "pre")},
    **{tag: set() for tag in ("table", "thead", "tbody", "tr", "figure")},
    **{tag: set(DIRECTIONAL) for tag in ("p", "div", "span", "h2", "h3", "h4", "blockquote", "ul", "ol", "li")},
    "figcaption": set(DIRECTIONAL),
    "th": {"colspan", "rowspan", *DIRECTIONAL},
    "td": {"colspan", "rowspan", *DIRECTIONAL},
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "width", "height"},
    "code": {"class"},
}
URL_ATTRIBUTES = {"href", "src"}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}
FORBIDDEN_OPENERS = ("<script", "<svg", "<math", "<iframe", "<object", "<embed", "<style", "<meta", "<base", "<form")
FORBIDDEN_OPENERS += ("<link", "<frame", "<applet", "<template", "<noscript", "<input", "<button", "<textarea", "<!")


def _browser_url(value: str) -> str:
    """A URL as a browser's parser reads it: tab/newlines dropped, controls and spaces trimmed."""
    return re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21)))).lower()


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in EXPECTED:
            self.problems.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            where = f"<{tag} {name}={value!r}>"
            if name.startswith("on") or name not in EXPECTED[tag]:
                self.problems.append(f"attribute {where}")
                continue
            value = value or ""
            if name in URL_ATTRIBUTES:
                url = _browser_url(value)
                squeezed = re.sub(r"[\s\x00-\x1f\u200b\ufeff]", "", url)
                if re.match(r"(javascript|vbscript|livescript|data):", squeezed):
                    self.problems.append(f"dangerous URL {where}")
                scheme = re.match(r"([a-z][a-z0-9+.\-]*):", url)
                allowed = LINK_SCHEMES if name == "href" else IMAGE_SCHEMES
                if scheme is None and name == "src":
                    self.problems.append(f"relative image {where}")
                if scheme is not None and scheme.group(1) not in allowed:
                    self.problems.append(f"scheme {where}")
            elif name == "dir" and value not in {"ltr", "rtl", "auto"}:
                self.problems.append(f"dir {where}")
            elif name == "lang" and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", value):
                self.problems.append(f"lang {where}")
            elif name == "rel" and value != "noopener noreferrer nofollow":
                self.problems.append(f"rel {where}")
            elif name == "class" and not all(c.startswith("language-") for c in value.split()):
                self.problems.append(f"class {where}")
            elif name in {"width", "height", "colspan", "rowspan"} and not value.isdigit():
                self.problems.append(f"number {where}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in EXPECTED:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def problems(output: str) -> list[str]:
    """Everything wrong with a sanitiser's output; empty when it is safe."""
    inspector = _Inspector()
    inspector.feed(output)
    inspector.close()
    found = inspector.problems
    lowered = output.lower()
    # Every "<" the serialiser writes opens a tag or closes one; text and attribute values escape it.
    found += [f"stray '<' at {m.start()}" for m in re.finditer(r"<(?![a-z/])", lowered)]
    found += [f"raw {opener!r}" for opener in FORBIDDEN_OPENERS if opener in lowered]
    for tag in re.findall(r"<[a-z][^>]*>", lowered):
        bare = re.sub(r'"[^"]*"', '""', tag)  # attribute values are always double-quoted
        if re.search(r"[\s/]on[a-z]*\s*=", bare):
            found.append(f"event handler in {tag!r}")
        if re.search(r"[\s/](style|srcdoc|formaction|action|xlink:href|srcset|background|target)\s*=", bare):
            found.append(f"forbidden attribute in {tag!r}")
    return found


def assert_safe(source: str) -> str:
    output = SANITIZER.clean(source)
    assert problems(output) == [], (source, output)
    assert SANITIZER.clean(output) == output, (source, output)
    return output


# ------------------------------------------------------------------------------------------
# Known payloads

_ESCAPES = {"NUL": "\x00", "TAB": "\t", "LF": "\n", "CR": "\r", "FF": "\x0c", "VT": "\x0b"}


def _unescape(line: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return chr(int(name[2:], 16)) if name.startswith("U+") else _ESCAPES[name]

    return re.sub(r"\{\{(NUL|TAB|LF|CR|FF|VT|U\+[0-9A-F]{4})\}\}", one, line)


def _payloads() -> list[str]:
    text = (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8")
    return [_unescape(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


PAYLOADS = _payloads()


def test_the_payload_list_is_long_enough() -> None:
    assert len(PAYLOADS) >= 80
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_payload_does_not_survive(payload: str) -> None:
    output = assert_safe(payload)
    assert "alert(1)</script>" not in output
    # Wrapped in legitimate markup, in a Hebrew paragraph, it is no more dangerous.
    assert_safe(f'<p dir="rtl">שלום {payload} עולם</p><ul><li>{payload}</li></ul>')


def test_the_checker_catches_what_it_should() -> None:
    """The invariants are not vacuous: unsanitised payloads fail them."""
    for bad in (
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<img src="data:image/png;base64,AA">',
        '<img src="/relative.png">',
        '<p dir="javascript:x">x</p>',
        "<svg/onload=alert(1)>",
        '<div style="x">x</div>',
        "<!-- x -->",
        '<a href="https://x" target="_blank">x</a>',
        "<math><mi>x</mi></math>",
    ):
        assert problems(bad), bad


# ------------------------------------------------------------------------------------------
# Fuzzing: random fragments from dangerous building blocks

TAGS = [
    *sorted(EXPECTED),
    "script", "style", "svg", "math", "iframe", "object", "embed", "meta", "base", "form", "button",
    "input", "link", "noscript", "template", "textarea", "title", "xmp", "noembed", "select", "option",
    "caption", "body", "html", "head", "video", "audio", "source", "details", "mglyph", "mtext", "mi",
    "foreignObject", "use", "animate", "set", "annotation-xml", "frameset", "frame", "h1", "ScRiPt", "IMG",
]  # fmt: skip
ATTRIBUTES = [
    "onerror", "onload", "onclick", "ONMOUSEOVER", "onfocus", "oNbEgIn", "href", "HREF", "src", "srcdoc",
    "formaction", "action", "xlink:href", "style", "class", "id", "name", "dir", "lang", "title", "alt",
    "width", "height", "colspan", "rowspan", "target", "rel", "background", "srcset", "data", "content",
    "http-equiv", "poster", "ping", "to", "values", "attributeName", "form",
]  # fmt: skip
SCHEMES = ["javascript", "vbscript", "data", "livescript", "http", "https", "mailto", "ftp", "jar"]
ALPHABET = (
    "abcxyzXYZ019 "
    "абвгдеёжзЖЯ"  # Cyrillic
    "אבגדהוזחטשת"  # Hebrew
    "<>&\"'`/=:;#%()!-\t\n\r\x00\x0b\x0c\u00a0\u200b\u202e\ufeff"
)
text = st.text(alphabet=ALPHABET, max_size=12)


@st.composite
def obfuscated(draw: st.DrawFn, word: str) -> str:
    """``word`` with random case, entity-encoded letters and ignorable characters inside."""
    out = []
    for char in word:
        char = draw(st.sampled_from([char.lower(), char.upper()]))
        kind = draw(st.integers(0, 9))
        if kind == 0:
            out.append(f"&#{ord(char)};")
        elif kind == 1:
            out.append(f"&#x{ord(char):X};")
        elif kind == 2:
            out.append(f"&#{ord(char):07d}")
        elif kind == 3:
            out.append(draw(st.sampled_from(["\t", "\n", "\r", "&#9;", "&#x0A;", "&Tab;", "&NewLine;", "\x00"])) + char)
        else:
            out.append(char)
    return "".join(out)


@st.composite
def urls(draw: st.DrawFn) -> str:
    lead = draw(st.sampled_from(["", " ", "\x01", "&#14;", "\t", "\ufeff", "\x00"]))
    scheme = draw(obfuscated(draw(st.sampled_from(SCHEMES))))
    colon = draw(st.sampled_from([":", "&colon;", "&#58;", "&#x3a;", "%3a"]))
    body = draw(st.sampled_from(["alert(1)", "//example.com/x", "text/html,<script>alert(1)</script>", ""]))
    relative = draw(st.sampled_from(["/path", "#x", "?q=1", "a:b", "//evil.example", "\\\\evil.example"]))
    return draw(st.sampled_from([lead + scheme + colon + body, relative, lead + relative]))


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTRIBUTES))
    value = draw(
        st.one_of(urls(), text, st.sampled_from(["rtl", "RTL", " ltr ", "he", "ru-RU", "2", "expression(alert(1))"]))
    )
    quote = draw(st.sampled_from(['"', "'", "", "`"]))
    separator = draw(st.sampled_from([" ", "/", "\t", "\n", " \x00"]))
    return f"{separator}{name}={quote}{value}{quote}"


@st.composite
def fragment(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 7))
    tag = draw(st.sampled_from(TAGS))
    if kind == 7:  # the allowed URL attributes, where only the value decides
        name = draw(st.sampled_from(["a href", "A HREF", "img src", "IMG SRC", "a xlink:href"]))
        quote = draw(st.sampled_from(['"', "'", ""]))
        return f"<{name}={quote}{draw(urls())}{quote}>"
    if kind <= 2:
        attrs = "".join(draw(st.lists(attribute(), max_size=3)))
        end = draw(st.sampled_from([">", "/>", " >", ""]))
        return f"<{tag}{attrs}{end}"
    if kind == 3:
        return f"</{tag}>"
    if kind == 4:
        return draw(
            st.sampled_from(
                ["<!--", "-->", "--!>", "<![CDATA[", "]]>", "<!DOCTYPE x>", "<?x?>", "<", "</", "&", "&lt;"]
            )
        )
    return draw(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragment(), max_size=12).map("".join))
def test_fuzzed_html_never_keeps_anything_dangerous(source: str) -> None:
    assert_safe(source)
    SANITIZER.to_text(source)


# ------------------------------------------------------------------------------------------
# Legitimate rich text survives


def test_links_survive_with_a_safe_rel_and_no_target() -> None:
    source = (
        '<p><a href="https://docs.python.org/3/" title="Docs" target="_blank" rel="opener">docs</a>, '
        '<a href="http://example.com/a?b=1&amp;c=2#d">http</a>, <a href="mailto:team@lyceum.example">mail</a>, '
        '<a href="/courses/intro">relative</a>, <a href="#syllabus">anchor</a></p>'
    )
    assert SANITIZER.clean(source) == (
        '<p><a href="https://docs.python.org/3/" title="Docs" rel="noopener noreferrer nofollow">docs</a>, '
        '<a href="http://example.com/a?b=1&amp;c=2#d" rel="noopener noreferrer nofollow">http</a>, '
        '<a href="mailto:team@lyceum.example" rel="noopener noreferrer nofollow">mail</a>, '
        '<a href="/courses/intro" rel="noopener noreferrer nofollow">relative</a>, '
        '<a href="#syllabus" rel="noopener noreferrer nofollow">anchor</a></p>'
    )


def test_headings_emphasis_lists_quotes_and_code_survive() -> None:
    source = (
        "<h2>Week 1</h2><h3>Variables</h3><h4>Names</h4>"
        "<p><strong>bold</strong> <b>b</b> <em>em</em> <i>i</i> <u>u</u> <s>s</s> H<sub>2</sub>O x<sup>2</sup></p>"
        "<ul><li>one<ol><li>nested</li></ol></li><li>two</li></ul>"
        "<blockquote><p>Readability counts.</p></blockquote><hr>"
        '<pre><code class="language-python">def f(x):\n    return x &lt; 2</code></pre>'
        "<p>a &amp; b &lt; c<br>next line</p><div>block</div><span>inline</span>"
    )
    assert SANITIZER.clean(source) == source


def test_tables_survive() -> None:
    source = (
        '<table><thead><tr><th>Week</th><th colspan="2">Topic</th></tr></thead>'
        '<tbody><tr><td rowspan="2">1</td><td>Intro</td><td>Setup</td></tr></tbody></table>'
    )
    assert SANITIZER.clean(source) == source


def test_hebrew_right_to_left_survives() -> None:
    source = '<p dir="rtl" lang="he">ברוכים הבאים לקורס <strong>פייתון</strong></p><h2 dir="rtl">שבוע 1</h2>'
    assert SANITIZER.clean(source) == source
    assert SANITIZER.clean('<p dir="RTL">שלום</p><span dir=" auto ">x</span>') == (
        '<p dir="rtl">שלום</p><span dir="auto">x</span>'
    )
    assert SANITIZER.clean('<p dir="up" lang="he; x">שלום</p>') == "<p>שלום</p>"


def test_images_over_http_survive_and_others_lose_their_source() -> None:
    source = (
        '<figure><img src="https://cdn.example/cover.png" alt="Cover" width="640" height="360">'
        "<figcaption>The cover</figcaption></figure>"
    )
    assert SANITIZER.clean(source) == source
    assert SANITIZER.clean('<img src="http://cdn.example/a.png">') == '<img src="http://cdn.example/a.png">'
    for src in ("data:image/png;base64,AAAA", "/media/a.png", "//cdn.example/a.png", "ftp://x/a.png", "mailto:a@b"):
        assert SANITIZER.clean(f'<img src="{src}" alt="a">') == '<img alt="a">'
    assert SANITIZER.clean('<img src="https://x/a.png" width="50%" height="1e3">') == '<img src="https://x/a.png">'


def test_style_class_ids_and_unknown_markup_go_but_the_text_stays() -> None:
    source = (
        '<h1 id="top">Title</h1><p style="color:red" class="lead">Text</p>'
        '<code class="language-python evil">x = 1</code><code class="highlight">y</code>'
        "<font face=x>old</font><!-- note --><script>alert(1)</script>"
    )
    assert SANITIZER.clean(source) == ('Title<p>Text</p><code class="language-python">x = 1</code><code>y</code>old')


def test_cleaning_is_idempotent_even_where_html_parsing_is_not() -> None:
    # The caption is unwrapped, leaving text inside <table>; a re-parse would move it out.
    source = "<table><caption>Schedule</caption><tr><td>Mon</td></tr></table>"
    once = SANITIZER.clean(source)
    assert once == "Schedule<table><tbody><tr><td>Mon</td></tr></tbody></table>"
    assert SANITIZER.clean(once) == once


def test_a_tree_that_never_settles_falls_back_to_escaped_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nh3_sanitizer, "_MAX_PASSES", 0)
    sanitizer = Nh3Sanitizer()
    output = sanitizer.clean("<p>a &lt; b</p><script>x</script><ul><li>one</li></ul>")
    assert output == "a &lt; b\none"
    monkeypatch.undo()
    assert SANITIZER.clean(output) == output  # a fixed point of the real sanitiser


# ------------------------------------------------------------------------------------------
# Length limit


def test_input_longer_than_the_limit_is_refused() -> None:
    sanitizer = Nh3Sanitizer(max_length=20)
    assert sanitizer.clean("a" * 20) == "a" * 20
    with pytest.raises(InvalidInput) as error:
        sanitizer.clean("a" * 21)
    assert error.value.code == "html.too_long"
    with pytest.raises(InvalidInput):
        sanitizer.to_text("a" * 21)


def test_output_longer_than_the_limit_is_refused_so_cleaning_again_never_fails() -> None:
    sanitizer = Nh3Sanitizer(max_length=10)
    with pytest.raises(InvalidInput) as error:
        sanitizer.clean("<" * 10)  # becomes "&lt;" * 10
    assert error.value.code == "html.too_long"


def test_the_default_limit_takes_a_long_article_quickly() -> None:
    article = "<p>Lorem <strong>ipsum</strong> <a href='https://x.example'>dolor</a></p>" * 1_500
    output = SANITIZER.clean(article)
    assert output.count("<p>") == 1_500
    assert len(article) < len(output) < 200_000  # every link gains a rel attribute
    with pytest.raises(InvalidInput):
        SANITIZER.clean("x" * 200_001)


# ------------------------------------------------------------------------------------------
# Plain text


def test_to_text_strips_tags_decodes_entities_and_collapses_whitespace() -> None:
    source = (
        "<h2>Intro</h2><p>Hello,\n   <strong>world</strong> &amp; friends&nbsp;&lt;3</p>"
        "<ul><li>one</li><li>two</li></ul><p>line<br>break</p>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"
        "<script>alert(1)</script><style>p{}</style><p>  </p><p>a<b>b</b>c</p>"
    )
    assert SANITIZER.to_text(source) == "Intro\nHello, world & friends <3\none\ntwo\nline\nbreak\nA B\n1 2\nabc"


def test_to_text_keeps_hebrew_and_russian_and_code_lines() -> None:
    source = '<p dir="rtl">שלום עולם</p><p lang="ru">Привет,   мир</p><pre><code>for x in y:\n    print(x)</code></pre>'
    assert SANITIZER.to_text(source) == "שלום עולם\nПривет, мир\nfor x in y:\nprint(x)"  # noqa: RUF001 - Cyrillic on purpose


def test_to_text_of_nothing_is_empty() -> None:
    assert SANITIZER.to_text("") == ""
    assert SANITIZER.clean("") == ""
    assert SANITIZER.to_text("<p> </p><script>x</script>") == ""
