"""Grading typed answers: key-point coverage, misconceptions, structure, and what to study next."""

from archprep.grading.engine import Grader, Rubric
from archprep.grading.result import GradeResult, GradeResultModel

__all__ = ["GradeResult", "GradeResultModel", "Grader", "Rubric"]
