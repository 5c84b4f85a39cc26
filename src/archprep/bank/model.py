"""The domain record for one question and the vocabularies its fields draw from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import yaml

KINDS = ("concept", "design", "troubleshooting", "behavioral", "strategy", "rapid-fire", "ask-them")
LEVELS = ("basic", "intermediate", "advanced")
CALCULATORS = (
    "gpu-memory",
    "training-memory",
    "flops",
    "throughput",
    "availability",
    "cost",
    "drift",
)
DESIGN_STEPS = ("clarify", "high_level", "deep_dive", "failure_modes", "numbers")
DESIGN_SIGNALS = (
    "problem_understanding",
    "data_features",
    "modelling",
    "deployment_operations",
    "communication",
)
STAR_PARTS = ("situation", "task", "action", "result")
# ``Question.extra`` key set by the importer when the key points were derived from the model
# answer rather than written: the grader then treats them as it treats its own derived points.
DERIVED_KEY_POINTS = "key_points_derived"
# The Anki tag that carries it through an export and back (Anki notes have no other place).
DERIVED_TAG = "archprep_derived_key_points"


def load_topics() -> dict[str, dict[str, str]]:
    """Category slug -> {ground slug: description}, from the packaged ``topics.yaml``."""
    text = resources.files("archprep.content").joinpath("topics.yaml").read_text("utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


TOPICS = load_topics()
CATEGORIES = tuple(TOPICS)
# Display names, wherever a category is shown to people (pages, the prep guide).
CATEGORY_TITLES = {
    "ml-fundamentals": "ML fundamentals",
    "deep-learning": "Deep learning",
    "transformers-llms": "Transformers & LLMs",
    "rag": "RAG",
    "fine-tuning": "Fine-tuning",
    "agents": "Agents",
    "vector-search": "Vector search",
    "mlops": "MLOps",
    "serving-infra": "Serving & infrastructure",
    "llm-platform": "LLM platform",
    "responsible-ai": "Responsible AI",
    "system-design": "ML system design",
    "troubleshooting": "Troubleshooting",
    "strategy-leadership": "Strategy & leadership",
    "behavioral": "Behavioral",
    "rapid-fire": "Rapid fire",
    "ask-them": "Questions to ask them",
}


# How the field writes these words, for the names of imported categories ("production-ai-
# systems" reads "Production AI systems", "vllm" reads "vLLM").
SPELLINGS = {w.lower(): w for w in (
    "AI", "ML", "LLM", "LLMs", "RAG", "NLP", "GPU", "GPUs", "TPU", "CPU", "API", "APIs", "MLOps",
    "LLMOps", "vLLM", "PyTorch", "TensorFlow", "Kubernetes", "AWS", "GCP", "SQL", "CV", "RL",
    "RLHF", "DPO", "LoRA", "QLoRA", "PEFT", "GenAI", "MCP", "ONNX", "KV", "A/B", "CI/CD",
)}  # fmt: skip


def category_title(slug: str) -> str:
    """A category's display name; an imported one gets its slug in words."""
    if slug in CATEGORY_TITLES:
        return CATEGORY_TITLES[slug]
    words = slug.replace("-", " ").replace("_", " ").split()
    named = [SPELLINGS.get(w.lower(), w) for w in words]
    if named and named[0] == words[0]:
        named[0] = named[0][:1].upper() + named[0][1:]
    return " ".join(named) or slug


@dataclass(frozen=True)
class KeyPoint:
    """One statement a good answer must make; ``weight`` scales its share of the score."""

    text: str
    weight: float = 1.0


@dataclass
class Question:
    """A question with its model answer and rubric, from the built-in bank or an import."""

    id: str
    question: str
    answer: str
    category: str
    kind: str = "concept"
    level: str = "intermediate"
    tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    key_points: list[KeyPoint] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    calculators: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    deck: str = "builtin"
    source: str | None = None

    @property
    def key_points_derived(self) -> bool:
        """The key points were picked from the model answer at import, not written."""
        return bool(self.extra.get(DERIVED_KEY_POINTS))

    def content_hash(self) -> str:
        """Stable digest of everything a user sees; changes when the question is edited."""
        payload = asdict(self)
        payload.pop("source")
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
