"""Learnfolio: an xAPI Learning Record Store where the individual owns the record."""

__version__ = "0.1.0"
