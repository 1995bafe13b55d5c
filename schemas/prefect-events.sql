-- Prefect's event storage: the `events` and `event_resources` tables as Prefect's alembic migrations leave them on
-- PostgreSQL (Prefect main), which `parity` reads. Not captured by the connector; Prefect's server writes them.
--   15768c2ec702 (2.17.0)  both tables and their first indexes
--   7a73514ca2d6 (3.3.4)   GIN indexes on events.related and events.related_resource_ids instead of the B-tree ones,
--                          ix_events__event_occurred
--   bad1e352c597, 50737cdaee36 (after 3.7.4)  ix_event_resources__occurred, ix_event_resources__event_id
-- Column order is Prefect's. `resource`, `related_resource_ids`, `related` and `payload` are JSONB (Prefect's JSON
-- decorator); event_resources.resource is plain JSON. Prefect's event persister writes each received event with
-- INSERT … ON CONFLICT DO NOTHING (its id is the key: a repeated id is dropped), `recorded` = the time of the insert,
-- then one event_resources row for the resource (role '') and one per related resource, each label map without
-- prefect.resource.id and prefect.resource.role. Events are deleted after 7 days (PREFECT_EVENTS_RETENTION_PERIOD).

CREATE TABLE event_resources (
    occurred      TIMESTAMP WITH TIME ZONE NOT NULL,
    resource_id   TEXT                     NOT NULL,
    resource_role TEXT                     NOT NULL,
    resource      JSON                     NOT NULL,
    event_id      UUID                     NOT NULL,
    id            UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_event_resources PRIMARY KEY (id)
);
CREATE INDEX ix_event_resources__resource_id__occurred ON event_resources (resource_id, occurred);
CREATE INDEX ix_event_resources__updated ON event_resources (updated);
CREATE INDEX ix_event_resources__occurred ON event_resources (occurred);
CREATE INDEX ix_event_resources__event_id ON event_resources (event_id);

CREATE TABLE events (
    occurred             TIMESTAMP WITH TIME ZONE NOT NULL,
    event                TEXT                     NOT NULL,
    resource_id          TEXT                     NOT NULL,
    resource             JSONB                    NOT NULL,
    related_resource_ids JSONB                    NOT NULL DEFAULT '[]',
    related              JSONB                    NOT NULL DEFAULT '[]',
    payload              JSONB                    NOT NULL,
    received             TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded             TIMESTAMP WITH TIME ZONE NOT NULL,
    follows              UUID,
    id                   UUID                     NOT NULL DEFAULT gen_random_uuid(),
    created              TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated              TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_events PRIMARY KEY (id)
);
CREATE INDEX ix_events__event__id ON events (event, id);
CREATE INDEX ix_events__event_occurred_id ON events (event, occurred, id);
CREATE INDEX ix_events__event_resource_id_occurred ON events (event, resource_id, occurred);
CREATE INDEX ix_events__occurred ON events (occurred);
CREATE INDEX ix_events__occurred_id ON events (occurred, id);
CREATE INDEX ix_events__updated ON events (updated);
CREATE INDEX ix_events__related_gin ON events USING gin (related);
CREATE INDEX ix_events__event_occurred ON events (event, occurred);
CREATE INDEX ix_events__related_resource_ids_gin ON events USING gin (related_resource_ids);
