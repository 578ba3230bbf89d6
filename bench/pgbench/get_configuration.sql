-- The statements the storage service runs for GetConfiguration on
-- PostgreSQL (storage_service/sql/postgres/postgres_database.cc
-- RunInTransaction, storage_service/sql/keyed_table.h Find).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT key, value, category, description, is_sensitive, created_at, updated_at, etag FROM configurations WHERE key = 'bench_config';
COMMIT;
