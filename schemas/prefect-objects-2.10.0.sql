-- Prefect 2.10.0: work_pool, work_queue and deployment as Prefect's alembic migrations leave them at this release
-- (head revision 15f5083c16bd; ../shared/spec/prefect-object-events.md §6.2): the oldest tables of these three
-- that the app accepts (§6.3). They need `flow` and `block_document`: append this to the DDL of the other tables
-- at the same release (schemas/prefect-postgres-2.10.0.sql), or, as ObjectEventsIT does, apply it in place of
-- the current three in a database made from schemas/prefect-postgres.sql.
-- Differences from the current tables (prefect-postgres.sql):
--   * no enum types and no `status` columns (7ae9e431e67a, 2.18.1); no work_pool.last_transitioned_status_at
--     and last_status_event_id (8905262ec07f, 2.18.2) nor work_pool.storage_configuration (b5f5644500d2, 3.2.14):
--     the app reads a missing storage configuration as the all-null model;
--   * deployment still has schedule, is_schedule_active, flow_data and manifest_path (dropped by 5d03c01be85e,
--     3.1.6), and lacks enforce_parameter_schema (db0eb3973a54, 2.13.2; read as its default, false),
--     last_polled (2.13.8), paused (8cf4d4933848, 2.16.0; is_schedule_active was its inverse: not mapped),
--     status (2.18.1), concurrency_limit (3.0.0), concurrency_options and concurrency_limit_id (3.0.3; read as
--     NULL), labels (68a44144428d, 3.1.5; read as NULL) and version_id (3.2.15).

CREATE TABLE work_pool (
    id                UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name              VARCHAR                  NOT NULL,
    description       VARCHAR,
    type              VARCHAR                  NOT NULL,
    base_job_template JSONB                    NOT NULL DEFAULT '{}',
    is_paused         BOOLEAN                  NOT NULL DEFAULT false,
    concurrency_limit INTEGER,
    default_queue_id  UUID,
    CONSTRAINT pk_work_pool PRIMARY KEY (id),
    CONSTRAINT uq_work_pool__name UNIQUE (name)
);
CREATE INDEX ix_work_pool__type ON work_pool (type);
CREATE INDEX ix_work_pool__updated ON work_pool (updated);

CREATE TABLE work_queue (
    id                UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name              VARCHAR                  NOT NULL,
    filter            JSONB,
    description       VARCHAR                  NOT NULL DEFAULT '',
    is_paused         BOOLEAN                  NOT NULL DEFAULT false,
    concurrency_limit INTEGER,
    last_polled       TIMESTAMP WITH TIME ZONE,
    priority          INTEGER                  NOT NULL DEFAULT 1,
    work_pool_id      UUID                     NOT NULL,
    CONSTRAINT pk_work_queue PRIMARY KEY (id),
    CONSTRAINT uq_work_queue__work_pool_id_name UNIQUE (work_pool_id, name),
    CONSTRAINT fk_work_queue__work_pool_id__work_pool
        FOREIGN KEY (work_pool_id) REFERENCES work_pool (id) ON DELETE CASCADE
);
CREATE INDEX ix_work_queue__updated ON work_queue (updated);
CREATE INDEX ix_work_queue__work_pool_id ON work_queue (work_pool_id);
CREATE INDEX ix_work_queue__work_pool_id_priority ON work_queue (work_pool_id, priority);

ALTER TABLE work_pool ADD CONSTRAINT fk_work_pool__default_queue_id__work_queue
    FOREIGN KEY (default_queue_id) REFERENCES work_queue (id) ON DELETE RESTRICT;

CREATE TABLE deployment (
    id                         UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created                    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                       VARCHAR                  NOT NULL,
    schedule                   JSONB,
    is_schedule_active         BOOLEAN                  NOT NULL DEFAULT true,
    tags                       JSONB                    NOT NULL DEFAULT '[]',
    parameters                 JSONB                    NOT NULL DEFAULT '{}',
    flow_data                  JSONB,
    flow_id                    UUID                     NOT NULL,
    infrastructure_document_id UUID,
    description                TEXT,
    manifest_path              VARCHAR,
    parameter_openapi_schema   JSONB,
    storage_document_id        UUID,
    version                    VARCHAR,
    infra_overrides            JSONB                    NOT NULL DEFAULT '{}',
    path                       VARCHAR,
    entrypoint                 VARCHAR,
    work_queue_name            VARCHAR,
    created_by                 JSONB,
    updated_by                 JSONB,
    work_queue_id              UUID,
    pull_steps                 JSONB,
    CONSTRAINT pk_deployment PRIMARY KEY (id),
    CONSTRAINT fk_deployment__flow_id__flow
        FOREIGN KEY (flow_id) REFERENCES flow (id) ON DELETE CASCADE,
    CONSTRAINT fk_deployment__infrastructure_document_id__block_document
        FOREIGN KEY (infrastructure_document_id) REFERENCES block_document (id) ON DELETE CASCADE,
    CONSTRAINT fk_deployment__storage_document_id__block_document
        FOREIGN KEY (storage_document_id) REFERENCES block_document (id) ON DELETE CASCADE,
    CONSTRAINT fk_deployment__work_queue_id__work_queue
        FOREIGN KEY (work_queue_id) REFERENCES work_queue (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX uq_deployment__flow_id_name ON deployment (flow_id, name);
CREATE INDEX ix_deployment__flow_id ON deployment (flow_id);
CREATE INDEX ix_deployment__updated ON deployment (updated);
CREATE INDEX ix_deployment__work_queue_id ON deployment (work_queue_id);
CREATE INDEX ix_deployment__work_queue_name ON deployment (work_queue_name);
