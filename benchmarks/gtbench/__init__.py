"""The machinery behind ``benchmarks/run.py``: data, systems, measurements, report.

Nothing here is part of greentag; the package lives next to the benchmark
script so that the script runs from a checkout without being installed.
"""
