-- The warehouse lives beside Airflow's metadata database on the same server, in its own database.
CREATE DATABASE sdg OWNER airflow;
