"""``archprep search``: hybrid search from the terminal, one query or a batch from stdin."""

from __future__ import annotations

import sys

import typer
from rich.text import Text

from archprep.cli.common import (
    app,
    app_context,
    check_level_and_kind,
    console,
    err_console,
    print_json,
    print_json_line,
)
from archprep.errors import UsageError, UserError
from archprep.search import MAX_QUERY_CHARS, Filters, Searcher, SearchResult


def _render(result: SearchResult) -> None:
    if result.notice:
        err_console.print(f"[yellow]note:[/yellow] {result.notice}")
    if not result.hits:
        console.print(f"No questions match [bold]{result.query}[/bold].", highlight=False)
        if result.suggestions:
            console.print(f"Did you mean: [bold]{result.suggestions[0]}[/bold]?")
        if result.near_categories:
            console.print(
                "Nearest categories: "
                + ", ".join(result.near_categories)
                + " (browse them with `archprep list --category NAME`)."
            )
        return
    for n, hit in enumerate(result.hits, start=1):
        head = Text.assemble((f"{n:>2}. ", "dim"), (hit.question, "bold"))
        console.print(head)
        console.print(
            Text(f"    {hit.id} · {hit.category} · {hit.level} · {hit.kind}", style="cyan")
        )
        if hit.snippet:
            body = Text("    " + hit.snippet, style="dim")
            for word in hit.matched:
                body.highlight_words([word], style="bold yellow", case_sensitive=False)
            console.print(body)


def _check_length(query: str, what: str) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise UserError(
            f"{what} is {len(query):,} characters; a search query is at most "
            f"{MAX_QUERY_CHARS}: keep the words that describe what you want"
        )


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: str = typer.Argument(
        ..., help="What to look for, in your own words; '-' reads one query per line from stdin."
    ),
    deck: str | None = typer.Option(None, help="Only this deck."),
    category: str | None = typer.Option(None, help="Only this category."),
    level: str | None = typer.Option(None, help="Only this level."),
    kind: str | None = typer.Option(None, help="Only this kind."),
    tag: str | None = typer.Option(None, help="Only questions with this tag."),
    limit: int = typer.Option(10, min=1, max=100, help="How many hits to show."),
    mode: str = typer.Option("hybrid", help="hybrid, lexical or dense."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one object per query)."),
) -> None:
    """Search the bank by meaning and keywords; paraphrases and scenario descriptions work."""
    if mode not in ("hybrid", "lexical", "dense"):
        raise UsageError(f"--mode must be hybrid, lexical or dense (got {mode!r})")
    check_level_and_kind(level, kind)
    if query != "-":
        if not query.strip():
            raise UserError("the query is empty; type what you are looking for")
        _check_length(query, "the query")
    actx = app_context(ctx)
    store = actx.store()
    user = actx.local_user()
    searcher = Searcher(store, actx.settings)
    filters = Filters(deck, category, level, kind, tag)

    def run(q: str) -> SearchResult:
        return searcher.search(q, user_id=user, filters=filters, limit=limit, mode=mode)  # type: ignore[arg-type]

    if query == "-":
        for number, line in enumerate(sys.stdin, start=1):
            q = line.strip()
            if not q:
                continue
            _check_length(q, f"line {number} of stdin")
            result = run(q)
            if json_out:
                print_json_line(result.as_dict())
            else:
                console.rule(q)
                _render(result)
        return
    result = run(query)
    if json_out:
        print_json(result.as_dict())
    else:
        _render(result)
