"""Back-of-envelope calculators with worked steps, and the registry the CLI and web UI read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archprep.calculators.base import CalcResult, Calculator, Field
from archprep.calculators.compute import FLOPS, FlopsInput, flops
from archprep.calculators.cost import COST, CostInput, cost
from archprep.calculators.drift import DRIFT, DriftInput, drift, read_csv_column
from archprep.calculators.memory import GPU_MEMORY, GpuMemoryInput, gpu_memory
from archprep.calculators.reliability import AVAILABILITY, AvailabilityInput, availability
from archprep.calculators.throughput import THROUGHPUT, ThroughputInput, throughput
from archprep.calculators.training import TRAINING_MEMORY, TrainingMemoryInput, training_memory
from archprep.errors import UsageError

CALCULATORS: dict[str, Calculator] = {
    c.name: c for c in (GPU_MEMORY, TRAINING_MEMORY, FLOPS, THROUGHPUT, AVAILABILITY, COST, DRIFT)
}


def get_calculator(name: str) -> Calculator:
    if name not in CALCULATORS:
        raise UsageError(f"no calculator {name!r}; use one of {', '.join(CALCULATORS)}")
    return CALCULATORS[name]


def run_calculator(name: str, values: Mapping[str, Any]) -> CalcResult:
    """Run a calculator from raw values keyed by field name (strings from a form are fine)."""
    return get_calculator(name).run(values)


__all__ = [
    "CALCULATORS",
    "AvailabilityInput",
    "CalcResult",
    "Calculator",
    "CostInput",
    "DriftInput",
    "Field",
    "FlopsInput",
    "GpuMemoryInput",
    "ThroughputInput",
    "TrainingMemoryInput",
    "availability",
    "cost",
    "drift",
    "flops",
    "get_calculator",
    "gpu_memory",
    "read_csv_column",
    "run_calculator",
    "throughput",
    "training_memory",
]
