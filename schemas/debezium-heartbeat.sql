-- Written by Debezium's heartbeat.action.query (connect-config/prefect-connector.json) every
-- heartbeat.interval.ms. Prefect's captured tables are quiet while flow_run/task_run/log churn the
-- WAL; this table is in the publication, so the slot's confirmed LSN keeps advancing and PostgreSQL
-- can recycle WAL. Not Prefect's: load it after prefect-postgres.sql, as the connector's user.
CREATE TABLE IF NOT EXISTS prefect_cdc_heartbeat (
    id INTEGER PRIMARY KEY,
    ts TIMESTAMP WITH TIME ZONE
);
