-- Migration 2: the current shape (PostgreSQL).
--
-- Times become timestamptz (the legacy columns held UTC without a zone);
-- metric values become double precision (DECIMAL(10,4) rejected values of
-- a million and more); length-limited text becomes text, since the API
-- states its own limits in bytes. Every mutable record gains an etag for
-- optimistic concurrency; rows that predate it get a random one. Goal areas
-- and statuses fold to the lower case the API stores.

ALTER TABLE configurations
    ALTER COLUMN key TYPE TEXT,
    ALTER COLUMN category TYPE TEXT,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING updated_at AT TIME ZONE 'UTC',
    ADD COLUMN etag TEXT NOT NULL DEFAULT '';

ALTER TABLE thread_contexts
    ALTER COLUMN thread_key TYPE TEXT,
    ALTER COLUMN channel_id TYPE TEXT,
    ALTER COLUMN thread_ts TYPE TEXT,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING expires_at AT TIME ZONE 'UTC',
    ADD COLUMN etag TEXT NOT NULL DEFAULT '';

ALTER TABLE business_goals
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN title TYPE TEXT,
    ALTER COLUMN area TYPE TEXT,
    ALTER COLUMN status TYPE TEXT,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING updated_at AT TIME ZONE 'UTC',
    ADD COLUMN etag TEXT NOT NULL DEFAULT '';

ALTER TABLE app_settings
    ALTER COLUMN setting_key TYPE TEXT,
    ALTER COLUMN setting_type TYPE TEXT,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING updated_at AT TIME ZONE 'UTC',
    ADD COLUMN etag TEXT NOT NULL DEFAULT '';

ALTER TABLE user_preferences
    ALTER COLUMN user_id TYPE TEXT,
    ALTER COLUMN preference_key TYPE TEXT,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE TIMESTAMPTZ USING updated_at AT TIME ZONE 'UTC',
    ADD COLUMN etag TEXT NOT NULL DEFAULT '';

ALTER TABLE config_audit
    ALTER COLUMN table_name TYPE TEXT,
    ALTER COLUMN record_id TYPE TEXT,
    ALTER COLUMN action TYPE TEXT,
    ALTER COLUMN changed_by TYPE TEXT,
    ALTER COLUMN changed_at TYPE TIMESTAMPTZ USING changed_at AT TIME ZONE 'UTC';

ALTER TABLE performance_metrics
    ALTER COLUMN metric_name TYPE TEXT,
    ALTER COLUMN metric_value TYPE DOUBLE PRECISION,
    ALTER COLUMN metric_unit TYPE TEXT,
    ALTER COLUMN "timestamp" TYPE TIMESTAMPTZ
        USING "timestamp" AT TIME ZONE 'UTC';

UPDATE configurations SET etag = substr(md5(random()::text || id::text), 1, 16);
UPDATE thread_contexts SET etag = substr(md5(random()::text || id::text), 1, 16);
UPDATE business_goals SET etag = substr(md5(random()::text || id), 1, 16),
    area = lower(area), status = lower(status);
UPDATE app_settings SET etag = substr(md5(random()::text || id::text), 1, 16);
UPDATE user_preferences SET etag = substr(md5(random()::text || id::text), 1, 16);

CREATE INDEX idx_performance_metrics_name_time
    ON performance_metrics(metric_name, "timestamp");
CREATE INDEX idx_thread_contexts_channel_updated
    ON thread_contexts(channel_id, updated_at);
CREATE INDEX idx_business_goals_order
    ON business_goals(priority, created_at);
