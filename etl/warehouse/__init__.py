"""The PostgreSQL warehouse: the one connection, the embedded server, migrations, and bulk loads.

In: a URL (configured server or the embedded default), the SQL of ``sql/migrations``, parsed observations.
Out: an engine every other package uses, a schema at the newest migration, observations with every vintage kept.
"""
