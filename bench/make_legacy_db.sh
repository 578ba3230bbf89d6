#!/usr/bin/env bash
# make_legacy_db.sh -- a legacy OpsBrain SQLite file of benchmark size, in
# the shape the old Python app left it (the legacy schema applied verbatim,
# values in the app's formats), for the import benchmark of bench/README.md.
#
# Usage: bench/make_legacy_db.sh OUT.db [METRICS_ROWS]
#
# METRICS_ROWS (default 1000000) performance_metrics rows; the other tables
# at the sizes of a few years of one agency's use:
#   configurations 64 (the 8 seeds + 56), app_settings 20 (5 seeds + 15),
#   business_goals 200, user_preferences 3000 (500 users x 6),
#   thread_contexts 20000 (half still live when generated), config_audit
#   20000.
# Times are relative to the wall clock at generation (thread expiry is), so
# a file is meant for one benchmark run. Deterministic otherwise.
# Needs the sqlite3 CLI; reads the verbatim legacy schema from
# tests/migrator/testdata/original_schema.sql.
set -euo pipefail

readonly HERE="$(cd "$(dirname "$0")" && pwd)"
readonly SCHEMA="${HERE}/../tests/migrator/testdata/original_schema.sql"
readonly OUT="${1:?usage: make_legacy_db.sh OUT.db [METRICS_ROWS]}"
readonly METRICS="${2:-1000000}"

[[ "${METRICS}" =~ ^[0-9]+$ ]] || {
  echo "make_legacy_db.sh: METRICS_ROWS must be a whole number" >&2
  exit 2
}
[[ -r "${SCHEMA}" ]] || {
  echo "make_legacy_db.sh: legacy schema ${SCHEMA} is missing" >&2
  exit 2
}
command -v sqlite3 >/dev/null || {
  echo "make_legacy_db.sh: the sqlite3 CLI is missing (scripts/setup.sh)" >&2
  exit 2
}

rm -f "${OUT}" "${OUT}-journal" "${OUT}-wal" "${OUT}-shm"
sqlite3 "${OUT}" ".read '${SCHEMA}'"

# One transaction; every row derives from its number n by integer
# arithmetic, so the file depends only on METRICS_ROWS and the clock.
sqlite3 -bail "${OUT}" <<SQL
BEGIN;

-- Configurations: 56 more beside the 8 seeds, 8 of them sensitive.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 56)
INSERT INTO configurations
  (key, value, category, description, is_sensitive, created_at, updated_at)
SELECT printf('setting_%02d', i),
       CASE WHEN i % 7 = 0 THEN printf('sk-FAKE-%032d', i)
            WHEN i % 3 = 0 THEN 'true'
            ELSE printf('%d', i * 10) END,
       CASE i % 8 WHEN 0 THEN 'general' WHEN 1 THEN 'api' WHEN 2 THEN 'slack'
            WHEN 3 THEN 'notion' WHEN 4 THEN 'openai' WHEN 5 THEN 'trello'
            WHEN 6 THEN 'dashboard' ELSE 'features' END,
       printf('Benchmark setting %d', i),
       CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END,
       datetime('now', printf('-%d days', 400 - i)),
       datetime('now', printf('-%d days', 200 - i))
FROM n;

-- App settings: 15 more beside the 5 seeds, of each type.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 15)
INSERT INTO app_settings
  (setting_key, setting_value, setting_type, description, created_at,
   updated_at)
SELECT printf('flag_%02d', i),
       CASE i % 4 WHEN 0 THEN 'true' WHEN 1 THEN printf('%d', i)
            WHEN 2 THEN printf('{"rollout": %d, "channels": ["C%02d"]}', i, i)
            ELSE printf('value %d', i) END,
       CASE i % 4 WHEN 0 THEN 'boolean' WHEN 1 THEN 'integer'
            WHEN 2 THEN 'json' ELSE 'string' END,
       '',
       datetime('now', printf('-%d days', 300 - i)),
       datetime('now', printf('-%d days', 100 - i))
FROM n;

-- Business goals: 200, areas in the legacy upper case half the time.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO business_goals
  (id, title, description, area, status, priority, target_date, progress,
   weekly_actions, daily_actions, success_metrics, notes, created_at,
   updated_at)
SELECT printf('goal_%03d', i),
       printf('Goal number %d', i),
       printf('What goal %d is about, in a sentence or two.', i),
       CASE i % 6 WHEN 0 THEN 'SALES' WHEN 1 THEN 'delivery'
            WHEN 2 THEN 'PRODUCT' WHEN 3 THEN 'financial' WHEN 4 THEN 'team'
            ELSE 'process' END,
       CASE i % 5 WHEN 0 THEN 'not_started' WHEN 1 THEN 'in_progress'
            WHEN 2 THEN 'completed' WHEN 3 THEN 'blocked' ELSE 'deferred' END,
       1 + i % 4,
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE date('2026-01-01', printf('+%d days', i)) END,
       i % 101,
       printf('["Call %d leads", "Send %d proposals"]', i % 10, i % 3),
       '["Check the pipeline"]',
       printf('{"deals_closed": %d, "revenue": "\$%d000"}', i % 9, i),
       printf('Notes on goal %d', i),
       datetime('now', printf('-%d hours', 5000 - i)),
       datetime('now', printf('-%d hours', 2000 - i))
FROM n;

-- User preferences: 500 users with 6 preferences each.
WITH RECURSIVE u(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM u WHERE i < 500),
     k(name, n) AS (VALUES ('timezone', 0), ('response_style', 1),
                           ('default_channel', 2), ('daily_digest', 3),
                           ('digest_time', 4), ('language', 5))
INSERT INTO user_preferences
  (user_id, preference_key, preference_value, created_at, updated_at)
SELECT printf('U%08d', u.i), k.name,
       CASE k.n WHEN 0 THEN 'Europe/Paris' WHEN 1 THEN 'concise'
            WHEN 2 THEN printf('C%08d', u.i % 40) WHEN 3 THEN 'true'
            WHEN 4 THEN '08:30' ELSE 'en' END,
       datetime('now', printf('-%d minutes', 900000 - u.i * 7 - k.n)),
       datetime('now', printf('-%d minutes', 400000 - u.i * 7 - k.n))
FROM u, k ORDER BY u.i, k.n;

-- Thread contexts: 20000 conversations, one in four not in a thread;
-- even-numbered ones saved in the last 20 hours (live), odd ones days ago.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000),
     t(i, channel, ts, saved) AS (
       SELECT i, printf('C%08d', i % 40),
              CASE WHEN i % 4 = 0 THEN NULL
                   ELSE printf('%d.%06d', 1700000000 + i * 97, i % 1000000) END,
              CASE WHEN i % 2 = 0
                   THEN datetime('now', printf('-%d seconds', i * 3))
                   ELSE datetime('now', printf('-%d minutes', 2000 + i)) END
       FROM n)
INSERT INTO thread_contexts
  (thread_key, channel_id, thread_ts, messages, created_at, updated_at,
   expires_at)
SELECT CASE WHEN ts IS NULL THEN printf('%s-%d', channel, i)
            ELSE channel || ':' || ts END,
       CASE WHEN ts IS NULL THEN printf('%s-%d', channel, i) ELSE channel END,
       ts,
       CASE i % 5
         WHEN 0 THEN '["User: how are sales this week?"]'
         WHEN 1 THEN '["User: how are sales this week?", '
                     || '"OpsBrain: 3 deals closed, 2 in review"]'
         WHEN 2 THEN '["User: what should I work on today?", '
                     || '"OpsBrain: the Globex proposal, then invoices", '
                     || '"User: and after that?"]'
         WHEN 3 THEN '["User: remind me at 4", "OpsBrain: Done \u2705", '
                     || '"User: thanks", "OpsBrain: \ud83d\udc4d"]'
         ELSE '["User: weekly plan please", '
              || '"OpsBrain: Monday: *proposals*\nTuesday: calls", '
              || '"User: move calls to Wed", "OpsBrain: moved", '
              || '"User: \"great\""]'
       END,
       saved, saved, strftime('%Y-%m-%d %H:%M:%f', saved, '+1 day')
FROM t;

-- Audit rows: 20000 changes over two years.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO config_audit
  (table_name, record_id, action, old_values, new_values, changed_by,
   changed_at)
SELECT CASE i % 4 WHEN 0 THEN 'configurations' WHEN 1 THEN 'app_settings'
            WHEN 2 THEN 'business_goals' ELSE 'user_preferences' END,
       printf('record_%d', i % 300),
       CASE i % 3 WHEN 0 THEN 'INSERT' WHEN 1 THEN 'UPDATE' ELSE 'DELETE' END,
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE printf('{"value": "%d", "category": "general"}', i - 1) END,
       CASE WHEN i % 3 = 2 THEN NULL
            ELSE printf('{"value": "%d", "category": "general"}', i) END,
       CASE WHEN i % 5 = 0 THEN 'system' ELSE printf('U%08d', i % 500) END,
       datetime('now', printf('-%d minutes', 1051200 - i * 50))
FROM n;

-- Performance metrics: METRICS_ROWS rows, nine names as the app logged
-- them, the newest a few seconds old.
WITH RECURSIVE n(i) AS (
  SELECT 1 WHERE ${METRICS} > 0
  UNION ALL SELECT i + 1 FROM n WHERE i < ${METRICS})
INSERT INTO performance_metrics
  (metric_name, metric_value, metric_unit, timestamp, additional_data)
SELECT CASE i % 9 WHEN 0 THEN 'slack_response_time'
            WHEN 1 THEN 'slack_ack_time' WHEN 2 THEN 'notion_query_time'
            WHEN 3 THEN 'openai_response_time'
            WHEN 4 THEN 'thread_context_messages' WHEN 5 THEN 'memory_usage'
            WHEN 6 THEN 'cpu_usage' WHEN 7 THEN 'task_backlog_generated'
            ELSE 'health_check_latency' END,
       CASE WHEN i % 9 IN (4, 7) THEN (i % 40) * 1.0
            ELSE ((i * 7919) % 100000) / 1000.0 END,
       CASE i % 9 WHEN 1 THEN 'milliseconds' WHEN 4 THEN 'count'
            WHEN 5 THEN 'percentage' WHEN 6 THEN 'percentage'
            WHEN 7 THEN 'count' WHEN 8 THEN '' ELSE 'seconds' END,
       datetime('now', printf('-%d seconds', (${METRICS} - i) * 3 + 5)),
       CASE WHEN i % 3 = 0 THEN NULL
            WHEN i % 9 = 3
              THEN printf('{"model": "gpt-4o", "prompt_tokens": %d}',
                          300 + i % 700)
            ELSE printf('{"channel": "C%08d", "type": "event_callback"}',
                        i % 40) END
FROM n;

COMMIT;
SQL

echo "built ${OUT}: $(sqlite3 "${OUT}" "SELECT
  (SELECT count(*) FROM configurations) + (SELECT count(*) FROM app_settings)
  + (SELECT count(*) FROM business_goals)
  + (SELECT count(*) FROM user_preferences)
  + (SELECT count(*) FROM thread_contexts)
  + (SELECT count(*) FROM config_audit)
  + (SELECT count(*) FROM performance_metrics)") rows"
