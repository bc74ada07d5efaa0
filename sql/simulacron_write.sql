--
-- Writes against errors a real node gives only by chance (DataStax
-- Simulacron, as in the simulacron suite): a write timeout, a lightweight
-- transaction that did not apply, and which writes are sent again.  Writes
-- with a client-side timestamp are idempotent and go on to the next node
-- after a write timeout; counter increments and IF NOT EXISTS are not, and
-- are never sent twice.  Run by test/run_tests.sh after
-- `test/env/env.sh up-sim`; not part of the default suites.
--
\getenv sim_hosts CQL_SIM_HOSTS
\getenv sim_port CQL_SIM_PORT
\set VERBOSITY default
\set QUIET off
CREATE SERVER sim FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'sim_hosts', port :'sim_port', connect_timeout '2000',
           request_timeout '5000', inflight_writes '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim;
CREATE FOREIGN TABLE w (id int, v text) SERVER sim OPTIONS (keyspace 'sim', table 'w');

-- the table's key (system_schema.columns), primed on the whole cluster
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null

-- a PREPARE answered with no prepared statement (a real node never does):
-- an error, nothing sent
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)' --params id:int,v:varchar --result void >/dev/null
INSERT INTO w VALUES (1, 'one');
\! test/env/sim.py log --type EXECUTE --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)'

-- an INSERT the cluster takes: one EXECUTE per row, round robin
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)' --params id:int,v:varchar >/dev/null
INSERT INTO w VALUES (1, 'one'), (2, 'two'), (3, 'three');
\! test/env/sim.py log --sorted --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)'

-- a write timeout on node 0: an INSERT carries its timestamp, so it is
-- the same write again, and goes on to the next node; the three rows are
-- written, the one that went to node 0 first on its second attempt
\! test/env/sim.py clear --log-only >/dev/null
\! test/env/sim.py prime --node 0 --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)' --params id:int,v:varchar --result write_timeout --cl LOCAL_QUORUM --received 1 --block-for 2 >/dev/null
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO w VALUES (1, 'one'), (2, 'two'), (3, 'three');
\! test/env/sim.py log --sorted --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)'

-- a write timeout everywhere: the next node once, then the error, with the
-- rows Cassandra acknowledged before it
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)' --params id:int,v:varchar --result write_timeout --cl LOCAL_QUORUM --received 1 --block-for 2 >/dev/null
DO $$
DECLARE
  st text;
  msg text;
  det text;
  ctx text;
BEGIN
  INSERT INTO w VALUES (1, 'one'), (2, 'two');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
    det = PG_EXCEPTION_DETAIL, ctx = PG_EXCEPTION_CONTEXT;
  RAISE NOTICE 'ERROR %: %', st, msg;
  RAISE NOTICE '%', regexp_replace(det, '127\.0\.2\.[0-9]+:[0-9]+', '<node>', 'g');
  RAISE NOTICE '%', substring(ctx from 'INSERT on foreign table .*written');
END $$;
\! test/env/sim.py log --sorted --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?)'

-- IF NOT EXISTS: answered with [applied]; never sent twice
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?) IF NOT EXISTS' --params id:int,v:varchar --rows '[{"[applied]": false, "id": 1, "v": "there before"}]' --column-types '{"[applied]": "boolean", "id": "int", "v": "varchar"}' >/dev/null
INSERT INTO w VALUES (1, 'one') ON CONFLICT DO NOTHING;
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?) IF NOT EXISTS' --params id:int,v:varchar --rows '[{"[applied]": true}]' --column-types '{"[applied]": "boolean"}' >/dev/null
INSERT INTO w VALUES (1, 'one') ON CONFLICT DO NOTHING RETURNING *;
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?) IF NOT EXISTS' --params id:int,v:varchar --result write_timeout --cl SERIAL --received 0 --block-for 1 --write-type CAS >/dev/null
DO $$
DECLARE
  st text;
  msg text;
  det text;
BEGIN
  INSERT INTO w VALUES (1, 'one') ON CONFLICT DO NOTHING;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RAISE NOTICE 'ERROR %: %', st, msg;
  RAISE NOTICE '%', regexp_replace(det, '127\.0\.2\.[0-9]+:[0-9]+', '<node>', 'g');
END $$;
\! test/env/sim.py log --sorted --query 'INSERT INTO "sim"."w" ("id", "v") VALUES (?, ?) IF NOT EXISTS'

-- a counter increment is not sent twice either (direct_modify: one
-- statement, no read)
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "counter"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
CREATE FOREIGN TABLE hits (id int, v bigint)
  SERVER sim OPTIONS (keyspace 'sim', table 'hits', direct_modify 'true');
\! test/env/sim.py prime --query 'UPDATE "sim"."hits" SET "v" = "v" + ? WHERE "id" = ?' --params v:bigint,id:int >/dev/null
EXPLAIN (VERBOSE, COSTS OFF) UPDATE hits SET v = v + 1 WHERE id = 7;
UPDATE hits SET v = v + 1 WHERE id = 7;
\! test/env/sim.py log --sorted --query 'UPDATE "sim"."hits" SET "v" = "v" + ? WHERE "id" = ?'
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "counter"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'UPDATE "sim"."hits" SET "v" = "v" + ? WHERE "id" = ?' --params v:bigint,id:int --result write_timeout --cl LOCAL_QUORUM --received 1 --block-for 2 --write-type COUNTER >/dev/null
DO $$
DECLARE
  st text;
  msg text;
  det text;
BEGIN
  UPDATE hits SET v = v + 1 WHERE id = 7;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RAISE NOTICE 'ERROR %: %', st, msg;
  RAISE NOTICE '%', regexp_replace(det, '127\.0\.2\.[0-9]+:[0-9]+', '<node>', 'g');
END $$;
\! test/env/sim.py log --sorted --query 'UPDATE "sim"."hits" SET "v" = "v" + ? WHERE "id" = ?'

\! test/env/sim.py clear >/dev/null
DROP FOREIGN TABLE w, hits;
DROP USER MAPPING FOR CURRENT_USER SERVER sim;
DROP SERVER sim;
