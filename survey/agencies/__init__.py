"""Agencies, counters and periods: loaded from a province file, looked up by code."""
