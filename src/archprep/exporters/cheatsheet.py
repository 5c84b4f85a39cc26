"""Fixed text of the prep guide: the whiteboard method and the one-page formula cheat sheet."""

from __future__ import annotations

WHITEBOARD = """\
### The whiteboard method

Use the same five steps for every design question, out loud, and keep to time \
(about 5 / 10 / 15 / 5 / 5 minutes of a 40-minute round):

1. **Clarify** — users, traffic and data volumes, latency and freshness targets, accuracy and \
what a wrong answer costs, constraints (privacy, budget, team). Write the numbers on the board.
2. **High level** — the boxes end to end: data in, features, training, registry, serving, \
monitoring, feedback. Name the interfaces between them.
3. **Deep dive** — the one or two components that decide success; the model choice and why; \
the trade-offs you are making and what would change your mind.
4. **Failure modes** — what breaks first at 10× load, bad data, drift, provider outage, and \
how you detect and degrade (fallbacks, circuit breakers, rollbacks).
5. **Numbers** — back-of-envelope: QPS, GPU count, memory, storage, cost per month; show the \
arithmetic (see the cheat sheet)."""

CHEAT_SHEET = """\
Keep this page in front of you while practising estimates. GB are decimal (1 GB = 10⁹ bytes).

### GPU memory to serve a model

- **Weights** = parameters × bytes per parameter (FP32 4, FP16/BF16 2, FP8/INT8 1, INT4 0.5). \
70B in FP16 ≈ 140 GB; in INT4 ≈ 35 GB.
- **Total** ≈ weights + KV cache + 10–20% overhead (activations, CUDA context, fragmentation).
- **GPUs needed** = total ÷ (GPU memory × ~0.9 usable), rounded up to what tensor parallelism \
allows (1, 2, 4, 8).
- **Training** with Adam in mixed precision ≈ 16 bytes per parameter (2 weights + 2 gradients \
+ 12 FP32 master weights and two moments) plus activations: 7B ≈ 112 GB before activations.

### KV cache

- **Per token** = 2 (K and V) × layers × KV heads × head dim × bytes per value.
- **Total** = per token × sequence length × concurrent sequences.
- Llama-2-7B (32 layers, 32 KV heads, head dim 128, FP16): 2 × 32 × 32 × 128 × 2 B = 0.5 MB \
per token → 4k tokens ≈ 2 GB per sequence. Grouped-query attention divides it by \
heads ÷ KV heads (8× for Llama-3-70B).

### Compute

- **Inference** ≈ 2N FLOPs per generated token (N = parameters).
- **Training** ≈ 6ND FLOPs (D = training tokens): forward 2ND + backward 4ND.
- **Time** = 6ND ÷ (GPUs × peak FLOP/s × MFU), MFU typically 0.3–0.5. \
Example: 7B × 1T tokens = 4.2 × 10²² FLOPs; on 64 GPUs at 10¹⁵ × 0.4 ≈ 19 days.
- **Decode is memory-bound**: tokens/s per sequence ≲ memory bandwidth ÷ bytes of weights \
(e.g. 3.35 TB/s ÷ 140 GB ≈ 24 tokens/s for 70B FP16 at batch 1).

### Throughput and latency

- **Little's law**: L = λ × W — requests in flight = arrival rate × time in system. \
200 req/s × 2 s = 400 concurrent requests to provision for.
- Size for p99, not the mean; keep utilisation under ~70–80% or queues grow without bound.
- **Time to first token** ≈ queueing + prefill (grows with prompt length); **time per output \
token** ≈ decode step; latency ≈ TTFT + output tokens × TPOT.

### Availability

- **Series** (all must work): A = A₁ × A₂ × … — 99.9% × 99.9% = 99.8%.
- **Parallel** (any one suffices): A = 1 − (1 − A₁)(1 − A₂)… — two 99% replicas = 99.99%.
- **Nines** (downtime per year / month): 99% 3.65 days / 7.3 h; 99.9% 8.76 h / 43.8 min; \
99.95% 4.38 h / 21.9 min; 99.99% 52.6 min / 4.38 min; 99.999% 5.26 min / 26.3 s.
- Error budget = (1 − SLO) × period; 99.9% over 30 days = 43.2 minutes.

### Drift

- **PSI** = Σ (actualᵢ − expectedᵢ) × ln(actualᵢ ÷ expectedᵢ) over bins: < 0.1 no significant \
shift; 0.1–0.25 moderate, investigate; > 0.25 significant, act.
- **KL(P‖Q)** = Σ P log(P ÷ Q): asymmetric, unbounded, breaks on empty bins (smooth them).
- **JS** = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q): symmetric, bounded 0–1 with log₂ \
(0–ln 2 with ln); alert thresholds are commonly around 0.1.
- **KS** statistic = max |F₁(x) − F₂(x)| for continuous features; with large samples even tiny \
shifts are "significant", so alert on the effect size, not the p-value.

### Cost per million tokens

- **API**: cost per request = input tokens × input price ÷ 10⁶ + output tokens × output \
price ÷ 10⁶. 3,000 in × $3/M + 300 out × $15/M = $0.0135; × 2M requests/day = $27k/day.
- **Self-hosted**: $ per million tokens = GPU $/hour ÷ (tokens/s × 3,600) × 10⁶. \
A $2.50/h GPU serving 2,500 tokens/s ≈ $0.28 per million tokens — at full utilisation only.
- **Monthly** = requests/day × 30 × cost per request; add embeddings, vector storage \
(vectors × dims × 4 bytes) and egress."""
