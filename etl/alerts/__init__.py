"""Notifications to the people responsible (e-mail for now); never a reason for a load to fail."""
