"""Indicator values (facts) computed from mapped series."""
