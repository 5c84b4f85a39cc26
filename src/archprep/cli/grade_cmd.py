"""``archprep grade`` (one answer or a JSONL batch) and ``archprep practice`` (answer, grade, rate)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import typer
import yaml
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from archprep.bank.model import KeyPoint, Question
from archprep.bank.sync import ensure_bank
from archprep.cli.common import (
    AppContext,
    app,
    app_context,
    check_level_and_kind,
    console,
    err_console,
    print_json,
    print_json_line,
)
from archprep.errors import UsageError, UserError
from archprep.scheduling import Grade, humanize_interval, suggested_grade
from archprep.store.attempts import pick_practice_question, save_attempt
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import get_question

if TYPE_CHECKING:
    from archprep.grading import Grader, GradeResult

END_OF_ANSWER = "."
# Minutes a candidate would have for one written answer of each kind in an interview.
BUDGET_MINUTES = {
    "rapid-fire": 1,
    "ask-them": 2,
    "concept": 3,
    "behavioral": 4,
    "strategy": 5,
    "troubleshooting": 6,
    "design": 15,
}
MARKS = {"covered": "[green]✓[/green]", "partial": "[yellow]~[/yellow]", "missed": "[red]✗[/red]"}


def _grader(actx: AppContext, offline: bool) -> Grader:
    from archprep.grading import Grader  # numpy and the model load only when grading

    return Grader.from_settings(
        actx.settings,
        use_llm=not offline,
        notice=lambda m: err_console.print(f"note: {m}", markup=False, soft_wrap=True),
    )


def _read_text(path: str, what: str, limit: int) -> str:
    """A file's text, or stdin for ``-``; errors name the file and what to do."""
    if path == "-":
        data = sys.stdin.read()
    else:
        p = Path(path).expanduser()
        if not p.is_file():
            raise UserError(f"{what} file {path} does not exist")
        if p.stat().st_size > limit:
            raise UserError(f"{what} file {path} is larger than {limit} bytes")
        try:
            data = p.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(f"{what} file {path} is not UTF-8 text (byte {exc.start})") from exc
    if len(data.encode("utf-8")) > limit:
        raise UserError(f"{what} is larger than {limit} bytes")
    return data


def _split_reference(text: str) -> tuple[str, dict[str, Any]]:
    """A reference may be a content file: its front matter gives question and key points."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            try:
                meta = yaml.safe_load(text[4:end])
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict):
                return text[end + 4 :].lstrip("\n"), meta
    return text, {}


def _front_matter_points(meta: dict[str, Any]) -> list[KeyPoint]:
    points = []
    for item in meta.get("key_points") or []:
        if isinstance(item, str) and item.strip():
            points.append(KeyPoint(item.strip()))
        elif isinstance(item, dict) and str(item.get("text", "")).strip():
            points.append(KeyPoint(str(item["text"]).strip(), float(item.get("weight", 1))))
    return points


def _bank_question(actx: AppContext, question_id: str) -> Question:
    store = actx.store()
    ensure_bank(store, actx.settings, actx.now())
    with store.session() as session:
        user = local_user_id(session, actx.now())
        session.commit()
        q = get_question(session, question_id, user)
    if q is None:
        raise UserError(
            f"no question with id {question_id!r}; find ids with `archprep list` or `archprep search`"
        )
    return q


def _resolve(
    actx: AppContext,
    *,
    question: str | None,
    reference: str | None,
    question_id: str | None,
    key_points: list[str],
) -> tuple[Question | str, str | None, list[KeyPoint] | None]:
    """(question, reference text, key points) for ``Grader.grade``."""
    points = [KeyPoint(k.strip()) for k in key_points if k.strip()] or None
    if question_id:
        return _bank_question(actx, question_id), reference, points
    if reference is not None:
        body, meta = _split_reference(reference)
        text = question or str(meta.get("question") or "")
        if not text.strip():
            raise UsageError("--question is required (the reference file names no question)")
        if points is None and (authored := _front_matter_points(meta)):
            kind = str(meta.get("kind", "concept"))
            q = Question("reference", text, body, str(meta.get("category", "")), kind=kind)
            q.key_points, q.extra = (
                authored,
                {k: meta[k] for k in ("method", "signals", "star") if k in meta},
            )
            q.calculators = list(meta.get("calculators") or [])
            return q, None, None
        return text, body, points
    if not question:
        raise UsageError("--question is required unless --id names a bank question")
    return question, None, points


@app.command("grade")
def grade_cmd(
    ctx: typer.Context,
    question: str | None = typer.Option(
        None, "--question", metavar="TEXT", help="The question as asked."
    ),
    reference: str | None = typer.Option(
        None,
        "--reference",
        metavar="FILE",
        help="File with the model answer (text, Markdown or a content file).",
    ),
    question_id: str | None = typer.Option(
        None,
        "--id",
        metavar="ID",
        help="Grade against this bank question's key points and model answer.",
    ),
    answer: str | None = typer.Option(
        None, "--answer", metavar="FILE", help="File with the answer; - for stdin."
    ),
    key_point: list[str] = typer.Option(
        None,
        "--key-point",
        metavar="TEXT",
        help="A key point to grade against (repeat it); replaces the rubric.",
    ),
    batch: str | None = typer.Option(
        None,
        "--batch",
        metavar="FILE.jsonl",
        help="JSONL: one {question, reference | id, answer, key_points} per line.",
    ),
    offline: bool = typer.Option(False, "--offline", help="Never use the LLM judge."),
    json_out: bool = typer.Option(False, "--json", help="Print the GradeResult as JSON."),
) -> None:
    """Grade an answer against a question's key points or a model answer (score, gaps, misconceptions)."""
    actx = app_context(ctx)
    limit = actx.settings.max_import_bytes
    key_points = list(key_point or [])
    if batch is not None:
        if question or reference or question_id or answer or key_points:
            raise UsageError(
                "--batch takes its questions and answers from the file; drop the others"
            )
        _grade_batch(actx, _read_text(batch, "batch", limit), offline, json_out)
        return
    if answer is None:
        raise UsageError("--answer FILE is required (use --answer - to read stdin)")
    if reference is not None and question_id is not None:
        raise UsageError("give either --reference or --id, not both")
    if reference is None and question_id is None and not key_points:
        raise UsageError("give --reference FILE or --id ID (or at least one --key-point)")
    if answer == "-" and reference == "-":
        raise UsageError("only one of --answer and --reference can read stdin")
    answer_text = _read_text(answer, "answer", limit)
    source = "stdin" if answer == "-" else f"answer file {answer}"
    if not answer_text.strip():
        raise UserError(f"{source} holds no answer; write the answer there and run again")
    _check_length(answer_text, f"the answer in {source}")
    ref_text = _read_text(reference, "reference", limit) if reference is not None else None
    q, ref, points = _resolve(
        actx, question=question, reference=ref_text, question_id=question_id, key_points=key_points
    )
    result = _grader(actx, offline).grade(q, answer_text, reference=ref, key_points=points)
    if json_out:
        print_json(result.to_json())
    else:
        console.print(render(result))


def _check_length(answer: str, what: str) -> None:
    """Refuse an answer longer than the grader reads, rather than grade only its start."""
    from archprep.grading.engine import MAX_ANSWER_CHARS

    if len(answer) > MAX_ANSWER_CHARS:
        raise UserError(
            f"{what} is {len(answer):,} characters, and answers are graded up to "
            f"{MAX_ANSWER_CHARS:,} (about 3,000 words); shorten it and grade it again"
        )


def _grade_batch(actx: AppContext, text: str, offline: bool, json_out: bool) -> None:
    grader = _grader(actx, offline)  # one grader: the model loads once for every line
    failed = total = 0
    table = Table("line", "score", "question", show_lines=False)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        total += 1
        try:
            out = {"line": number, **_grade_line(actx, grader, line)}
        except UserError as exc:
            failed += 1
            out = {"line": number, "error": str(exc)}
        if json_out:
            print_json_line(out)
        elif "error" in out:
            table.add_row(str(number), "[red]error[/red]", escape(out["error"]))
        else:
            table.add_row(str(number), f"{out['score']:.0f}", escape(out["question"][:80]))
    if not json_out:
        console.print(table)
    if failed:
        raise UserError(f"{failed} of {total} batch line(s) failed; see their error fields")


def _grade_line(actx: AppContext, grader: Grader, line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(item, dict):
        raise UserError("each line must be a JSON object")
    answer = item.get("answer")
    if not isinstance(answer, str):
        raise UserError("answer: required, a string")
    _check_length(answer, "answer")
    points = item.get("key_points") or []
    if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
        raise UserError("key_points: must be a list of strings")
    reference, qid = item.get("reference"), item.get("id")
    if reference is not None and not isinstance(reference, str):
        raise UserError("reference: must be a string (the model answer's text)")
    if qid is not None and not isinstance(qid, str):
        raise UserError("id: must be a string")
    if reference is None and qid is None and not points:
        raise UserError("give reference, id or key_points")
    question = item.get("question")
    if question is not None and not isinstance(question, str):
        raise UserError("question: must be a string")
    q, ref, kps = _resolve(
        actx, question=question, reference=reference, question_id=qid, key_points=points
    )
    return grader.grade(q, answer, reference=ref, key_points=kps).to_json()


def _marked(indent: int = 0) -> Table:
    """Rows of (mark, text) whose wrapped lines stay under their text, not under the mark."""
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 0), pad_edge=False)
    table.add_column(width=indent + 1, justify="right")
    table.add_column(ratio=1)
    return table


def render(
    result: GradeResult, *, seconds: float | None = None, budget: int | None = None
) -> Panel:
    """The feedback panel: score, key points with evidence, misconceptions, structure, study next."""
    from archprep.grading.text import clip

    parts: list[Any] = [Text(result.feedback)]
    points = _marked(1)
    for kp in result.key_points:
        body = escape(kp.text)
        if kp.evidence:
            body += f"\n[dim]“{escape(clip(kp.evidence, 160))}”[/dim]"
        if kp.note:
            body += f"\n[dim italic]{escape(kp.note)}[/dim italic]"
        points.add_row(MARKS[kp.status], body)
    parts += [Text("\nKey points", style="bold"), points]
    if result.misconceptions:
        parts.append(Text("\nMisconceptions", style="bold red"))
        wrong = _marked(2)
        for m in result.misconceptions:
            body = f"{escape(clip(m.statement, 200))}\n[dim]{escape(m.explanation)}[/dim]"
            wrong.add_row("[red]•[/red]", body)
        parts.append(wrong)
    s = result.structure
    checks = [c for c in s.checks]
    if checks:
        parts.append(Text("\nStructure", style="bold"))
        checks_table = _marked(2)
        for c in checks:
            mark = "[green]✓[/green]" if c.passed else "[red]✗[/red]"
            name = c.name.replace("_", " ")
            name = name if c.group == c.name else f"{c.group.replace('_', ' ')}: {name}"
            body = f"{name} [dim]· {escape(c.detail)}[/dim]"
            if not c.passed and c.group == "red_flags" and c.evidence:
                body += f"\n[dim]“{escape(clip(c.evidence, 160))}”[/dim]"
            checks_table.add_row(mark, body)
        parts.append(checks_table)
    delivery = f"{s.word_count} words · filler {s.filler_count} · hedging {s.hedge_count}"
    if seconds is not None:
        delivery += f" · {seconds / 60:.1f} min" + (f" of {budget // 60} min" if budget else "")
    parts.append(Text(f"\n{delivery}", style="dim"))
    if result.study_next:
        parts.append(Text("\nStudy next", style="bold"))
        study = _marked(2)
        for item in result.study_next[:4]:
            body = escape(item.key_point) + "".join(
                f"\n[dim]{escape(clip(line, 220))}[/dim]" for line in item.reference[:2]
            )
            study.add_row("•", body)
        parts.append(study)
    colour = "green" if result.score >= 65 else "yellow" if result.score >= 40 else "red"
    title = f"[bold {colour}]{result.score:.0f}/100[/bold {colour}] · {escape(result.grader)}"
    return Panel(Group(*parts), title=title, title_align="left")


# ---- practice ------------------------------------------------------------------------------


def read_answer(editor: bool) -> str:
    """Several lines from the terminal (ending with a line holding only ``.``, or EOF), or
    the text saved in ``$EDITOR``."""
    if editor:
        try:
            text = click.edit("\n# Write your answer above this line.\n")
        except click.ClickException as exc:  # no editor, or it exited with an error
            raise UserError(
                f"{exc.message}; set $EDITOR (e.g. EDITOR=nano), or answer without --editor"
            ) from exc
        if text is None:
            raise UserError("the editor was closed without saving; nothing was graded")
        return "\n".join(ln for ln in text.splitlines() if not ln.startswith("# ")).strip()
    console.print(f"[dim]Type your answer. End with a line containing only {END_OF_ANSWER}[/dim]")
    lines: list[str] = []
    while True:
        line = sys.stdin.readline()
        if line == "" or line.rstrip("\r\n") == END_OF_ANSWER:
            break
        lines.append(line.rstrip("\r\n"))
    return "\n".join(lines).strip()


def _rating(suggested: Grade) -> Grade | None:
    """The rating to record: Enter takes the suggestion; end of input (Ctrl-D) records none."""
    prompt = (
        f"Rating: Enter accepts [bold]{suggested.name.title()}[/bold] ({int(suggested)}), "
        "or type 1 Again · 2 Hard · 3 Good · 4 Easy: "
    )
    for _ in range(3):
        console.print(prompt, end="")
        line = sys.stdin.readline()
        if line == "":
            console.print()
            return None
        choice = line.strip()
        if not choice:
            return suggested
        if choice in {"1", "2", "3", "4"}:
            return Grade(int(choice))
        console.print("[yellow]Press Enter, or type 1, 2, 3 or 4.[/yellow]")
    return suggested


@app.command("practice")
def practice_cmd(
    ctx: typer.Context,
    category: str | None = typer.Option(
        None, metavar="C", help="Only questions from this category."
    ),
    level: str | None = typer.Option(None, metavar="L", help="basic, intermediate or advanced."),
    kind: str | None = typer.Option(
        None, metavar="K", help="concept, design, behavioral, troubleshooting, ..."
    ),
    question_id: str | None = typer.Option(
        None, "--id", metavar="ID", help="Practise this question."
    ),
    editor: bool = typer.Option(False, "--editor", help="Write the answer in $EDITOR."),
    offline: bool = typer.Option(False, "--offline", help="Never use the LLM judge."),
) -> None:
    """Answer a question in writing against the clock, get graded feedback, rate it for FSRS."""
    check_level_and_kind(level, kind, drills=False)
    actx = app_context(ctx)
    store = actx.store()
    ensure_bank(store, actx.settings, actx.now())
    with store.session.begin() as session:
        user = local_user_id(session, actx.now())
        if question_id:
            q = get_question(session, question_id, user)
            if q is None:
                raise UserError(f"no question with id {question_id!r}; see `archprep list`")
            reason = "chosen with --id"
        else:
            pick = pick_practice_question(
                session, user, actx.now(), category=category, level=level, kind=kind
            )
            if pick is None:
                raise UserError("no questions match these filters; try `archprep list`")
            q, reason = pick.question, pick.reason
    budget = BUDGET_MINUTES.get(q.kind, 5) * 60
    console.print(
        Panel(
            escape(q.question),
            title=f"{escape(q.id)} · {q.level} · {q.kind}",
            subtitle=f"{budget // 60} min · {reason}",
            title_align="left",
        )
    )
    started = time.monotonic()
    answer = read_answer(editor)
    seconds = time.monotonic() - started
    if not answer:
        console.print("No answer given; nothing was graded or stored.")
        return
    result = _grader(actx, offline).grade(q, answer)
    console.print(render(result, seconds=seconds, budget=budget))
    now = actx.now()
    with store.session.begin() as session:
        save_attempt(
            session, user, q.id, answer, result.to_json(), now, mode="practice", duration_s=seconds
        )
    grade = _rating(suggested_grade(result.score))
    if grade is None:
        console.print("[dim]Your answer is saved; the card was not rated.[/dim]")
        return
    retention = actx.prefs(user).desired_retention  # read before the write begins
    with store.session.begin() as session:
        after = record_review(
            session,
            user,
            q.id,
            grade,
            actx.now(),
            duration_ms=int(seconds * 1000),
            desired_retention=retention,
        )
    assert after.due is not None
    console.print(
        f"[dim]Saved. Rated {grade.name.title()}; next review in "
        f"{humanize_interval(actx.now(), after.due)}.[/dim]"
    )
