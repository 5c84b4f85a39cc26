"""Small builders shared by tests."""

from __future__ import annotations

from archprep.bank.model import KeyPoint, Question


def make_question(qid: str = "rag/sample", **overrides: object) -> Question:
    fields: dict[str, object] = {
        "id": qid,
        "question": f"What is {qid}?",
        "answer": "A model answer that explains the idea in a few words.",
        "category": qid.split("/")[0],
        "kind": "concept",
        "level": "intermediate",
        "tags": ["sample"],
        "topics": [],
        "key_points": [KeyPoint("first point"), KeyPoint("second point"), KeyPoint("third", 2.0)],
        "follow_ups": ["And then?"],
    }
    fields.update(overrides)
    return Question(**fields)  # type: ignore[arg-type]
