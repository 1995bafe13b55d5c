-- Prefect 2.10.0: the tables of schemas/prefect-postgres.sql as Prefect's alembic migrations leave them at
-- this release (head revision 15f5083c16bd; research: ../shared/research/prefect-schema-history.md).
-- Differences from prefect-postgres.sql (HEAD):
--   * variable.value is VARCHAR NOT NULL and sits before `tags` (94622c1663e8, 3.0.0, re-adds it as JSONB last);
--   * flow has no `labels` (68a44144428d, 3.1.5);
--   * block_document has no `block_type_name` nor its two name indexes (cef24af2ec34, 2.14.3; 9c493c02ca6d);
--   * no concurrency_limit_v2 table (5f623ddbf7fe, 2.11.3);
--   * artifact_collection.latest_id is nullable and has no `updated` index (5d03c01be85e, 3.1.6);
--   * no automation table (aeea5ee6f070, 2.16.9);
--   * block_document_reference has no self-reference check (7218aad17905, 3.7.0).
-- Everything else, comments included, is as in prefect-postgres.sql.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE variable (
    id      UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name    VARCHAR                  NOT NULL,
    value   VARCHAR                  NOT NULL,
    tags    JSONB                    NOT NULL DEFAULT '[]',
    CONSTRAINT pk_variable PRIMARY KEY (id),
    CONSTRAINT uq_variable__name UNIQUE (name)
);
CREATE INDEX ix_variable__updated ON variable (updated);

CREATE TABLE flow (
    id      UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name    VARCHAR                  NOT NULL,
    tags    JSONB                    NOT NULL DEFAULT '[]',
    CONSTRAINT pk_flow PRIMARY KEY (id),
    CONSTRAINT uq_flow__name UNIQUE (name)
);
CREATE INDEX ix_flow__created ON flow (created);
CREATE INDEX ix_flow__updated ON flow (updated);
CREATE INDEX trgm_ix_flow_name ON flow USING gin (name gin_trgm_ops);

CREATE TABLE block_type (
    id                UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name              VARCHAR                  NOT NULL,
    logo_url          VARCHAR,
    documentation_url VARCHAR,
    description       VARCHAR,
    code_example      VARCHAR,
    is_protected      BOOLEAN                  NOT NULL DEFAULT '0',
    slug              VARCHAR                  NOT NULL,
    CONSTRAINT pk_block_type PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_block_type__slug ON block_type (slug);
CREATE INDEX ix_block_type__updated ON block_type (updated);
CREATE INDEX trgm_ix_block_type_name ON block_type USING gin (name gin_trgm_ops);

CREATE TABLE block_schema (
    id            UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    fields        JSONB                    NOT NULL DEFAULT '{}',
    checksum      VARCHAR                  NOT NULL,
    block_type_id UUID                     NOT NULL,
    capabilities  JSONB                    NOT NULL DEFAULT '[]',
    version       VARCHAR                  NOT NULL DEFAULT 'non-versioned',
    CONSTRAINT pk_block_schema PRIMARY KEY (id),
    CONSTRAINT fk_block_schema__block_type_id__block_type
        FOREIGN KEY (block_type_id) REFERENCES block_type (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_block_schema__checksum_version ON block_schema (checksum, version);
CREATE INDEX ix_block_schema__block_type_id ON block_schema (block_type_id);
CREATE INDEX ix_block_schema__created ON block_schema (created);
CREATE INDEX ix_block_schema__updated ON block_schema (updated);
CREATE INDEX ix_block_schema__capabilities ON block_schema USING gin (capabilities);

-- data: a JSONB *string* holding the Fernet token of the document's JSON (spec §5.1).
CREATE TABLE block_document (
    id              UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name            VARCHAR                  NOT NULL,
    data            JSONB                    NOT NULL DEFAULT '{}',
    block_schema_id UUID                     NOT NULL,
    block_type_id   UUID                     NOT NULL,
    is_anonymous    BOOLEAN                  NOT NULL DEFAULT '0',
    CONSTRAINT pk_block_document PRIMARY KEY (id),
    -- legacy name from when the table was called `block`
    CONSTRAINT fk_block__block_schema_id__block_schema
        FOREIGN KEY (block_schema_id) REFERENCES block_schema (id) ON DELETE CASCADE,
    CONSTRAINT fk_block_document__block_type_id__block_type
        FOREIGN KEY (block_type_id) REFERENCES block_type (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_block__type_id_name ON block_document (block_type_id, name);
CREATE INDEX ix_block_document__name ON block_document (name);
CREATE INDEX ix_block_document__is_anonymous ON block_document (is_anonymous);
CREATE INDEX ix_block_document__updated ON block_document (updated);

-- Not captured: references are spliced into the parent's data as dicts and never reach a payload.
CREATE TABLE block_document_reference (
    id                          UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created                     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                        VARCHAR                  NOT NULL,
    parent_block_document_id    UUID                     NOT NULL,
    reference_block_document_id UUID                     NOT NULL,
    CONSTRAINT pk_block_document_reference PRIMARY KEY (id),
    CONSTRAINT fk_block_document_reference__parent_block_document_id
        FOREIGN KEY (parent_block_document_id) REFERENCES block_document (id) ON DELETE CASCADE,
    CONSTRAINT fk_block_document_reference__reference_block_document_id
        FOREIGN KEY (reference_block_document_id) REFERENCES block_document (id) ON DELETE CASCADE
);
CREATE INDEX ix_block_document_reference__updated ON block_document_reference (updated);

CREATE TABLE block_schema_reference (
    id                        UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created                   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated                   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    name                      VARCHAR                  NOT NULL,
    parent_block_schema_id    UUID                     NOT NULL,
    reference_block_schema_id UUID                     NOT NULL,
    CONSTRAINT pk_block_schema_reference PRIMARY KEY (id),
    CONSTRAINT fk_block_schema_reference__parent_block_schema_id
        FOREIGN KEY (parent_block_schema_id) REFERENCES block_schema (id) ON DELETE CASCADE,
    CONSTRAINT fk_block_schema_reference__reference_block_schema_id
        FOREIGN KEY (reference_block_schema_id) REFERENCES block_schema (id) ON DELETE CASCADE
);
CREATE INDEX ix_block_schema_reference__updated ON block_schema_reference (updated);

-- v1, legacy: written by the v1 API (migration 9e83011d1f2a, 3.4.19, moves its rows to v2).
CREATE TABLE concurrency_limit (
    id                UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    tag               VARCHAR                  NOT NULL,
    concurrency_limit INTEGER                  NOT NULL,
    active_slots      JSONB                    NOT NULL DEFAULT '[]',
    CONSTRAINT pk_concurrency_limit PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_concurrency_limit__tag ON concurrency_limit (tag);
CREATE INDEX ix_concurrency_limit__updated ON concurrency_limit (updated);

-- Not captured: each insert also upserts artifact_collection (same transaction), which is.
CREATE TABLE artifact (
    id          UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    key         VARCHAR,
    type        VARCHAR,
    data        JSON,
    metadata_   JSON,
    task_run_id UUID,
    flow_run_id UUID,
    description VARCHAR,
    CONSTRAINT pk_artifact PRIMARY KEY (id)
);
CREATE INDEX ix_artifact__key ON artifact (key);
CREATE INDEX ix_artifact__key_created_desc ON artifact (key, created DESC)
    INCLUDE (id, updated, type, task_run_id, flow_run_id);
CREATE INDEX ix_artifact__flow_run_id ON artifact (flow_run_id);
CREATE INDEX ix_artifact__task_run_id ON artifact (task_run_id);
CREATE INDEX ix_artifact__updated ON artifact (updated);

CREATE TABLE artifact_collection (
    id          UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    key         VARCHAR                  NOT NULL,
    latest_id   UUID,
    task_run_id UUID,
    flow_run_id UUID,
    type        VARCHAR,
    data        JSON,
    description VARCHAR,
    metadata_   JSON,
    CONSTRAINT pk_artifact_collection PRIMARY KEY (id),
    CONSTRAINT uq_artifact_collection__key UNIQUE (key)
);
CREATE INDEX ix_artifact_collection__key_latest_id ON artifact_collection (key, latest_id);

-- Holds the Fernet key: key 'ENCRYPTION_KEY', value {"fernet_key": "<44-char urlsafe base64>"}.
CREATE TABLE configuration (
    id      UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    key     VARCHAR                  NOT NULL,
    value   JSONB                    NOT NULL,
    CONSTRAINT pk_configuration PRIMARY KEY (id),
    CONSTRAINT uq_configuration__key UNIQUE (key)
);
CREATE INDEX ix_configuration__key ON configuration (key);
CREATE INDEX ix_configuration__updated ON configuration (updated);

-- ==== Deployments, work pools and work queues (issue 14) ====================================================
-- work_pool, work_queue and deployment as Prefect's migrations leave them at this release
-- (../shared/spec/prefect-object-events.md §6.2; the current tables are in prefect-postgres.sql). Columns, types,
-- nullability, defaults, keys and foreign keys follow the migrations; secondary indexes are a subset.
-- At 2.10.0 (head 15f5083c16bd): no enum types and no status columns (7ae9e431e67a, 2.18.1); no
-- work_pool.last_transitioned_status_at / last_status_event_id (8905262ec07f, 2.18.2) nor storage_configuration
-- (b5f5644500d2, 3.2.14); deployment still has schedule, is_schedule_active, flow_data and manifest_path (dropped by
-- 5d03c01be85e, 3.1.6) and lacks enforce_parameter_schema (db0eb3973a54, 2.13.2), last_polled (2.13.8), paused
-- (8cf4d4933848, 2.16.0), status (2.18.1), concurrency_limit (3.0.0), concurrency_options and concurrency_limit_id
-- (3.0.3), labels (68a44144428d, 3.1.5) and version_id (3.2.15).
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
-- ==== end of deployments, work pools and work queues ==========================================================

-- Alembic's version table: one row, the head revision. Prefect runs each migration in a transaction of its own
-- that ends by updating it (transaction_per_migration); what a migration runs inside autocommit_block() commits
-- on its own, without it.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('15f5083c16bd');
