"""archprep: offline-first interview preparation for AI/ML architect roles."""

__version__ = "0.1.0"
