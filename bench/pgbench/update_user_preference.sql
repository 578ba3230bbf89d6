-- The statements the storage service runs for UpdateUserPreference (an
-- upsert of a stored preference) on PostgreSQL: a read-modify-write
-- transaction with its audit row (storage_service/sql/sql_repository.cc
-- Write and Audit, keyed_table.h). Preferences bench_user_1..1000 'theme'
-- are seeded, as grpc_load --keys=1000 draws them.
\set u random(1, 1000)
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
SELECT user_id, preference_key, preference_value, created_at, updated_at, etag FROM user_preferences WHERE user_id = 'bench_user_' || :u AND preference_key = 'theme' FOR UPDATE;
UPDATE user_preferences SET user_id = 'bench_user_' || :u, preference_key = 'theme', preference_value = 'dark-' || :u, created_at = created_at, updated_at = now(), etag = 'e' || :u WHERE user_id = 'bench_user_' || :u AND preference_key = 'theme';
INSERT INTO config_audit (table_name, record_id, action, old_values, new_values, changed_by, changed_at) VALUES ('user_preferences', 'bench_user_' || :u || '/theme', 'UPDATE', '{"preference_value":"dark"}', '{"preference_value":"dark-1"}', 'bench-writer', now());
COMMIT;
