"""The PostgreSQL warehouse: connection, embedded server, migrations, loads."""
