# The pipeline on the official Airflow image: the runtime lock only (tests and tools are in
# requirements-dev.lock), this project in editable mode, and every folder the commands read.
FROM apache/airflow:3.3.2-python3.11

# Named volumes take the owner of the folder they are first mounted on: create the data folder
# (snapshots, reports, the files inbox) and the logs folder for the airflow user.
USER root
# Chromium prints the working body's overview to PDF (etl/reports/overview_issue.py).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /opt/sdg/var /opt/airflow/logs \
    && chown airflow:root /opt/sdg /opt/sdg/var /opt/airflow/logs \
    && chmod 775 /opt/sdg/var /opt/airflow/logs
USER airflow

COPY --chown=airflow:root requirements.lock /opt/sdg/
RUN pip install --no-cache-dir -r /opt/sdg/requirements.lock

# etl is installed editable: etl.config.PROJECT_ROOT is /opt/sdg, where the folders below live.
COPY --chown=airflow:root pyproject.toml README.md /opt/sdg/
COPY --chown=airflow:root etl /opt/sdg/etl
RUN pip install --no-cache-dir --no-deps -e /opt/sdg
COPY --chown=airflow:root catalogue /opt/sdg/catalogue
COPY --chown=airflow:root expectations /opt/sdg/expectations
COPY --chown=airflow:root sql /opt/sdg/sql
COPY --chown=airflow:root templates /opt/sdg/templates
COPY --chown=airflow:root samples /opt/sdg/samples
COPY --chown=airflow:root docker/auth_passwords.py docker/check_secrets.py /opt/sdg/docker/
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins

ENV SDG_DATA_DIR=/opt/sdg/var
