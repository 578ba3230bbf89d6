-- Migration 3: ids the store assigns start above every legacy id (SQLite).
--
-- Audit entries and metrics imported from a legacy file keep their legacy
-- ids, which is how a second import recognises them. Ids the store gave its
-- own rows from 1 up collided with those: a legacy row whose id the store
-- had used was taken for present, its content differed, and the import
-- could never complete. The store's own ids now start at 2^31, above the
-- ids of the legacy app's tables (AUTOINCREMENT from 1; its PostgreSQL
-- schema's SERIAL stops below 2^31). SQLite's ids are 64-bit already.

UPDATE sqlite_sequence SET seq = MAX(seq, 2147483647)
    WHERE name IN ('config_audit', 'performance_metrics');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'config_audit', 2147483647
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence
                      WHERE name = 'config_audit');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'performance_metrics', 2147483647
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence
                      WHERE name = 'performance_metrics');
