--
-- Server errors a real node gives only by chance, from DataStax Simulacron:
-- three simulated nodes (127.0.2.1-3, nodes 0-2 for test/env/sim.py) whose
-- answers are primed between statements.  What the retry decider does with
-- each error of an idempotent read (a foreign scan), shown by the number of
-- requests each node received (sim.py log: nodes 0 1 2, or --sorted when
-- which node came first depends on the round robin) and EXPLAIN's CQL Retries.
-- Run by test/run_tests.sh after `test/env/env.sh up-sim`; not part of the
-- default suites.
--
\getenv sim_hosts CQL_SIM_HOSTS
\getenv sim_port CQL_SIM_PORT
\set VERBOSITY default
CREATE SERVER sim FOREIGN DATA WRAPPER cql_fdw
  OPTIONS (hosts :'sim_hosts', port :'sim_port', connect_timeout '2000', request_timeout '5000');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim;
CREATE FOREIGN TABLE t (id int, v text) SERVER sim OPTIONS (keyspace 'sim', table 't');

-- n point reads (SELECT "v" FROM "sim"."t" WHERE "id" = ?, a prepared
-- statement): rows read, CQL Retries added up, the nodes that answered
CREATE FUNCTION reads(n int DEFAULT 3, OUT rows_read int, OUT retries int, OUT answered_by text)
LANGUAGE plpgsql AS $$
DECLARE
  plan json;
  hosts text[] := '{}';
BEGIN
  rows_read := 0;
  retries := 0;
  FOR i IN 1..n LOOP
    EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) SELECT v FROM t WHERE id = 1' INTO plan;
    rows_read := rows_read + (plan->0->'Plan'->>'Actual Rows')::int;
    retries := retries + (plan->0->'Plan'->>'CQL Retries')::int;
    hosts := hosts || (plan->0->'Plan'->>'CQL Hosts');
  END LOOP;
  answered_by := (SELECT string_agg(DISTINCT h, ', ' ORDER BY h) FROM unnest(hosts) AS h);
END $$;
-- one read, or the error it raised (SQLSTATE, message, detail; the node
-- that answered last masked when the round robin decides which it was)
CREATE FUNCTION read_outcome(mask boolean DEFAULT true) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  st text;
  msg text;
  det text;
BEGIN
  SELECT v INTO r FROM t WHERE id = 1;
  RETURN 'read ' || coalesce(r, '(no row)');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  IF mask THEN
    det := regexp_replace(det, '127\.0\.2\.[0-9]+:[0-9]+', '<node>', 'g');
  END IF;
  RETURN format('ERROR %s: %s / %s', st, msg, det);
END $$;

-- Simulacron serves system.local and system.peers itself; the table's key
-- columns (system_schema.columns) and the read are primed on the cluster
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?' --rows '[{"column_name": "id", "kind": "partition_key", "position": 0, "clustering_order": "none", "type": "int"}, {"column_name": "v", "kind": "regular", "position": -1, "clustering_order": "none", "type": "text"}]' --column-types '{"column_name": "varchar", "kind": "varchar", "position": "int", "clustering_order": "varchar", "type": "varchar"}' >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
SELECT v FROM t WHERE id = 1;
SELECT hosts, hosts_up, local_dc FROM cql_fdw_sessions() WHERE server_name = 'sim';
-- the statement was prepared once, on one node; it is executed round robin
\! test/env/sim.py log --type PREPARE --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
\! test/env/sim.py clear --log-only >/dev/null
SELECT * FROM reads(3);
\! test/env/sim.py log --type ALL --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- Overloaded on node 0: the read goes on to the next node.  Three reads
-- start on each node once: one is retried, none is answered by node 0
\! test/env/sim.py clear --log-only >/dev/null
\! test/env/sim.py prime --node 0 --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result overloaded >/dev/null
SELECT * FROM reads(3);
\! test/env/sim.py log --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- Overloaded everywhere: each node once (two retries), then the error
\! test/env/sim.py clear --log-only >/dev/null
\! test/env/sim.py prime --node 1 --node 2 --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result overloaded >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- IsBootstrapping on node 1: the next node (nothing was executed)
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
\! test/env/sim.py prime --node 1 --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result is_bootstrapping >/dev/null
SELECT * FROM reads(3);
\! test/env/sim.py log --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- ServerError on node 2: the next node
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
\! test/env/sim.py prime --node 2 --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result server_error >/dev/null
SELECT * FROM reads(3);
\! test/env/sim.py log --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- everywhere: three nodes, then the error
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result server_error >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- ReadTimeout with enough replicas but no data: once more on the same
-- node (the coordinator can ask again at once), then the error
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result read_timeout --cl LOCAL_ONE --received 1 --block-for 1 >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- too few replicas answered, or the data was there: not retried
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result read_timeout --cl QUORUM --received 1 --block-for 2 >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result read_timeout --cl LOCAL_ONE --received 1 --block-for 1 --data-present >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- Unavailable on node 0: the next node
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
\! test/env/sim.py prime --node 0 --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result unavailable --cl LOCAL_QUORUM --required 2 --alive 1 >/dev/null
SELECT * FROM reads(3);
\! test/env/sim.py log --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- everywhere: one other node, then the error with its figures
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result unavailable --cl LOCAL_QUORUM --required 2 --alive 1 >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- errors about the request itself are not retried
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result syntax_error --message 'line 1:7 no viable alternative at input' >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --result invalid --message 'Undefined column name v' >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- Unprepared: the node forgot the statement.  It is prepared again on that
-- node and sent again.  (With nothing primed, Simulacron answers EXECUTE of
-- an unknown id with Unprepared, and a PREPARE by registering the statement
-- with no rows and one varchar column "fake".)
\! test/env/sim.py clear >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --type ALL --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- a node that answers Unprepared again after the new PREPARE: given up
-- after one PREPARE per node, not a loop.  (A prime limited to consistency
-- ALL answers the PREPARE, which has none, but not the EXECUTE at
-- LOCAL_ONE.  Simulacron 0.12's "unprepared" result cannot be used: it
-- fails with a ClassCastException, which reaches the client as a ServerError.)
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --when-cl ALL --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --type ALL --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'
-- a PREPARE that fails as invalid: the error, no other node
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --when-cl ALL --result invalid --message 'Undefined column name v' --on-prepare >/dev/null
SELECT read_outcome();
\! test/env/sim.py log --type ALL --sorted --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?'

-- cql_fdw_execute() sends a plain QUERY, not idempotent, to the control
-- node (127.0.2.1) only: WriteTimeout is reported at once, with its figures
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query "INSERT INTO sim.t (id, v) VALUES (2, 'two')" --result write_timeout --cl QUORUM --received 1 --block-for 2 --write-type SIMPLE >/dev/null
SELECT cql_fdw_execute('sim', 'INSERT INTO sim.t (id, v) VALUES (2, ''two'')', 'QUORUM');
\! test/env/sim.py log --type QUERY --query "INSERT INTO sim.t (id, v) VALUES (2, 'two')"
-- Overloaded there is not sent to another node either
\! test/env/sim.py prime --query 'SELECT v FROM sim.t WHERE id = 1' --result overloaded >/dev/null
SELECT cql_fdw_execute('sim', 'SELECT v FROM sim.t WHERE id = 1');
\! test/env/sim.py log --type QUERY --query 'SELECT v FROM sim.t WHERE id = 1'

-- all primes gone, reads work again
\! test/env/sim.py clear >/dev/null
\! test/env/sim.py prime --query 'SELECT "v" FROM "sim"."t" WHERE "id" = ?' --params id:int --rows '[{"v": "one"}]' --column-types '{"v": "varchar"}' >/dev/null
SELECT * FROM reads(3);
SELECT hosts, hosts_up FROM cql_fdw_sessions() WHERE server_name = 'sim';

\! test/env/sim.py clear >/dev/null
DROP FUNCTION reads(int);
DROP FUNCTION read_outcome(boolean);
DROP SERVER sim CASCADE;
