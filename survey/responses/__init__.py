"""Validating and storing questionnaire responses."""
