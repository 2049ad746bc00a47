"""Satisfaction indices, their intervals, comparisons and rankings.

Nothing here imports Flask, so the package works in a notebook or a batch job.
``aggregate`` is the only module that reads the database; every other module
turns the counts it returns into results with plain arithmetic.
"""
