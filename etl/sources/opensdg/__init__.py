"""The national SDG reporting platform: an Open SDG data repository (``data/indicator_<id>.csv``)."""
