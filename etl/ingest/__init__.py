"""Ingestion jobs: fetch, snapshot, parse and load one declared series at a time."""
