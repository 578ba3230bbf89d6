-- Migration 2: the current shape (SQLite).
--
-- Every mutable record gains an etag for optimistic concurrency; rows that
-- predate it get a random one. Goal areas and statuses fold to the lower
-- case the API stores. Metric queries by name and time get an index that
-- serves both the filter and the newest-first order.

ALTER TABLE configurations ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE thread_contexts ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE business_goals ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE app_settings ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE user_preferences ADD COLUMN etag TEXT NOT NULL DEFAULT '';

UPDATE configurations SET etag = lower(hex(randomblob(8)));
UPDATE thread_contexts SET etag = lower(hex(randomblob(8)));
UPDATE business_goals SET etag = lower(hex(randomblob(8))),
    area = lower(area), status = lower(status);
UPDATE app_settings SET etag = lower(hex(randomblob(8)));
UPDATE user_preferences SET etag = lower(hex(randomblob(8)));

CREATE INDEX idx_performance_metrics_name_time
    ON performance_metrics(metric_name, timestamp);
CREATE INDEX idx_thread_contexts_channel_updated
    ON thread_contexts(channel_id, updated_at);
CREATE INDEX idx_business_goals_order
    ON business_goals(priority, created_at);
