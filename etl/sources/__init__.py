"""Clients and parsers of official statistics sources; each turns responses into observations."""
