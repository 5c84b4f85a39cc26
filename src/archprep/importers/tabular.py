"""CSV, TSV and JSON Lines decks: one question per row or line, columns matched by name."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from archprep.errors import UserError
from archprep.importers.document import Parsed, RawItem, repair

# Accepted header names for each field, compared case-insensitively with spaces and dashes
# folded to underscores. The first name is the documented one.
COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("question", "q", "front", "prompt"),
    "answer": ("answer", "a", "back", "response", "model_answer", "reference"),
    "category": ("category", "topic", "section"),
    "level": ("level", "difficulty"),
    "kind": ("kind", "type"),
    "tags": ("tags", "tag"),
    "key_points": ("key_points", "keypoints", "rubric"),
    "follow_ups": ("follow_ups", "followups", "follow_up"),
}
LIST_FIELDS = ("tags", "key_points", "follow_ups")
MAX_FIELD = 10_000_000


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower().lstrip("\ufeff"))


def _field_of(header: str) -> str | None:
    key = _key(header)
    for field, names in COLUMNS.items():
        if key in names:
            return field
    return None


def split_list(value: Any, field: str) -> list[str]:
    """A list field from a cell: a JSON list, or text split on ``;`` or ``|`` (tags also on ``,``)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [repair(str(v)).strip() for v in value if str(v).strip()]
    text = repair(str(value)).strip()
    if not text:
        return []
    pattern = r"\s*[;|,]\s*" if field == "tags" else r"\s*[;|]\s*"
    return [p for p in re.split(pattern, text) if p]


def _item(record: dict[str, Any], line: int) -> RawItem:
    def text(field: str) -> str:
        value = record.get(field)
        return repair(str(value)).strip() if value is not None else ""

    return RawItem(
        question=re.sub(r"\s+", " ", text("question")),
        answer=text("answer").replace("\r\n", "\n"),
        line=line,
        category=text("category") or None,
        kind=text("kind").lower() or None,
        level=text("level").lower() or None,
        tags=[t.lower().replace(" ", "-") for t in split_list(record.get("tags"), "tags")],
        key_points=split_list(record.get("key_points"), "key_points"),
        follow_ups=split_list(record.get("follow_ups"), "follow_ups"),
    )


def _collect(records: list[tuple[int, dict[str, Any]]], name: str, unit: str = "row") -> Parsed:
    """Items from records; one without a question or an answer is skipped with a warning."""
    items: list[RawItem] = []
    warnings: list[str] = []
    unanswered = 0
    for line, record in records:
        item = _item(record, line)
        if not item.question or not item.answer:
            missing = "question" if not item.question else "answer"
            where = f"item {line}" if unit == "item" else f"line {line}"
            warnings.append(f"{where}: empty {missing}; {unit} skipped")
            unanswered += bool(item.question)
            continue
        items.append(item)
    return Parsed(items, warnings, unanswered=unanswered)


def parse_delimited(text: str, name: str, delimiter: str) -> Parsed:
    """A CSV (``,``) or TSV (``\\t``) file whose first row names the columns."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise UserError(f"{name}:{reader.line_num}: {exc}; fix the quoting on that line") from None
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise UserError(f"{name}: the file has no rows; the first row must name the columns")
    header_line, header = rows[0]
    fields = [_field_of(h) for h in header]
    missing = [f for f in ("question", "answer") if f not in fields]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip())[:120] or "none"
        sep = "tab" if delimiter == "\t" else repr(delimiter)
        raise UserError(
            f"{name}: missing column(s) {', '.join(missing)} (found: {found}); the first row "
            f"must name the columns, {sep}-separated, e.g. question{delimiter}answer"
        )
    records = []
    for line, row in rows[1:]:
        record: dict[str, Any] = {}
        for field, cell in zip(fields, row, strict=False):
            if field and cell.strip():
                record[field] = cell
        records.append((line, record))
    return _collect(records, name)


def parse_jsonl(text: str, name: str) -> Parsed:
    """JSON Lines (one object per line), or a JSON array of such objects."""
    stripped = text.lstrip("\ufeff").strip()
    records: list[tuple[int, dict[str, Any]]] = []
    try:
        whole: Any = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None  # JSON Lines: parsed line by line below
    if isinstance(whole, dict) and whole.get("format") == "archprep-backup":
        raise UserError(
            f"{name}: this is an archprep backup; load it with `archprep restore {name}`"
        )
    if isinstance(whole, dict) and isinstance(whole.get("questions"), list):
        whole = whole["questions"]
    if isinstance(whole, list):
        for n, obj in enumerate(whole, start=1):
            records.append((n, _object(obj, f"{name}: item {n}", "item")))
        return _checked(_collect(records, name, "item"), records, name)
    for n, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{name}:{n}: not valid JSON ({exc.msg}); fix or remove that line"
            ) from None
        records.append((n, _object(obj, f"{name}:{n}", "line")))
    return _checked(_collect(records, name, "line"), records, name)


def _object(obj: Any, where: str, unit: str) -> dict[str, Any]:
    """A JSON object's known fields; anything but an object is an error naming its place."""
    if not isinstance(obj, dict):
        found = "a list" if isinstance(obj, list) else f"a {type(obj).__name__}"
        if obj is None:
            found = "null"
        raise UserError(
            f"{where}: expected a JSON object with question and answer keys, found {found}; "
            f"fix or remove that {unit}"
        )
    record: dict[str, Any] = {}
    for key, value in obj.items():
        field = _field_of(str(key))
        if field:
            record[field] = value
    return record


def _checked(parsed: Parsed, records: list[tuple[int, dict[str, Any]]], name: str) -> Parsed:
    """A file none of whose objects has a question (or an answer) key is misnamed, not sparse."""
    if parsed.items or not records:
        return parsed
    for key, noun in (("question", "a question"), ("answer", "an answer")):
        if not any(key in record for _, record in records):
            names = ", ".join(COLUMNS[key])
            raise UserError(
                f"{name}: no object has {noun} key; give each one under one of the keys {names}"
            )
    return parsed
