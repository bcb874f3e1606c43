"""The large-case benchmark: ``python -m bench`` (see docs/performance.md).

Kept empty of imports: probe subprocesses import this package before they start their clocks.
"""
