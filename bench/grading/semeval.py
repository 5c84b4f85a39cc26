"""Reads SemEval-2013 Task 7 (2-way) straight from its zip: questions, references, answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ZIP = Path("/work/shared/datasets/semeval-2013-task7/semeval-3way.zip")

# name -> folder inside the zip (2-way labels: "correct" vs everything else)
SPLITS = {
    "train-sciEntsBank": "training/2way/sciEntsBank/",
    "train-beetle": "training/2way/beetle/",
    "sciEntsBank-unseen-answers": "test/2way/sciEntsBank/test-unseen-answers/",
    "sciEntsBank-unseen-questions": "test/2way/sciEntsBank/test-unseen-questions/",
    "sciEntsBank-unseen-domains": "test/2way/sciEntsBank/test-unseen-domains/",
    "beetle-unseen-answers": "test/2way/beetle/test-unseen-answers/",
    "beetle-unseen-questions": "test/2way/beetle/test-unseen-questions/",
}
TEST_SPLITS = (
    "sciEntsBank-unseen-answers",
    "sciEntsBank-unseen-questions",
    "sciEntsBank-unseen-domains",
    "beetle-unseen-questions",
)


@dataclass(frozen=True)
class Item:
    qid: str
    question: str
    references: tuple[str, ...]
    answer: str
    correct: bool
    label: str = (
        ""  # the annotators' label: correct, incorrect, or with three ways also contradictory
    )


def load_split(name: str, zip_path: Path = DEFAULT_ZIP, ways: int = 2) -> list[Item]:
    """Every student answer of one split, in file order. ``ways=3`` reads the same answers with
    the three-way labels, which tell contradictory answers apart from other incorrect ones."""
    prefix = SPLITS[name] if ways == 2 else SPLITS[name].replace("/2way/", "/3way/")
    items: list[Item] = []
    with zipfile.ZipFile(zip_path) as zf:
        for entry in sorted(zf.namelist()):
            if not entry.startswith(prefix) or not entry.endswith(".xml"):
                continue
            if "/" in entry[len(prefix) :]:
                continue
            root = ET.fromstring(zf.read(entry))
            qid = root.get("id") or entry
            question = (root.findtext("questionText") or "").strip()
            refs = tuple(
                (r.text or "").strip()
                for r in root.iter("referenceAnswer")
                if (r.text or "").strip()
            )
            for ans in root.iter("studentAnswer"):
                text = (ans.text or "").strip()
                if text:
                    label = ans.get("accuracy") or ""
                    items.append(Item(qid, question, refs, text, label == "correct", label))
    return items
