"""All of archprep's settings: defaults, ``ARCHPREP_*`` environment variables, CLI overrides."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("archprep", appauthor=False))


class Settings(BaseSettings):
    """Every setting has a default, an environment variable and help text (docs/configuration.md)."""

    model_config = SettingsConfigDict(env_prefix="ARCHPREP_", extra="ignore")

    db: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ARCHPREP_DB", "ARCHPREP_DATABASE_URL", "db"),
        description=(
            "Where the store lives: a SQLite file path or a SQLAlchemy URL such as "
            "postgresql+psycopg://user@host/db. Default: archprep.db in the data directory. "
            "Env ARCHPREP_DB (or ARCHPREP_DATABASE_URL); CLI --db."
        ),
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Per-user directory for the default database, caches and exports.",
    )
    content_dirs: list[Path] = Field(
        default_factory=list,
        description=(
            "Extra content directories (same format as the built-in bank) loaded by "
            "`bank sync` after the built-in questions. Env: a JSON list."
        ),
    )
    embedding_model: str = Field(
        default="auto",
        description=(
            "Embedding model for search and grading: 'auto' (best installed offline model), "
            "'none' (lexical only), or a path to a model directory (ONNX or model2vec)."
        ),
    )
    pair_model: str = Field(
        default="auto",
        description=(
            "Cross-encoder the grader uses to re-read its best evidence: 'auto' (the one "
            "shipped with archprep), 'none' (similarity features only), or a model directory."
        ),
    )
    model_dir: Path | None = Field(
        default=None,
        description="Directory searched for local model files before installed packages.",
    )
    desired_retention: float = Field(
        default=0.9,
        ge=0.7,
        le=0.99,
        description="FSRS target probability of recall when a card comes due (0.7-0.99).",
    )
    new_cards_per_day: int = Field(
        default=20,
        ge=0,
        le=500,
        description="How many unseen cards a study session introduces per day.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description=(
            "Base URL of an OpenAI-compatible endpoint for the optional LLM judge, e.g. "
            "http://127.0.0.1:8080/v1. Unset: nothing is ever sent anywhere."
        ),
    )
    llm_model: str = Field(
        default="gpt-4o-mini",
        description="Model name passed to the LLM endpoint.",
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        description="API key for the LLM endpoint (read from ARCHPREP_LLM_API_KEY).",
    )
    llm_timeout: float = Field(
        default=20.0,
        gt=0,
        le=300,
        description="Seconds to wait for one LLM response before falling back to the offline grader.",
    )
    max_import_bytes: int = Field(
        default=20_000_000,
        gt=0,
        description="Largest file `archprep import` accepts, in bytes.",
    )

    def database_url(self) -> str:
        """The SQLAlchemy URL for ``db``: a bare path becomes a SQLite URL."""
        if self.db is None:
            return f"sqlite:///{self.data_dir / 'archprep.db'}"
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser().resolve()}"
