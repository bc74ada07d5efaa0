#!/usr/bin/env python3
"""
cql_fdw against its peers, one node, one run (make bench; test/bench/run.sh).

Figures, not a test: nothing here passes or fails on a number.

  ROWS          rows of ten mixed columns (default 1000000)
  REPEAT        rounds of every scan and lookup, interleaved (default 3)
  WRITE_REPEAT  rounds of the writes (default 1: the first is the load)
  CONCURRENCY   writes in flight for the Python driver and gocql (default 100)
  KEEP=1        keep the keyspace and the database afterwards

Peers, each timed on its own work only (connecting and preparing excluded):

  cql_fdw, 1 backend   SELECT count(id), count(b), ..., count(l) FROM bench:
                       every column of every row is decoded into a Datum,
                       as the drivers decode every cell into a native value,
                       and only one row goes back to the client (count(*)
                       would need no column at all; t::text or psql output
                       would add PostgreSQL's output functions, which the
                       drivers have no equivalent of).  As configured by
                       default: the token ring read range by range, several
                       ranges at once.
  ... token_range_scans off
                       the same with SET cql_fdw.token_range_scans = off:
                       one statement from one coordinator, paged, as the
                       drivers below read it.
  cql_fdw, 2 workers   the same query with a parallel plan forced
                       (max_parallel_workers_per_gather = 2, zero parallel
                       costs) after ANALYZE bench (a partial path needs the
                       row count); if the planner makes no parallel plan,
                       the cell says so with the plan's top node.
  Python driver        cassandra-driver from PyPI, tuple rows, paging with
                       fetch_size 5000 through every row.
  gocql                test/bench/gocql, Iter().Scan() of every row into
                       typed Go values, page size 5000.

Lookups: a PostgreSQL table of 10,000 keys joined to the foreign table (a
parameterized nested loop, one routed single-partition read per key),
against each driver issuing the same prepared single-key SELECTs one at a
time.  Writes: the load by the Python driver's execute_concurrent, gocql
writing the same rows from CONCURRENCY goroutines, and INSERT INTO
foreign_table SELECT ... FROM generate_series; each peer writes its own
table of the same schema, and sample rows of the three are compared.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import psycopg
import cassandra
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import tuple_factory
from cassandra import ConsistencyLevel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROWS = int(os.environ.get("ROWS") or 1000000)
REPEAT = int(os.environ.get("REPEAT") or 3)
WRITE_REPEAT = int(os.environ.get("WRITE_REPEAT") or 1)
CONC = int(os.environ.get("CONCURRENCY") or 100)
KEEP = os.environ.get("KEEP", "") not in ("", "0")
NKEYS = min(10000, ROWS)
KS = "cqlfdw_bench"
PGDB = "cqlfdw_bench"
CQL_HOST = os.environ.get("CQL_HOST", "127.0.0.1")
CQL_PORT = int(os.environ.get("CQL_PORT", "9042"))
GOBIN = os.environ.get("GOCQL_BENCH", os.path.join(ROOT, ".cache/bench/gocql-bench"))
GOCQL_VERSION = os.environ.get("GOCQL_VERSION", "?")
FETCH = 5000

COLS = ["id", "b", "t", "d", "f", "ts", "u", "dec", "bl", "l"]
COLLIST = ", ".join(COLS)
CQL_SCHEMA = """(id int PRIMARY KEY, b bigint, t text, d double, f boolean,
  ts timestamp, u uuid, dec decimal, bl blob, l list<int>)"""
PG_SCHEMA = """(id int, b bigint, t text, d float8, f bool, ts timestamptz,
  u uuid, dec numeric, bl bytea, l int[])"""
# the same values as row() below and values() in gocql/main.go
PG_ROW_SELECT = """SELECT i, i::bigint * 1000003, format('row %s text value', lpad(i::text, 8, '0')),
  i * 0.25::float8, i % 2 = 0,
  to_timestamp(1700000000 + i),
  format('00000000-0000-4000-8000-%s', lpad(to_hex(i), 12, '0'))::uuid,
  round(i::numeric / 100, 2), decode(lpad(to_hex(i), 32, '0'), 'hex'),
  ARRAY[i, i + 1, i + 2, i + 3]
FROM generate_series(0, {n} - 1) AS i"""
COUNT_ALL = ", ".join("count(%s%s)" % ("{a}", c) for c in COLS)

# naive, as the Python driver reads a timestamp back (it writes naive as UTC)
EPOCH = datetime(1970, 1, 1) + timedelta(seconds=1700000000)


def row(i):
    return (i, i * 1000003, "row %08d text value" % i, i * 0.25, i % 2 == 0,
            EPOCH + timedelta(seconds=i),
            UUID("00000000-0000-4000-8000-%012x" % i), Decimal(i).scaleb(-2),
            i.to_bytes(16, "big"), [i, i + 1, i + 2, i + 3])


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def short_error(e):
    s = str(e).strip().splitlines()
    return s[0] if s else type(e).__name__


# ---------------------------------------------------------------- setup

def pg_connect(db=PGDB):
    return psycopg.connect(dbname=db, autocommit=True)


def setup_pg():
    with pg_connect("postgres") as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PGDB,)).fetchone():
            c.execute("CREATE DATABASE " + PGDB)
    with pg_connect() as c:
        # the extension as installed now (others may have installed a newer one)
        c.execute("DROP EXTENSION IF EXISTS cql_fdw CASCADE")
        c.execute("CREATE EXTENSION cql_fdw")
        c.execute("CREATE SERVER bench_cass FOREIGN DATA WRAPPER cql_fdw OPTIONS (hosts %s, port %s)"
                  % (lit(CQL_HOST), lit(str(CQL_PORT))))
        c.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER bench_cass")
        for t in ("bench", "bench_go", "bench_fdw"):
            c.execute("CREATE FOREIGN TABLE %s %s SERVER bench_cass OPTIONS (keyspace '%s', table '%s', fetch_size '%d')"
                      % (t, PG_SCHEMA, KS, t, FETCH))
        c.execute("DROP TABLE IF EXISTS bench_keys")
        c.execute("CREATE TABLE bench_keys (id int PRIMARY KEY)")
        with c.cursor().copy("COPY bench_keys (id) FROM STDIN") as cp:
            for k in KEYS:
                cp.write_row((k,))
        c.execute("ANALYZE bench_keys")
        ver = c.execute("SELECT extversion FROM pg_extension WHERE extname = 'cql_fdw'").fetchone()[0]
    return ver


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def setup_cql(session):
    session.execute("DROP KEYSPACE IF EXISTS " + KS, timeout=120)
    session.execute("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS,
                    timeout=120)
    for t in ("bench", "bench_go", "bench_fdw"):
        session.execute("CREATE TABLE %s.%s %s" % (KS, t, CQL_SCHEMA), timeout=120)
    session.cluster.control_connection.wait_for_schema_agreement()


# ---------------------------------------------------------------- peers

def py_write(session, table):
    ps = session.prepare("INSERT INTO %s.%s (%s) VALUES (%s)" % (KS, table, COLLIST, ", ".join("?" * len(COLS))))
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    # in chunks: the list of results of 1,000,000 statements would be large
    # (results_generator=True keeps none, but is half as fast here)
    for lo in range(0, ROWS, 50000):
        for ok, res in execute_concurrent_with_args(session, ps, [row(i) for i in range(lo, min(lo + 50000, ROWS))],
                                                    concurrency=CONC):
            n += ok
    return {"rows": n, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}


def py_scan(session):
    ps = session.prepare("SELECT %s FROM %s.bench" % (COLLIST, KS))
    ps.fetch_size = FETCH
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for r in session.execute(ps):
        n += 1
    return {"rows": n, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}


def py_lookup(session):
    ps = session.prepare("SELECT %s FROM %s.bench WHERE id = ?" % (COLLIST, KS))
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for k in KEYS:
        if session.execute(ps, (k,)).one() is not None:
            n += 1
    return {"rows": n, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}


def go(op, *args):
    try:
        p = subprocess.run([GOBIN, op, "-host", CQL_HOST, "-port", str(CQL_PORT), "-keyspace", KS] + list(args),
                           capture_output=True, text=True, timeout=3600)
    except OSError as e:
        return {"error": short_error(e)}
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"error": "gocql-bench exited %d: %s" % (p.returncode, short_error(p.stderr or "no output"))}
    return json.loads(lines[-1])


def pg_write(conn, sql):
    try:
        pid = conn.info.backend_pid
        c0 = proc_cpu(pid)
        t0 = time.perf_counter()
        cur = conn.execute(sql)
        el = time.perf_counter() - t0
        return {"rows": cur.rowcount, "seconds": el, "cpu": proc_cpu(pid) - c0}
    except (psycopg.Error, OSError) as e:
        return {"error": short_error(e)}


def proc_cpu(pid):
    """utime + stime of a process, in seconds"""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


CLK_TCK = os.sysconf("SC_CLK_TCK")


def node_pid():
    """the pid of the Cassandra node listening on CQL_HOST:CQL_PORT (read-only use: its CPU time)"""
    try:
        out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % CQL_PORT], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "%s:%d " % (CQL_HOST, CQL_PORT) in line and "pid=" in line:
                return int(line.split("pid=")[1].split(",")[0])
    except (OSError, ValueError):
        pass
    return None


def timed(fn, *args, **kw):
    """fn's result, with the node's CPU seconds meanwhile (shared with whatever else uses the node)"""
    try:
        s0 = proc_cpu(NODE_PID) if NODE_PID else None
    except OSError:
        s0 = None
    r = fn(*args, **kw)
    if s0 is not None and "error" not in r:
        try:
            r["node_cpu"] = proc_cpu(NODE_PID) - s0
        except OSError:
            pass
    return r


def pg_time(conn, sql, cpu=True):
    """the first column of the one row of sql, the time it took, the backend's CPU"""
    try:
        pid = conn.info.backend_pid
        c0 = proc_cpu(pid)
        t0 = time.perf_counter()
        r = conn.execute(sql).fetchone()
        el = time.perf_counter() - t0
    except (psycopg.Error, OSError) as e:
        return {"error": short_error(e)}
    res = {"rows": r[0] if r else 0, "seconds": el}
    if cpu:
        res["cpu"] = proc_cpu(pid) - c0
    return res


SCAN_SQL = "SELECT %s FROM bench" % COUNT_ALL.format(a="")
JOIN_SQL = "SELECT %s FROM bench_keys k JOIN bench f ON f.id = k.id" % COUNT_ALL.format(a="f.")
# the same join, one lookup per key whatever the costs say: the subquery
# (kept by OFFSET 0) is a foreign scan parameterized by k.id
LOOKUP_SQL = ("SELECT %s FROM bench_keys k CROSS JOIN LATERAL "
              "(SELECT * FROM bench f WHERE f.id = k.id OFFSET 0) f" % COUNT_ALL.format(a="f."))


def plan(conn, sql, verbose=False):
    opts = "VERBOSE, COSTS OFF" if verbose else "COSTS OFF"
    return [r[0] for r in conn.execute("EXPLAIN (%s) %s" % (opts, sql)).fetchall()]


def proc_mem(pid):
    m = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "RssAnon"):
                m[k] = int(v.split()[0])  # kB
    return m


# ---------------------------------------------------------------- report

def fmt_rate(v):
    return "{:,.0f}".format(v)


def summarize(results, expect):
    """median rows/s of successful results, or the first error."""
    ok = [r for r in results if "error" not in r and r.get("rows") == expect]
    bad = [r for r in results if r not in ok]
    if not ok:
        r = bad[0] if bad else {}
        if "error" in r:
            return None, "n/a: " + r["error"]
        return None, "n/a: %s rows, expected %s" % (r.get("rows"), expect)
    rates = [r["rows"] / r["seconds"] for r in ok]
    med = statistics.median(rates)
    note = "%d runs, %s..%s" % (len(rates), fmt_rate(min(rates)), fmt_rate(max(rates)))
    cpus = [r["cpu"] / r["rows"] * 1e6 for r in ok if r.get("cpu") is not None]
    # /proc counts CPU in ticks of 10 ms: say nothing below half a second
    if cpus and sum(r.get("cpu") or 0 for r in ok) >= 0.5:
        note += "; client CPU %.1f us/row" % statistics.median(cpus)
    ncpus = [r["node_cpu"] / r["rows"] * 1e6 for r in ok if r.get("node_cpu") is not None]
    if ncpus and sum(r.get("node_cpu") or 0 for r in ok) >= 0.5:
        note += ", node %.1f" % statistics.median(ncpus)
    if bad:
        note += "; %d failed: %s" % (len(bad), bad[0].get("error", "%s rows" % bad[0].get("rows")))
    return med, note


def main():
    global KEYS, NODE_PID
    NODE_PID = node_pid()
    started = time.time()
    KEYS = list(dict.fromkeys((i * 7919 + 13) % ROWS for i in range(NKEYS)))
    compiled = cassandra.cluster.__file__.endswith(".so")
    log("ROWS=%d REPEAT=%d WRITE_REPEAT=%d CONCURRENCY=%d; Python cassandra-driver %s (%s), %s"
        % (ROWS, REPEAT, WRITE_REPEAT, CONC, cassandra.__version__,
           "compiled" if compiled else "pure Python, no Cython", "gocql " + GOCQL_VERSION))

    profile = ExecutionProfile(load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                               consistency_level=ConsistencyLevel.LOCAL_ONE,
                               request_timeout=60, row_factory=tuple_factory)
    cluster = Cluster([CQL_HOST], port=CQL_PORT, protocol_version=4,
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    session = cluster.connect()
    setup_cql(session)
    for attempt in range(4):
        try:
            extver = setup_pg()
            break
        except psycopg.Error as e:
            # someone may be installing the extension right now
            if attempt == 3:
                sys.exit("PostgreSQL setup failed: %s" % short_error(e))
            log("PostgreSQL setup: %s; again in 15 s" % short_error(e))
            time.sleep(15)
    keyfile = tempfile.NamedTemporaryFile("w", prefix="cqlfdw-bench-keys", suffix=".txt", delete=False)
    keyfile.write("\n".join(map(str, KEYS)) + "\n")
    keyfile.close()

    # ---- writes: the first Python round is the load of the scanned table
    writes = {"py": [], "go": [], "fdw": []}
    for rnd in range(WRITE_REPEAT):
        log("write round %d/%d: Python execute_concurrent -> bench" % (rnd + 1, WRITE_REPEAT))
        try:
            writes["py"].append(timed(py_write, session, "bench"))
        except Exception as e:
            sys.exit("the load failed: %s" % short_error(e))
        log("  %.1f s; gocql -> bench_go" % writes["py"][-1]["seconds"])
        writes["go"].append(timed(go, "write", "-table", "bench_go", "-rows", str(ROWS), "-concurrency", str(CONC)))
        log("  %s; cql_fdw INSERT ... SELECT -> bench_fdw" % writes["go"][-1])
        with pg_connect() as c:
            writes["fdw"].append(timed(pg_write, c, "INSERT INTO bench_fdw " + PG_ROW_SELECT.format(n=ROWS)))
        log("  %s" % writes["fdw"][-1])
    # the same rows in all three tables?
    same = {}
    sample = KEYS[:20]
    ps = {t: session.prepare("SELECT %s FROM %s.%s WHERE id = ?" % (COLLIST, KS, t)) for t in ("bench", "bench_go", "bench_fdw")}
    for t in ("bench_go", "bench_fdw"):
        got = [session.execute(ps[t], (k,)).one() for k in sample]
        ref = [session.execute(ps["bench"], (k,)).one() for k in sample]
        same[t] = ("same as Python's" if got == ref else
                   "no rows" if all(g is None for g in got) else "DIFFERENT from Python's")
    pyref = [tuple(session.execute(ps["bench"], (k,)).one()) == row(k) for k in sample]
    same["bench"] = "as generated" if all(pyref) else "NOT as generated"

    # ANALYZE: the row count the planner needs for a parallel path (and the
    # join's estimates); it reads the whole table once
    with pg_connect() as c:
        t0 = time.perf_counter()
        try:
            c.execute("ANALYZE bench")
            log("ANALYZE bench: %.1f s" % (time.perf_counter() - t0))
        except psycopg.Error as e:
            log("ANALYZE bench: %s" % short_error(e))

    # ---- cql_fdw connections, kept across rounds as an application keeps them
    pg1 = pg_connect()
    pg1.execute("SET max_parallel_workers_per_gather = 0")
    # one statement from one coordinator, paged, as the drivers read it
    pg3 = pg_connect()
    pg3.execute("SET max_parallel_workers_per_gather = 0")
    try:
        pg3.execute("SET cql_fdw.token_range_scans = off")
        one_stmt = None
    except psycopg.Error as e:
        one_stmt = "n/a: " + short_error(e)
    pg2 = pg_connect()
    for s in ("max_parallel_workers_per_gather = 2", "parallel_setup_cost = 0", "parallel_tuple_cost = 0",
              "min_parallel_table_scan_size = 0", "parallel_leader_participation = on"):
        pg2.execute("SET " + s)
    warm = "SELECT %s FROM (SELECT * FROM bench LIMIT 1) s" % COUNT_ALL.format(a="")
    for c in (pg1, pg2, pg3):
        pg_time(c, warm)  # connects the backend's session, prepares
    try:
        par_plan = plan(pg2, SCAN_SQL)
        parallel = any("Gather" in l for l in par_plan)
        par_note = None if parallel else "not parallel (plan shows %s)" % " / ".join(
            l.strip().lstrip("-> ").strip() for l in par_plan[:2])
    except psycopg.Error as e:
        parallel, par_note = False, "n/a: " + short_error(e)

    # ---- scans, interleaved, the order rotated every round
    scans = {"fdw1": [], "fdw1s": [], "fdw2": [], "py": [], "go": []}
    peers = ["fdw1", "fdw1s", "fdw2", "py", "go"]
    for rnd in range(REPEAT):
        order = peers[rnd % len(peers):] + peers[:rnd % len(peers)]
        for p in order:
            if p == "fdw1":
                r = timed(pg_time, pg1, SCAN_SQL)
            elif p == "fdw1s":
                if one_stmt:
                    continue
                r = timed(pg_time, pg3, SCAN_SQL)
            elif p == "fdw2":
                if not parallel:
                    continue
                r = timed(pg_time, pg2, SCAN_SQL, cpu=False)  # the workers' CPU is not the leader's
            elif p == "py":
                r = timed(py_scan, session)
            else:
                r = timed(go, "scan", "-table", "bench")
            scans[p].append(r)
            log("scan round %d/%d %-4s %s" % (rnd + 1, REPEAT, p,
                                              r.get("error") or "%d rows %.2f s" % (r["rows"], r["seconds"])))
    workers = None
    if parallel:
        try:
            ana = [r[0] for r in pg2.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + SCAN_SQL)]
            workers = " ".join(l.strip() for l in ana if "Workers" in l)
        except psycopg.Error as e:
            workers = "EXPLAIN ANALYZE: " + short_error(e)
    mem_serial_after = proc_mem(pg1.info.backend_pid)

    # ---- the backend's memory after scans of two sizes, fresh backends
    mem = []
    small = max(ROWS // 10, 1)
    for n in (small, ROWS):
        with pg_connect() as c:
            c.execute("SET max_parallel_workers_per_gather = 0")
            pid = c.info.backend_pid
            r = pg_time(c, warm)
            before = proc_mem(pid)
            if "error" not in r:
                r = pg_time(c, "SELECT %s FROM (SELECT * FROM bench LIMIT %d) s" % (COUNT_ALL.format(a=""), n)
                            if n < ROWS else SCAN_SQL)
            mem.append((n, before, proc_mem(pid), r))

    # ---- lookups
    forced = ""
    lookup_sql = JOIN_SQL
    try:
        join_plan = plan(pg1, JOIN_SQL, verbose=True)
        if not any('"id" = ?' in l for l in join_plan):
            # the planner reads the table once for this join (its costs say
            # a scan beats 10,000 round trips): measure the lookups the peers
            # make, one per key, with the LATERAL form
            forced = (" (the plain join's plan reads the table once; lookups measured as "
                      "JOIN LATERAL (... WHERE f.id = k.id OFFSET 0))")
            lookup_sql = LOOKUP_SQL
            join_plan = plan(pg1, LOOKUP_SQL, verbose=True)
    except psycopg.Error as e:
        join_plan = ["n/a: " + short_error(e)]
    pg_time(pg1, lookup_sql)  # warm: prepares the parameterized statement
    looks = {"fdw": [], "py": [], "go": []}
    lpeers = ["fdw", "py", "go"]
    for rnd in range(REPEAT):
        order = lpeers[rnd % 3:] + lpeers[:rnd % 3]
        for p in order:
            if p == "fdw":
                r = timed(pg_time, pg1, lookup_sql)
            elif p == "py":
                r = timed(py_lookup, session)
            else:
                # gocql delays each write by WriteCoalesceWaitTime (200 µs by
                # default) to batch requests: one request at a time, an
                # application turns that off (4x the lookups/s here)
                r = timed(go, "lookup", "-table", "bench", "-keys", keyfile.name, "-coalesce", "0s")
            looks[p].append(r)
            log("lookup round %d/%d %-4s %s" % (rnd + 1, REPEAT, p,
                                                r.get("error") or "%d found %.2f s" % (r["rows"], r["seconds"])))
    pg1.close()
    pg2.close()
    pg3.close()
    os.unlink(keyfile.name)

    # ---- the table
    pyname = "Python cassandra-driver %s%s" % (cassandra.__version__, "" if compiled else " (no Cython)")
    goname = "gocql " + GOCQL_VERSION
    print()
    print("cql_fdw %s vs peers: %s rows x 10 columns (int, bigint, text, double, boolean, timestamp, uuid,"
          % (extver, "{:,}".format(ROWS)))
    print("decimal, blob, list<int>); one Cassandra node at %s:%d, protocol v4, pages of %d, LOCAL_ONE;"
          % (CQL_HOST, CQL_PORT, FETCH))
    print("median of %d interleaved rounds (writes: %d), min..max beside it; CPU seconds per row of the client"
          % (REPEAT, WRITE_REPEAT))
    print("process (cql_fdw: the backend) and of the node (%s), from /proc"
          % ("pid %d, with whatever else it served meanwhile" % NODE_PID if NODE_PID else "not found"))
    print()
    w = 58
    print("%-*s %14s  %s" % (w, "full scan", "rows/s", ""))
    fig = {}
    for key, name, res in (("fdw1", "cql_fdw, one backend", scans["fdw1"]),
                           ("fdw1s", "cql_fdw, one backend, token_range_scans off", scans["fdw1s"]),
                           ("fdw2", "cql_fdw, two parallel workers", scans["fdw2"]),
                           ("py", pyname, scans["py"]),
                           ("go", goname, scans["go"])):
        if key == "fdw2" and not parallel:
            print("%-*s %14s  %s" % (w, name, "-", par_note))
            continue
        if key == "fdw1s" and one_stmt:
            print("%-*s %14s  %s" % (w, name, "-", one_stmt))
            continue
        med, note = summarize(res, ROWS)
        fig[key] = med
        if key == "fdw2" and workers:
            note += "; " + workers
        print("%-*s %14s  %s" % (w, name, fmt_rate(med) if med else "-", note))
    # ratios within each round (the same load on the machine), then their median
    def paired(a, b):
        rs = [y["seconds"] / x["seconds"] for x, y in zip(scans[a], scans[b])
              if "error" not in x and "error" not in y and x["rows"] == y["rows"] == ROWS]
        return "%.2fx (rounds: %s)" % (statistics.median(rs), ", ".join("%.2f" % r for r in rs)) if rs else "n/a"
    print("  one backend / Python: %s; aim: >= 3x" % paired("fdw1", "py"))
    print("  one backend / gocql:  %s; aim: >= 1x" % paired("fdw1", "go"))
    print()
    print("%-*s %14s  %s" % (w, "lookups, %d keys one at a time" % len(KEYS), "lookups/s", ""))
    lf = {}
    for key, name in (("fdw", "cql_fdw, join from a PostgreSQL table"), ("py", pyname), ("go", goname)):
        med, note = summarize(looks[key], len(KEYS))
        lf[key] = med
        print("%-*s %14s  %s" % (w, name, fmt_rate(med) if med else "-", note))
    print("  the join's plan%s:" % forced)
    for l in join_plan:
        if l.strip().startswith(("Output:", "Sort Key:")):
            continue
        print("    " + l)
    print()
    print("%-*s %14s  %s" % (w, "writes, %s rows" % "{:,}".format(ROWS), "rows/s", ""))
    for key, name, table in (("py", pyname + ", execute_concurrent(%d)" % CONC, "bench"),
                             ("go", goname + ", %d goroutines" % CONC, "bench_go"),
                             ("fdw", "cql_fdw, INSERT INTO ft SELECT", "bench_fdw")):
        med, note = summarize(writes[key], ROWS)
        print("%-*s %14s  %s; rows %s" % (w, name, fmt_rate(med) if med else "-", note, same[table]))
    print()
    print("the backend's memory (kB, /proc/PID/status), one backend, no parallel workers:")
    print("  %-40s %9s %9s %9s" % ("", "VmHWM", "VmRSS", "RssAnon"))
    for n, before, after, r in mem:
        tag = "n/a: " + r["error"] if "error" in r else "%d rows" % r["rows"]
        print("  %-40s %9d %9d %9d" % ("fresh backend, connected", before["VmHWM"], before["VmRSS"], before["RssAnon"]))
        print("  %-40s %9d %9d %9d" % ("  after scanning %s" % tag, after["VmHWM"], after["VmRSS"], after["RssAnon"]))
    print("  %-40s %9d %9d %9d" % ("the scan backend after %d full scans" % len(scans["fdw1"]),
                                   mem_serial_after["VmHWM"], mem_serial_after["VmRSS"], mem_serial_after["RssAnon"]))
    print()
    print("took %.0f s" % (time.time() - started))

    cluster.shutdown()
    if not KEEP:
        c2 = Cluster([CQL_HOST], port=CQL_PORT, protocol_version=4)
        s2 = c2.connect()
        s2.execute("DROP KEYSPACE IF EXISTS " + KS, timeout=120)
        c2.shutdown()
        with pg_connect("postgres") as c:
            c.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % PGDB)


if __name__ == "__main__":
    main()
