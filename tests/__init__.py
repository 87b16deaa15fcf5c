"""The test suite: one folder per folder of the package, shared helpers in ``helpers.py``."""
