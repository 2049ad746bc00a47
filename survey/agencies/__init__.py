"""Agencies, counters and periods: loading them from a province file and looking them up."""
