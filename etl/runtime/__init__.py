"""How work runs when things go wrong: which failures a retry can cure, SIGTERM as a clean stop, and the e-mail
that tells the people responsible (alerts; delivery sends its reports through it too)."""
