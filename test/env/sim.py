#!/usr/bin/env python3
"""Prime, clear and read the Simulacron cluster of `test/env/env.sh up-sim`.

Python 3 standard library only (urllib).  The HTTP API is at
http://$CQL_SIM_HTTP (default 127.0.0.1:8187), the cluster is named
$CQL_SIM_CLUSTER (default cqlfdw); node N is the Nth node of its one data
centre (0, 1, 2: 127.0.2.1, .2, .3).

  sim.py prime --query CQL [--result KIND] [--node N ...] [options]
      Prime the answer to CQL (a QUERY of that text, a PREPARE of it, and an
      EXECUTE of the statement it prepares), on the given nodes, or on the
      whole cluster without --node.  A node's primes come before the
      cluster's.  KIND: success (default), overloaded, is_bootstrapping,
      server_error, read_timeout, write_timeout, unavailable, unprepared,
      syntax_error, invalid, truncate_error, void.  (Simulacron 0.12.0's
      unprepared fails with a ClassCastException, which the client gets as
      a ServerError; an EXECUTE that no prime matches gets a real
      Unprepared, see --when-cl.)
        --rows JSON           success: a list of objects, column -> value
        --column-types JSON   success: column -> CQL type (int, varchar, ...)
        --params NAME:TYPE,.. the statement's bind variables (in order), so a
                              PREPARE answered from this prime describes them
        --when-cl LEVEL,...   match only requests at these consistencies (a
                              PREPARE, which has none, always matches)
        --cl LEVEL            consistency in the error (LOCAL_ONE)
        --received N --block-for N --data-present      read/write_timeout
        --required N --alive N                          unavailable
        --write-type TYPE     write_timeout (SIMPLE)
        --message TEXT        the error's message
        --delay MS            answer after MS milliseconds
        --on-prepare          an error answers PREPARE too (by default
                              Simulacron answers PREPARE as a success)
  sim.py clear [--log-only | --primes-only]
      Remove every prime (cluster, data centre, node) and the activity log.
  sim.py log --query CQL [--type EXECUTE|PREPARE|QUERY|ALL] [--sorted]
      Print how many requests of CQL each node received since the last
      clear: "EXECUTE 1 2 1" (nodes 0, 1, 2).  EXECUTEs count by the
      statement id Simulacron gives CQL, primed or not.  --sorted: the
      counts in decreasing order (when which node was first is not fixed).
      --type ALL prints one line per type, in the order EXECUTE PREPARE QUERY.
  sim.py wait [SECONDS]     wait until the HTTP API answers
  sim.py create             create the cluster (3 nodes, dc1) unless it exists;
                            print its node addresses "127.0.2.1:9042 ..."
  sim.py nodes              print the node addresses of the cluster

Exit status 0 on success, 1 on an HTTP or usage error (message on stderr).
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

HTTP = os.environ.get("CQL_SIM_HTTP", "127.0.0.1:8187")
CLUSTER = os.environ.get("CQL_SIM_CLUSTER", "cqlfdw")
NODES = 3
TYPES = ("EXECUTE", "PREPARE", "QUERY")


def die(msg):
    print("sim.py: " + msg, file=sys.stderr)
    sys.exit(1)


def http(method, path, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://%s%s" % (HTTP, path), data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
    except urllib.error.HTTPError as e:
        die("%s %s: HTTP %d: %s" % (method, path, e.code, e.read().decode()[:500]))
    except (urllib.error.URLError, OSError) as e:
        die("%s %s: %s" % (method, path, e))
    return json.loads(text) if text.strip() else None


def java_hash(s):
    """String.hashCode() of s (over UTF-16 code units): Simulacron's statement id."""
    units = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + int.from_bytes(units[i:i + 2], "big")) & 0xFFFFFFFF
    return h


def statement_id(cql):
    return java_hash(cql).to_bytes(4, "big")


# ---------------------------------------------------------------------------
def cmd_prime(a):
    when = {"query": a.query}
    if a.when_cl:
        when["consistency_level"] = a.when_cl.split(",")
    then = {"result": a.result}
    if a.params:
        types = {}
        for part in a.params.split(","):
            name, _, typ = part.strip().partition(":")
            if not name or not typ:
                die("--params wants NAME:TYPE,...")
            types[name] = typ
        when["param_types"] = types
    r = a.result
    if r == "success":
        then["rows"] = json.loads(a.rows) if a.rows else []
        then["column_types"] = json.loads(a.column_types) if a.column_types else {}
    elif r == "read_timeout":
        then.update(consistency_level=a.cl, received=a.received, block_for=a.block_for,
                    data_present=a.data_present)
    elif r == "write_timeout":
        then.update(consistency_level=a.cl, received=a.received, block_for=a.block_for,
                    write_type=a.write_type)
    elif r == "unavailable":
        then.update(consistency_level=a.cl, required=a.required, alive=a.alive)
    elif r in ("overloaded", "server_error", "unprepared", "syntax_error", "invalid",
               "truncate_error"):
        then["message"] = a.message or {
            "overloaded": "Simulated overload",
            "server_error": "Simulated server error",
            "unprepared": "Simulated unprepared statement",
            "syntax_error": "line 1:0 simulated syntax error",
            "invalid": "Simulated invalid request",
            "truncate_error": "Simulated truncate error"}[r]
    elif r not in ("is_bootstrapping", "void"):
        die("unknown result " + r)
    if a.delay:
        then["delay_in_ms"] = a.delay
    if a.on_prepare:
        then["ignore_on_prepare"] = False
    body = {"when": when, "then": then}
    if not a.node:
        http("POST", "/prime/%s" % CLUSTER, body)
    for n in a.node or []:
        if not 0 <= n < NODES:
            die("--node %d: nodes are 0..%d" % (n, NODES - 1))
        http("POST", "/prime/%s/0/%d" % (CLUSTER, n), body)
    print("primed %s -> %s on %s" % (a.query, r,
                                      "nodes " + ",".join(map(str, a.node)) if a.node else "the cluster"))


def cmd_clear(a):
    if not a.log_only:
        http("DELETE", "/prime/%s" % CLUSTER)
    if not a.primes_only:
        http("DELETE", "/log/%s" % CLUSTER)
    print("cleared")


def node_logs():
    """[(node id, [query log entries])] of the cluster, by node id."""
    rep = http("GET", "/log/%s" % CLUSTER)
    out = []
    for dc in rep.get("data_centers", []):
        for node in dc.get("nodes", []):
            out.append((node["id"], node.get("queries", [])))
    out.sort()
    return out


def execute_id(entry):
    msg = (entry.get("frame") or {}).get("message") or {}
    raw = msg.get("id")
    if not isinstance(raw, str):
        return None
    try:
        return base64.b64decode(raw)
    except ValueError:
        return None


def cmd_log(a):
    sid = statement_id(a.query)
    counts = {t: [0] * NODES for t in TYPES}
    for nid, queries in node_logs():
        if not 0 <= nid < NODES:
            continue
        for q in queries:
            t = q.get("type")
            if t == "EXECUTE":
                hit = q.get("query") == a.query or execute_id(q) == sid
            elif t in ("PREPARE", "QUERY"):
                hit = q.get("query") == a.query
            else:
                continue
            if hit:
                counts[t][nid] += 1
    types = TYPES if a.type == "ALL" else (a.type,)
    for t in types:
        c = sorted(counts[t], reverse=True) if a.sorted else counts[t]
        print(t, " ".join(map(str, c)))


def cmd_wait(a):
    deadline = time.time() + a.seconds
    while True:
        try:
            with urllib.request.urlopen("http://%s/cluster" % HTTP, timeout=2) as resp:
                resp.read()
            return
        except (urllib.error.URLError, OSError):
            if time.time() >= deadline:
                die("no HTTP API at %s after %ss" % (HTTP, a.seconds))
            time.sleep(0.3)


def addresses(cluster):
    return [n["address"] for dc in cluster.get("data_centers", []) for n in dc.get("nodes", [])]


def find_cluster():
    for c in http("GET", "/cluster") or []:
        if c.get("name") == CLUSTER:
            return c
    return None


def cmd_create(a):
    c = find_cluster()
    if c is None:
        c = http("POST", "/cluster?data_centers=%d&name=%s" % (NODES, CLUSTER))
    print(" ".join(addresses(c)))


def cmd_nodes(a):
    c = find_cluster()
    if c is None:
        die("no cluster %s" % CLUSTER)
    print(" ".join(addresses(c)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prime")
    pr.add_argument("--query", required=True)
    pr.add_argument("--result", default="success")
    pr.add_argument("--node", type=int, action="append")
    pr.add_argument("--rows")
    pr.add_argument("--column-types")
    pr.add_argument("--params")
    pr.add_argument("--when-cl")
    pr.add_argument("--cl", default="LOCAL_ONE")
    pr.add_argument("--received", type=int, default=0)
    pr.add_argument("--block-for", type=int, default=1)
    pr.add_argument("--data-present", action="store_true")
    pr.add_argument("--required", type=int, default=1)
    pr.add_argument("--alive", type=int, default=0)
    pr.add_argument("--write-type", default="SIMPLE")
    pr.add_argument("--message")
    pr.add_argument("--delay", type=int, default=0)
    pr.add_argument("--on-prepare", action="store_true")
    cl = sub.add_parser("clear")
    g = cl.add_mutually_exclusive_group()
    g.add_argument("--log-only", action="store_true")
    g.add_argument("--primes-only", action="store_true")
    lg = sub.add_parser("log")
    lg.add_argument("--query", required=True)
    lg.add_argument("--type", default="EXECUTE", choices=TYPES + ("ALL",))
    lg.add_argument("--sorted", action="store_true")
    w = sub.add_parser("wait")
    w.add_argument("seconds", type=float, nargs="?", default=30)
    sub.add_parser("create")
    sub.add_parser("nodes")
    a = p.parse_args()
    {"prime": cmd_prime, "clear": cmd_clear, "log": cmd_log, "wait": cmd_wait,
     "create": cmd_create, "nodes": cmd_nodes}[a.cmd](a)


if __name__ == "__main__":
    main()
