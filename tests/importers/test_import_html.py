"""HTML pages: chrome stripped, structure read, and nothing of the markup or scripts kept."""

from __future__ import annotations

from pathlib import Path

from archprep.importers.html import html_to_text, parse_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def test_page_with_headings_details_and_a_table() -> None:
    parsed = parse_html((FIXTURES / "page.html").read_text("utf-8"))
    assert [(i.category, i.question) for i in parsed.items] == [
        ("Large Language Models", "What is the KV cache and why does it matter?"),
        ("Large Language Models", "How do you stop an LLM from inventing facts?"),
        ("MLOps", "What is training-serving skew?"),
        ("MLOps", "How often should a model be retrained?"),
        ("Quick definitions", "What is a feature store?"),
        ("Quick definitions", "What is shadow mode?"),
    ]
    kv = parsed.items[0].answer
    assert kv.endswith(
        "- Paged allocation reduces fragmentation.\n- Grouped-query attention shrinks the cache."
    )
    retrain = parsed.items[3].answer
    assert "```\n# trigger when PSI exceeds the threshold\nif psi(feature) > 0.25:" in retrain
    assert parsed.items[5].answer == (
        "Running a new model on live traffic without acting on its predictions, to compare it safely."
    )


def test_page_chrome_is_stripped() -> None:
    parsed = parse_html((FIXTURES / "page.html").read_text("utf-8"))
    text = "\n".join(i.question + "\n" + i.answer for i in parsed.items)
    for chrome in ("cookies", "Accept all", "Blog", "Courses", "Tweet", "Share on LinkedIn",
                   "weekly interview digest", "Subscribe", "Related posts", "Scroll to top",
                   "All rights reserved", "Privacy Policy", "Questions we have seen"):  # fmt: skip
        assert chrome not in text, chrome


def test_scripts_event_handlers_and_javascript_links_do_not_survive() -> None:
    parsed = parse_html((FIXTURES / "page.html").read_text("utf-8"))
    grounded = parsed.items[1].answer
    assert grounded == (
        "Ground it in retrieved sources, ask it to cite them, and check the citations "
        "automatically.\n\nRefuse to answer when the sources do not cover the question."
    )
    text = "\n".join(i.question + i.answer for i in parsed.items)
    for payload in ("<", "javascript:", "alert", "onclick", "onerror", "onmouseover", "steal",
                    "fetch(", "tracker", "dataLayer"):  # fmt: skip
        assert payload not in text, payload


def test_hostile_markup_becomes_plain_text() -> None:
    html = """<html><body>
    <h3 onclick="x()">What is XSS?</h3>
    <p>Script injection: <b onmouseover="alert(1)">never</b> render user text as HTML.
    <a href="javascript:alert(document.cookie)">Read more about it</a></p>
    <iframe src="https://evil.example"></iframe><svg onload="alert(2)"><text>svg text</text></svg>
    <h3>What is CSRF?</h3><p>A forged request that rides on the victim's session.</p>
    </body></html>"""
    parsed = parse_html(html)
    assert [i.question for i in parsed.items] == ["What is XSS?", "What is CSRF?"]
    assert (
        parsed.items[0].answer
        == "Script injection: never render user text as HTML. Read more about it"
    )
    assert "svg text" not in parsed.items[0].answer and "evil" not in parsed.items[0].answer


def test_definition_lists_and_bold_paragraph_questions() -> None:
    html = """<body><dl><dt>What is a token?</dt><dd>A piece of text the model reads as one unit.</dd>
    <dt>What is a logit?</dt><dd>A raw score before softmax.</dd></dl>
    <p><strong>Why normalise embeddings?</strong></p><p>So that a dot product equals cosine similarity.</p>
    </body>"""
    parsed = parse_html(html)
    assert [(i.question, i.answer) for i in parsed.items] == [
        ("What is a token?", "A piece of text the model reads as one unit."),
        ("What is a logit?", "A raw score before softmax."),
        ("Why normalise embeddings?", "So that a dot product equals cosine similarity."),
    ]


def test_ordered_list_of_questions_with_nested_answers() -> None:
    html = """<body><h2>Agents</h2><ol>
    <li><p>What is tool calling?</p><p>The model emits a structured call that the host runs.</p></li>
    <li>Why limit agent steps?<ul><li>Costs grow with every step.</li><li>Loops happen.</li></ul></li>
    </ol></body>"""
    parsed = parse_html(html)
    assert [i.question for i in parsed.items] == ["What is tool calling?", "Why limit agent steps?"]
    assert parsed.items[1].answer == "- Costs grow with every step.\n- Loops happen."
    assert {i.category for i in parsed.items} == {"Agents"}


def test_html_fragment_to_text() -> None:
    assert html_to_text("plain &amp; simple") == "plain & simple"
    assert html_to_text("line one<br>line two<div>block</div>") == "line one\nline two\n\nblock"


def test_accordion_toggles_are_questions_and_other_buttons_are_not() -> None:
    html = """<body><div class="faq">
    <button class="accordion" aria-expanded="false">What is a guardrail?</button>
    <div class="panel"><p>A check on a model's input or output that blocks or rewrites unsafe content.</p>
    <button class="copy">Copy</button></div>
    <div role="button" aria-controls="a2">How do you test guardrails?</div>
    <div id="a2" hidden><p>With a red-team set of attacks and a set of normal requests that must pass.</p></div>
    </div></body>"""
    parsed = parse_html(html)
    assert [(i.question, i.answer) for i in parsed.items] == [
        (
            "What is a guardrail?",
            "A check on a model's input or output that blocks or rewrites unsafe content.",
        ),
        (
            "How do you test guardrails?",
            "With a red-team set of attacks and a set of normal requests that must pass.",
        ),
    ]


def test_escaped_markup_stays_text_and_inline_code_stays_code() -> None:
    html = """<body>
    <h3>What does a &lt;div&gt; do?</h3>
    <p>A &lt;div&gt; groups blocks; in Java a list of strings is <code>List&lt;String&gt;</code>.</p>
    <p>&lt;script&gt;alert(1)&lt;/script&gt; is shown, never run.</p>
    <h3>How do you quote a backtick?</h3>
    <p>Write <code>a`b</code> with a longer fence, or press <kbd>Ctrl</kbd>.</p>
    <pre><code>if n &lt; 3:
    print("&lt;s&gt;")</code></pre>
    </body>"""
    parsed = parse_html(html)
    assert [i.question for i in parsed.items] == [
        "What does a <div> do?",
        "How do you quote a backtick?",
    ]
    assert parsed.items[0].answer == (
        "A <div> groups blocks; in Java a list of strings is `List<String>`.\n\n"
        "<script>alert(1)</script> is shown, never run."
    )
    assert parsed.items[1].answer == (
        "Write ``a`b`` with a longer fence, or press `Ctrl`.\n\n"
        '```\nif n < 3:\n    print("<s>")\n```'
    )


def test_anki_style_fragment_keeps_inline_code() -> None:
    assert html_to_text("Use <code>&lt;img&gt;</code> with care") == "Use `<img>` with care"
