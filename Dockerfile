# The pipeline on the official Airflow image: locked dependencies, then this project.
FROM apache/airflow:3.3.2-python3.11
USER airflow
COPY --chown=airflow:root requirements.lock pyproject.toml README.md /opt/sdg/
COPY --chown=airflow:root etl /opt/sdg/etl
RUN pip install --no-cache-dir -r /opt/sdg/requirements.lock && pip install --no-cache-dir --no-deps -e /opt/sdg
COPY --chown=airflow:root catalogue /opt/sdg/catalogue
COPY --chown=airflow:root sql /opt/sdg/sql
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins
