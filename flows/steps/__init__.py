"""Pure pipeline steps: Polars frames (and plain values) in, new frames out.

Nothing in this package imports Prefect or touches the disk or the network;
flows/tasks.py does the I/O and flows/pipeline.py wires the steps together.
"""
