-- Alerts are sent after the transaction that records them commits (etl/quality/notify.py): an alert is queued
-- with its body (sent NULL) in the same transaction as the quarantine or failed run it reports, and sent once that
-- transaction has committed. A rolled-back load thus never e-mails about a quarantine that does not exist.
ALTER TABLE sdg.quality_alert ADD COLUMN body text;
ALTER TABLE sdg.quality_alert ALTER COLUMN sent DROP NOT NULL;
ALTER TABLE sdg.quality_alert ADD COLUMN sent_at timestamptz;
CREATE INDEX quality_alert_queued ON sdg.quality_alert (alert_id) WHERE sent IS NULL;
COMMENT ON COLUMN sdg.quality_alert.sent IS
    'NULL while queued (the recording transaction may not have committed yet); then whether the e-mail went out.';
