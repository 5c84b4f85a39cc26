"""The question bank: content files and imported decks validated into ``Question`` records."""

from archprep.bank.model import CATEGORIES, KINDS, LEVELS, KeyPoint, Question

__all__ = ["CATEGORIES", "KINDS", "LEVELS", "KeyPoint", "Question"]
