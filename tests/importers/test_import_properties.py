"""Property tests: the text importers never crash, and never lose or move an answer's words."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archprep.errors import UserError
from archprep.importers.detect import decode
from archprep.importers.document import Parsed
from archprep.importers.html import parse_html
from archprep.importers.text import parse_text

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=9)
sentence = st.lists(word, min_size=3, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
answer = st.lists(paragraph, min_size=1, max_size=3)
opener = st.sampled_from(["What is", "How does", "Why do", "When would you use", "Explain"])
question = st.builds(
    lambda o, ws: f"{o} {' '.join(ws)}?", opener, st.lists(word, min_size=2, max_size=6)
)
pairs = st.lists(st.tuples(question, answer), min_size=1, max_size=6, unique_by=lambda p: p[0])

Render = Callable[[list[tuple[str, list[str]]]], str]


def _numbered(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f"{n}. {q}\n" + "\n\n".join(a) + "\n\n" for n, (q, a) in enumerate(qa, 1))


def _glued(qa: list[tuple[str, list[str]]]) -> str:
    return "Section\n\n3 questions\n" + "".join(
        f"{n}{q}\n" + "\n".join(a) + "\n" for n, (q, a) in enumerate(qa, 1)
    )


def _qa(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f"Q: {q}\nA: " + "\n\n".join(a) + "\n\n" for q, a in qa)


def _expander(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f"{q} ▼\n" + "\n".join(a) + "\n" for q, a in qa)


def _bullets(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f"{q}\n" + "".join(f"- {p}\n" for p in a) + "\n" for q, a in qa)


def _quoted(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f'"{q}" ' + " ".join(a) + "\n" for q, a in qa)


def _headings(qa: list[tuple[str, list[str]]]) -> str:
    return "# Notes\n\n## Topic\n\n" + "".join(
        f"### {q}\n\n" + "\n\n".join(a) + "\n\n" for q, a in qa
    )


def _bold(qa: list[tuple[str, list[str]]]) -> str:
    return "".join(f"**{q}**\n\n" + "\n\n".join(a) + "\n\n" for q, a in qa)


def _table(qa: list[tuple[str, list[str]]]) -> str:
    return "| Question | Answer |\n| --- | --- |\n" + "".join(
        f"| {q} | {' '.join(a)} |\n" for q, a in qa
    )


def _html(qa: list[tuple[str, list[str]]]) -> str:
    body = "".join(f"<h3>{q}</h3>" + "".join(f"<p>{p}</p>" for p in a) for q, a in qa)
    return f"<html><body><nav>Home</nav><main>{body}</main><footer>© us</footer></body></html>"


LAYOUTS: dict[str, tuple[Render, Callable[[str], Parsed]]] = {
    "numbered": (_numbered, lambda t: parse_text(t, markdown=False)),
    "glued": (_glued, lambda t: parse_text(t, markdown=False)),
    "qa": (_qa, lambda t: parse_text(t, markdown=False)),
    "expander": (_expander, lambda t: parse_text(t, markdown=False)),
    "bullets": (_bullets, lambda t: parse_text(t, markdown=False)),
    "quoted": (_quoted, lambda t: parse_text(t, markdown=False)),
    "headings": (_headings, lambda t: parse_text(t, markdown=True)),
    "bold": (_bold, lambda t: parse_text(t, markdown=True)),
    "table": (_table, lambda t: parse_text(t, markdown=True)),
    "html": (_html, parse_html),
}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qa=pairs, layout=st.sampled_from(sorted(LAYOUTS)))
def test_every_answer_survives_whole_in_its_own_item(
    qa: list[tuple[str, list[str]]], layout: str
) -> None:
    render, parse = LAYOUTS[layout]
    parsed = parse(render(qa))
    assert [i.question for i in parsed.items] == [q for q, _ in qa]
    for (_, paragraphs), item in zip(qa, parsed.items, strict=True):
        assert words(item.answer) == words(" ".join(paragraphs))


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=2000), markdown=st.booleans())
def test_arbitrary_text_never_crashes(text: str, markdown: bool) -> None:
    parsed = parse_text(text, markdown=markdown)
    for item in parsed.items:
        assert item.question.strip() and item.answer.strip()


@settings(max_examples=80, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("<>/=\"' abpdiv?h3ulitr&;#!-\n")), max_size=600))
def test_arbitrary_markup_never_crashes(text: str) -> None:
    parse_html(text)


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=400))
def test_decoding_arbitrary_bytes_gives_text_or_a_clear_error(data: bytes) -> None:
    try:
        assert isinstance(decode(data, "x.txt"), str)
    except UserError as exc:
        assert str(exc).startswith("x.txt: ") and "\n" not in str(exc)
