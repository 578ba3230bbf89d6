-- Migration 3: ids the store assigns start above every legacy id
-- (PostgreSQL).
--
-- Audit entries and metrics imported from a legacy file keep their legacy
-- ids, which is how a second import recognises them. Ids the store gave its
-- own rows from 1 up collided with those: a legacy row whose id the store
-- had used was taken for present, its content differed, and the import
-- could never complete. The legacy schema's SERIAL ids are below 2^31, so
-- the ids become 64-bit and the store's own start at 2^31.

ALTER TABLE config_audit ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE config_audit_id_seq AS BIGINT;
SELECT setval('config_audit_id_seq',
              GREATEST(2147483647, (SELECT COALESCE(MAX(id), 0)
                                    FROM config_audit)));

ALTER TABLE performance_metrics ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE performance_metrics_id_seq AS BIGINT;
SELECT setval('performance_metrics_id_seq',
              GREATEST(2147483647, (SELECT COALESCE(MAX(id), 0)
                                    FROM performance_metrics)));
