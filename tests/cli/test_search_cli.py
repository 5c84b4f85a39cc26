"""``archprep search``: a query is a few words or a scenario, and a longer one is refused."""

from __future__ import annotations

from typer.testing import CliRunner

from archprep.cli import app

runner = CliRunner()


def test_an_overlong_query_is_a_one_line_error(sqlite_url: str) -> None:
    long = "how do I pick a chunk size " * 40  # 1,080 characters
    result = runner.invoke(app, ["--db", sqlite_url, "search", long, "--mode", "lexical"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "the query is 1,080 characters" in lines[0] and "500" in lines[0]
    args = ["--db", sqlite_url, "search", "-", "--mode", "lexical", "--json"]
    result = runner.invoke(app, args, input=f"\n{long}\nchunk size\n")
    assert result.exit_code == 1 and not result.stdout  # stops at the line, naming it
    assert "line 2 of stdin is 1,079 characters" in result.stderr


def test_a_level_or_kind_no_question_has_is_refused_as_in_list(sqlite_url: str) -> None:
    for option, value in (("--level", "bogus"), ("--kind", "poem")):
        result = runner.invoke(app, ["--db", sqlite_url, "search", "lora", option, value])
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {option} must be one of")
