"""Taldau, the Bureau of National Statistics API (taldau.stat.gov.kz)."""
