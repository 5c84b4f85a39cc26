"""The sanitising Markdown renderer, highlighting, and the SVG charts."""

from __future__ import annotations

import re
from datetime import date, timedelta

from archprep.web import charts
from archprep.web.render import find_span, highlight, highlight_spans, inline, markdown, plain


def test_markdown_keeps_structure_and_code() -> None:
    html = str(
        markdown(
            "## Title\n\n- a\n- **b**\n\n```python\nx = '<b>'\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    assert "<h2>Title</h2>" in html and "<strong>b</strong>" in html
    assert "<pre><code class=\"language-python\">x = '&lt;b&gt;'" in html
    assert "<table>" in html and "<td>1</td>" in html


def test_markdown_drops_everything_dangerous() -> None:
    evil = (
        "<script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:alert(3)'>a</a>\n\n"
        "[b](javascript:alert(4)) [c](JaVaScRiPt:alert(5)) [d](data:text/html,x)\n\n"
        "<div onclick=alert(6)>d</div><iframe src=//e></iframe><style>*{}</style>"
        "<code class='language-x\" onclick=\"y'>k</code>"
    )
    html = str(markdown(evil))
    # Raw HTML is text: it shows escaped, and no element, attribute or URL of it survives.
    for bad in ("<script", "<iframe", "<style", "<img", "<div", 'href="javascript', 'href="data'):
        assert bad not in html.lower(), bad
    assert not re.search(r"<[^>]*\son\w+=", html), html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert ">b</a>" in html and ">c</a>" in html


def test_angle_brackets_in_text_are_kept_as_text() -> None:
    """Tokenizer and code questions quote <s>, </s> and List<String>: shown, not parsed."""
    html = str(markdown("What do the <s> and </s> tokens mean? In Java, List<String>."))
    assert "the &lt;s&gt; and &lt;/s&gt; tokens" in html and "List&lt;String&gt;" in html
    assert "<s>" not in html
    assert str(markdown("a | b\n--|--\nx<br>y | z")).count("<br>") == 1  # notes' cell breaks


def test_links_are_kept_safe() -> None:
    html = str(markdown("[x](https://example.com) [y](/q/rag/x)"))
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="/q/rag/x"' in html


def test_inline_and_plain() -> None:
    assert str(inline("use **BM25**")) == "use <strong>BM25</strong>"
    assert plain("**Bold** <script>x()</script>[link](http://a) " + "w " * 200, 30).endswith("…")
    assert plain("the <s> token, > a > b") == "the <s> token, > a > b"  # escaped on the page


def test_highlight_escapes_then_marks_whole_words() -> None:
    out = str(highlight("GPU <b> gpus & gpu.", ["gpu"]))
    assert out == "<mark>GPU</mark> &lt;b&gt; gpus &amp; <mark>gpu</mark>."


def test_evidence_spans() -> None:
    text = "First sentence here.  Second   one <x> follows."
    span = find_span(text, "Second one <x> follows.")
    assert span is not None and text[span[0] : span[1]].startswith("Second")
    out = str(highlight_spans(text, [(*span, "ev-covered")]))
    assert '<mark class="ev-covered">Second   one &lt;x&gt; follows.</mark>' in out
    assert find_span(text, "not there") is None


def test_charts_are_svg_without_styles_or_scripts() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(10)]
    bars = str(
        charts.stacked_bars(
            [charts.Stack(d, [("r-good", i, "Good")]) for i, d in enumerate(days)], "reviews"
        )
    )
    line = str(
        charts.lines({"Retention": [(d, 0.5 + i / 40) for i, d in enumerate(days)]}, days, "r")
    )
    ring = str(charts.ring(0.42, "ready"))
    for svg in (bars, line, ring):
        assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
    assert bars.count('class="r-good"') == 9  # the zero day draws an empty marker instead
    assert "42%" in ring and line.count('class="dot"') == 10
    assert str(charts.meter(None, "x")).count("<rect") == 1


def test_errors_on_a_page_name_its_controls_not_cli_flags() -> None:
    from archprep.web.filters import web_message

    assert web_message("no questions match; check --deck and --category with `archprep list`") == (
        "no questions match; check the deck and category you chose (Browse lists them)"
    )
    assert (
        web_message("x.bin: a binary file (or pass --format)")
        == "x.bin: a binary file (or choose its format)"
    )
    assert (
        web_message("--role must be one of general (got 'x')")
        == "“role” must be one of general (got 'x')"
    )
    assert web_message("a well-known model-based rule") == "a well-known model-based rule"


def test_inline_text_never_becomes_a_heading_or_list() -> None:
    """Imported key points can start with "#" (a code comment) or "1." and stay one line."""
    assert str(inline("# Log metrics per step")) == "# Log metrics per step"
    assert str(inline("1. first")) == "1. first"
    assert str(inline("a `x<y>` **b**")) == "a <code>x&lt;y&gt;</code> <strong>b</strong>"
