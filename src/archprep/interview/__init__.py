"""Mock interview loops: plans of rounds, question choice, the running session, its report."""

from archprep.interview.plans import BUILTIN_PLANS, Pick, Plan, Round, plan_from_spec

__all__ = ["BUILTIN_PLANS", "Pick", "Plan", "Round", "plan_from_spec"]
