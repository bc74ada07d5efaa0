/*-------------------------------------------------------------------------
 *
 * test_cluster.c
 *		  Multi-host sessions against several fake servers on one loop, each
 *		  on 127.0.0.1 with a port of its own, together a fake cluster: the
 *		  session discovers it from its control connection (system.local,
 *		  system.peers_v2, system_schema.keyspaces), routes by token, spreads
 *		  requests, skips dead hosts, moves its control connection, retries.
 *
 * IDENTIFICATION
 *		  test/unit/test_cluster.c
 *
 *-------------------------------------------------------------------------
 */
#include "session_env.h"

#define TOKENS_PER_NODE 4
#define Q_SELECT "SELECT k, v FROM ks1.t WHERE k = ?"

typedef struct cluster_env
{
	cql_reactor *r;
	fake_server srv[FAKE_MAX_NODES];	/* node i is srv[i] when i < nlive */
	int			nlive;
	fake_cluster cl;
	cql_session *s;
	char		host[FAKE_MAX_NODES][64];
	char		names[FAKE_MAX_NODES][16];
} cluster_env;

/*
 * nlive fake servers and ndead nodes that refuse connections.  Tokens are
 * spread evenly over the ring and dealt round robin; keyspaces: ks1
 * SimpleStrategy RF 1, ks3 NetworkTopologyStrategy dc1: 3, system local.
 */
static bool
cluster_start(cluster_env *e, int nlive, int ndead)
{
	int			nnodes = nlive + ndead;
	int			ntokens = nnodes * TOKENS_PER_NODE;
	uint64_t	step;

	memset(e, 0, sizeof(*e));
	if (nnodes > FAKE_MAX_NODES)
		return false;
	e->r = cql_reactor_new();
	if (e->r == NULL)
		return false;
	e->nlive = nlive;
	e->cl.nnodes = nnodes;
	step = UINT64_MAX / (uint64_t) ntokens;
	for (int k = 0; k < ntokens; k++)
	{
		fake_node  *nd = &e->cl.nodes[k % nnodes];

		nd->tokens[nd->ntokens++] = (int64_t) ((uint64_t) INT64_MIN + (uint64_t) (k + 1) * step);
	}
	for (int i = 0; i < nnodes; i++)
	{
		fake_node  *nd = &e->cl.nodes[i];

		nd->dc = "dc1";
		nd->rack = i % 2 ? "r2" : "r1";
		if (i < nlive)
		{
			fake_server *srv = &e->srv[i];

			if (fake_server_start(srv, &e->r->loop) != 0)
				return false;
			snprintf(e->names[i], sizeof(e->names[i]), "node%d", i);
			srv->name = e->names[i];
			srv->cluster = &e->cl;
			srv->self = i;
			nd->port = srv->port;
		}
		else
			nd->port = fake_closed_port(&e->r->loop);
		snprintf(e->host[i], sizeof(e->host[i]), "127.0.0.1:%d", nd->port);
	}
	e->cl.keyspaces[0] = (fake_keyspace) {
		"ks1", {"class", "replication_factor"},
		{"org.apache.cassandra.locator.SimpleStrategy", "1"}, 2
	};
	e->cl.keyspaces[1] = (fake_keyspace) {
		"ks3", {"class", "dc1"}, {"NetworkTopologyStrategy", "3"}, 2
	};
	e->cl.keyspaces[2] = (fake_keyspace) {
		"system", {"class"}, {"org.apache.cassandra.locator.LocalStrategy"}, 1
	};
	e->cl.nkeyspaces = 3;
	return true;
}

/* a session on node 0, connected */
static bool
cluster_session(cluster_env *e)
{
	cql_session_config cfg;
	cql_error	err;

	session_config(&cfg, e->srv[0].port);
	cfg.request_timeout_ms = 5000;
	e->s = cql_session_new(e->r, &cfg, &err);
	if (e->s == NULL)
	{
		test_fail(__FILE__, __LINE__, "cql_session_new: %s", err.message);
		return false;
	}
	return session_connect_wait(e->r, e->s);
}

static bool
all_closed(void *arg)
{
	cluster_env *e = arg;

	for (int i = 0; i < e->nlive; i++)
		if (e->srv[i].open_handles != 0)
			return false;
	return true;
}

static void
cluster_stop(cluster_env *e)
{
	if (e->s)
		cql_session_free(e->s);
	e->s = NULL;
	for (int i = 0; i < e->nlive; i++)
		fake_server_stop(&e->srv[i]);
	if (!run_until(e->r, all_closed, e, WAIT_LIMIT_MS))
		test_fail(__FILE__, __LINE__, "the fake servers did not close");
	cql_reactor_free(e->r);
	e->r = NULL;
}

#define CLUSTER_START(e, live, dead) \
	do { \
		if (!cluster_start(&(e), live, dead)) \
		{ \
			test_fail(__FILE__, __LINE__, "could not start the fake cluster"); \
			return; \
		} \
	} while (0)

/* a key whose token node owns, from 'from' on; -1 if none below 100000 */
static int32_t
key_owned_by(const fake_cluster *c, int node, int32_t from)
{
	uint8_t		kb[4];

	for (int32_t k = from; k < 100000; k++)
		if (owner_of(c, key_token(k, kb)) == node)
			return k;
	return -1;
}

static cql_prepared *
prepare_wait(cluster_env *e, const char *cql)
{
	cql_future *f = cql_session_prepare_cached(e->s, cql);
	cql_prepared *p = NULL;

	if (f == NULL || !WAIT(e->r, f))
		test_fail(__FILE__, __LINE__, "prepare not done");
	else if (cql_future_rc(f) != CQL_OK)
		test_fail(__FILE__, __LINE__, "prepare: %s", cql_future_error(f)->message);
	else
		p = cql_future_take_prepared(f);
	cql_future_release(f);
	return p;
}

static cql_future *
execute_k(cql_session *s, cql_prepared *p, int32_t k)
{
	cql_query_params q;
	uint8_t		kb[4];
	cql_slice	v[1];

	(void) key_token(k, kb);
	v[0].data = kb;
	v[0].len = 4;
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	q.values = v;
	q.nvalues = 1;
	q.idempotent = true;
	/* the frame is encoded (and the routing key computed) before this returns */
	return cql_session_execute_prepared(s, p, &q);
}

/* the v column (the answering node's name) of an EXECUTE row */
static bool
row_v(cql_future *f, char *v, size_t size)
{
	cql_result *res = cql_future_result(f);
	cql_row_cursor cur;
	cql_slice	c[2];

	if (res == NULL || cql_result_column_count(res) != 2)
		return false;
	cql_result_rows(res, &cur);
	if (cql_row_next(&cur, c) != 1 || c[1].len < 0 || (size_t) c[1].len >= size)
		return false;
	memcpy(v, c[1].data, (size_t) c[1].len);
	v[c[1].len] = '\0';
	return true;
}

static int
sum(const cluster_env *e, size_t offset)
{
	int			n = 0;

	for (int i = 0; i < e->nlive; i++)
		n += *(const int *) ((const char *) &e->srv[i] + offset);
	return n;
}

#define SUM(e, field) sum(&(e), offsetof(fake_server, field))

/* how many servers saw at least one of field */
static int
servers_with(const cluster_env *e, size_t offset)
{
	int			n = 0;

	for (int i = 0; i < e->nlive; i++)
		n += *(const int *) ((const char *) &e->srv[i] + offset) > 0;
	return n;
}

#define SERVERS_WITH(e, field) servers_with(&(e), offsetof(fake_server, field))

/* ---------- discovery ---------- */

TEST(cluster_discovers_topology)
{
	cluster_env e;
	int			up = -1;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	CHECK(cql_session_ready(e.s));
	CHECK_STR(cql_session_host(e.s), e.host[0]);
	CHECK_INT(cql_session_host_count(e.s, &up), 3);
	CHECK_INT(up, 3);
	CHECK_STR(cql_session_local_dc(e.s), "dc1");
	/* the control connection registered, then read the three tables */
	CHECK_INT(e.srv[0].registers, 1);
	CHECK_INT(e.srv[0].topology_queries, 3);
	CHECK_INT(e.srv[0].bad_requests, 0);
	/* the other nodes are connected lazily */
	CHECK_INT(e.srv[1].connections, 0);
	CHECK_INT(e.srv[2].connections, 0);
	/* connecting again: ready, at once */
	{
		cql_future *f = cql_session_connect(e.s);

		REQUIRE(f != NULL);
		CHECK(cql_future_done(f));
		cql_future_release(f);
	}
	cluster_stop(&e);
}

/*
 * Before Cassandra 4.0 there is no system.peers_v2: the session reads
 * system.peers instead (rpc_address, the session's port).
 */
TEST(cluster_discovers_peers_v1)
{
	cluster_env e;
	int			up = -1;

	CLUSTER_START(e, 1, 0);
	/* two more nodes on other loopback addresses, nothing listening */
	e.cl.nnodes = 3;
	for (int i = 1; i < 3; i++)
	{
		e.cl.nodes[i] = e.cl.nodes[0];
		e.cl.nodes[i].address = i == 1 ? "127.0.0.2" : "127.0.0.3";
		e.cl.nodes[i].tokens[0] += i;
		e.cl.nodes[i].ntokens = 1;
	}
	e.cl.no_peers_v2 = true;
	REQUIRE(cluster_session(&e));
	CHECK_INT(e.srv[0].topology_queries, 4);	/* local, peers_v2, peers, keyspaces */
	CHECK_INT(cql_session_host_count(e.s, &up), 3);
	CHECK_INT(up, 3);
	cluster_stop(&e);
}

/* ---------- routing ---------- */

/* a bound partition key goes to the replica owning its token (RF 1) */
TEST(cluster_token_aware_routing)
{
	cluster_env e;
	cql_prepared *p;
	int			per_node[3] = {0, 0, 0};

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	for (int32_t k = 0; k < 30; k++)
	{
		uint8_t		kb[4];
		int			want = owner_of(&e.cl, key_token(k, kb));
		int			before[3];
		cql_future *f;
		char		v[16] = "";

		for (int i = 0; i < 3; i++)
			before[i] = e.srv[i].executes_ok;
		f = execute_k(e.s, p, k);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		for (int i = 0; i < 3; i++)
			if (e.srv[i].executes_ok - before[i] != (i == want))
				test_fail(__FILE__, __LINE__, "key %d (token %lld, owner node%d): node%d ran %d EXECUTEs",
						  k, (long long) key_token(k, kb), want, i,
						  e.srv[i].executes_ok - before[i]);
		if (row_v(f, v, sizeof(v)))
			CHECK_STR(v, e.names[want]);
		else
			test_fail(__FILE__, __LINE__, "key %d: no row", k);
		per_node[want]++;
		cql_future_release(f);
	}
	/* the keys did exercise every node */
	for (int i = 0; i < 3; i++)
		CHECK(per_node[i] > 0);
	/* the statement was prepared on each node once (UNPREPARED elsewhere) */
	for (int i = 0; i < 3; i++)
		CHECK(e.srv[i].prepares <= 1);
	cql_prepared_release(p);
	cluster_stop(&e);
}

/*
 * A composite partition key (v1, k) whose columns are bound in the other
 * order: the routing key is built in partition key order, each part as
 * [2-byte length][bytes][0].
 */
TEST(cluster_token_aware_composite_key)
{
	cluster_env e;
	cql_prepared *p;
	const cql_result *pr;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	p = prepare_wait(&e, "SELECT k, v FROM ks1.t WHERE k = ? AND v1 = ? /*pk2*/");
	REQUIRE(p != NULL);
	pr = cql_prepared_result(p);
	REQUIRE(cql_result_pk_count(pr) == 2);
	CHECK_INT(cql_result_pk_index(pr, 0), 1);
	CHECK_INT(cql_result_pk_index(pr, 1), 0);
	for (int32_t k = 0; k < 20; k++)
	{
		uint8_t		kb[4];
		char		text[16];
		uint8_t		rk[64];
		size_t		n = 0;
		size_t		tl;
		cql_slice	v[2];
		cql_query_params q;
		cql_future *f;
		int			want;
		char		who[16] = "";

		(void) key_token(k, kb);
		snprintf(text, sizeof(text), "part%d", k * 7);
		tl = strlen(text);
		/* v1 first, then k */
		rk[n++] = 0;
		rk[n++] = (uint8_t) tl;
		memcpy(rk + n, text, tl);
		n += tl;
		rk[n++] = 0;
		rk[n++] = 0;
		rk[n++] = 4;
		memcpy(rk + n, kb, 4);
		n += 4;
		rk[n++] = 0;
		want = owner_of(&e.cl, cql_murmur3_token(rk, n));
		v[0] = (cql_slice) {kb, 4};
		v[1] = (cql_slice) {(const uint8_t *) text, (int32_t) tl};
		memset(&q, 0, sizeof(q));
		q.consistency = CQL_CONSISTENCY_ONE;
		q.values = v;
		q.nvalues = 2;
		f = cql_session_execute_prepared(e.s, p, &q);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		if (!row_v(f, who, sizeof(who)) || strcmp(who, e.names[want]) != 0)
			test_fail(__FILE__, __LINE__, "key (%s, %d): answered by %s, expected %s",
					  text, k, who, e.names[want]);
		cql_future_release(f);
	}
	cql_prepared_release(p);
	cluster_stop(&e);
}

/* an explicit routing key and keyspace route a QUERY the same way */
TEST(cluster_routing_key_param)
{
	cluster_env e;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	for (int node = 0; node < 3; node++)
		for (int round = 0; round < 3; round++)
		{
			uint8_t		kb[4];
			int32_t		k = key_owned_by(&e.cl, node, round * 1000);
			cql_query_params q;
			cql_future *f;

			REQUIRE(k >= 0);
			(void) key_token(k, kb);
			memset(&q, 0, sizeof(q));
			q.consistency = CQL_CONSISTENCY_ONE;
			q.routing_key = (cql_slice) {kb, 4};
			q.keyspace = "ks1";
			f = cql_session_query(e.s, "WHO", &q);
			REQUIRE_DONE(e.r, f);
			CHECK_FUTURE_RC(f, CQL_OK);
			CHECK_INT(single_int(f), e.srv[node].port);
			cql_future_release(f);
		}
	cluster_stop(&e);
}

/* without a routing key, requests go round robin over the hosts */
TEST(cluster_round_robin_without_key)
{
	cluster_env e;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	for (int i = 0; i < 6; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	for (int i = 0; i < 3; i++)
		if (e.srv[i].who != 2)
			test_fail(__FILE__, __LINE__, "node%d answered %d of 6 WHO", i, e.srv[i].who);
	/* in flight together: still spread */
	{
		cql_future *f[9];

		for (int i = 0; i < 9; i++)
			f[i] = query(e.s, "WHO");
		for (int i = 0; i < 9; i++)
		{
			REQUIRE_DONE(e.r, f[i]);
			CHECK_FUTURE_RC(f[i], CQL_OK);
			cql_future_release(f[i]);
		}
		for (int i = 0; i < 3; i++)
			CHECK_INT(e.srv[i].who, 5);
	}
	cluster_stop(&e);
}

/* a node that refuses connections is skipped: the next host answers */
TEST(cluster_refused_host_skipped)
{
	cluster_env e;
	cql_prepared *p;
	int32_t		k;
	int			up = -1;

	CLUSTER_START(e, 3, 1);		/* node3 is dead */
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_host_count(e.s, &up), 4);
	CHECK_INT(up, 4);
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	k = key_owned_by(&e.cl, 3, 0);
	REQUIRE(k >= 0);
	for (int round = 0; round < 2; round++)
	{
		cql_future *f = execute_k(e.s, p, k);
		char		v[16] = "";

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		CHECK(row_v(f, v, sizeof(v)) && strncmp(v, "node", 4) == 0 && v[4] != '3');
		/* first the failed connection counts as an attempt; then node3 is skipped */
		if (cql_future_result(f))
			CHECK_INT(cql_result_attempts(cql_future_result(f)), round == 0 ? 2 : 1);
		cql_future_release(f);
		/* known down now (backing off): the next round does not try it */
		CHECK_INT(cql_session_host_count(e.s, &up), 4);
		CHECK_INT(up, 3);
	}
	/* round robin over 4 hosts, one dead: every request answered */
	for (int i = 0; i < 8; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	CHECK_INT(SUM(e, who), 8);
	cql_prepared_release(p);
	cluster_stop(&e);
}

/* a node that accepts connections but never answers: the connect timeout moves on */
TEST(cluster_hung_host_skipped)
{
	cluster_env e;
	cql_session_config cfg;
	cql_error	err;
	cql_prepared *p;
	cql_future *f;
	int32_t		k;
	int			up = -1;
	char		v[16] = "";

	CLUSTER_START(e, 3, 0);
	e.srv[2].mute = true;
	session_config(&cfg, e.srv[0].port);
	cfg.connect_timeout_ms = 300;
	e.s = cql_session_new(e.r, &cfg, &err);
	REQUIRE(e.s != NULL);
	REQUIRE(session_connect_wait(e.r, e.s));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	k = key_owned_by(&e.cl, 2, 0);
	REQUIRE(k >= 0);
	f = execute_k(e.s, p, k);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK(row_v(f, v, sizeof(v)) && strcmp(v, "node2") != 0);
	if (cql_future_result(f))
		CHECK_INT(cql_result_attempts(cql_future_result(f)), 2);
	cql_future_release(f);
	CHECK_INT(e.srv[2].connections, 1);
	CHECK_INT(e.srv[2].executes, 0);
	CHECK_INT(cql_session_host_count(e.s, &up), 3);
	CHECK_INT(up, 2);
	cql_prepared_release(p);
	cluster_stop(&e);
}

/*
 * The statement is known to no node (prepared elsewhere, or the nodes
 * restarted).  The replica answers UNPREPARED, gets it prepared, then
 * answers Unavailable; the retry goes to the next node, which does not know
 * the statement either: it must be prepared there too, not given up on.
 */
TEST(cluster_reprepare_on_each_node)
{
	cluster_env e;
	cql_prepared *p;
	cql_future *f;
	int32_t		k;
	int			budget = 0;
	char		v[16] = "";

	CLUSTER_START(e, 3, 0);
	for (int i = 0; i < 3; i++)
		e.srv[i].exec_error_budget = &budget;
	REQUIRE(cluster_session(&e));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	for (int i = 0; i < 3; i++)
		fake_server_forget_prepared(&e.srv[i]);
	k = key_owned_by(&e.cl, 1, 0);
	REQUIRE(k >= 0);
	budget = 1;
	f = execute_k(e.s, p, k);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	if (cql_future_rc(f) == CQL_OK)
		CHECK(row_v(f, v, sizeof(v)) && strcmp(v, "node1") != 0);
	cql_future_release(f);
	CHECK_INT(e.srv[1].exec_errors, 1);
	CHECK_INT(SUM(e, unprepared), 2);
	CHECK_INT(SUM(e, executes_ok), 1);
	cql_prepared_release(p);
	cluster_stop(&e);
}

/* ---------- the control connection ---------- */

typedef struct
{
	cql_session *s;
	const char *old;
} control_wait;

static bool
control_moved(void *arg)
{
	control_wait *w = arg;

	return cql_session_ready(w->s) && cql_session_host(w->s)[0] != '\0' &&
		strcmp(cql_session_host(w->s), w->old) != 0;
}

static int
node_of_host(const cluster_env *e, const char *host)
{
	for (int i = 0; i < e->cl.nnodes; i++)
		if (strcmp(e->host[i], host) == 0)
			return i;
	return -1;
}

typedef struct
{
	fake_server *srv;
	int			n;
} count_wait;

static bool
topology_read(void *arg)
{
	count_wait *w = arg;

	return w->srv->topology_queries >= w->n;
}

/*
 * The control node goes away (stop), or only closes its connections (drop);
 * warm: another host is connected already, cold: none is.  Another host
 * becomes the control; the session works on.
 */
static void
control_failover(bool warm, bool stop)
{
	cluster_env e;
	control_wait w;
	count_wait	tw;
	int			node;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	if (warm)
	{
		for (int i = 0; i < 3; i++)
		{
			cql_future *f = query(e.s, "WHO");

			REQUIRE_DONE(e.r, f);
			cql_future_release(f);
		}
		CHECK_INT(e.srv[1].connections + e.srv[2].connections, 2);
	}
	if (stop)
		fake_server_stop(&e.srv[0]);
	else
		fake_server_drop_clients(&e.srv[0]);
	w.s = e.s;
	w.old = e.host[0];
	REQUIRE(run_until(e.r, control_moved, &w, WAIT_LIMIT_MS));
	node = node_of_host(&e, cql_session_host(e.s));
	CHECK(node == 1 || node == 2);
	REQUIRE(node >= 0);
	/* a connect completes once the new control connection has read the topology */
	{
		cql_future *f = cql_session_connect(e.s);

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	/* the new control connection registered for events */
	CHECK_INT(e.srv[node].registers, 1);
	/* it reads the topology again on its new control connection */
	tw.srv = &e.srv[node];
	tw.n = 3;
	CHECK(run_until(e.r, topology_read, &tw, WAIT_LIMIT_MS));
	for (int i = 0; i < 4; i++)
	{
		cql_future *f = query_idem(e.s, "WHO", true);

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		/* node0 is down (backing off) either way */
		CHECK(single_int(f) == e.srv[1].port || single_int(f) == e.srv[2].port);
		cql_future_release(f);
	}
	CHECK_INT(cql_session_host_count(e.s, NULL), 3);
	cluster_stop(&e);
}

TEST(cluster_control_failover_warm)
{
	control_failover(true, true);
}

TEST(cluster_control_failover_cold)
{
	control_failover(false, true);
}

TEST(cluster_control_failover_connection_dropped)
{
	control_failover(true, false);
}

typedef struct
{
	fake_server *srv;
	int			n;
} register_wait;

static bool
registered(void *arg)
{
	register_wait *w = arg;

	return w->srv->registers >= w->n;
}

typedef struct
{
	cql_session *s;
	uint64_t	epoch;
} epoch_wait;

static bool
epoch_passed(void *arg)
{
	epoch_wait *w = arg;

	return cql_session_schema_epoch(w->s) > w->epoch;
}

/*
 * The new control connection must register for events, or the session
 * never hears of topology, status and schema changes again.
 */
TEST(cluster_control_failover_registers_events)
{
	cluster_env e;
	control_wait w;
	register_wait rw;
	epoch_wait	ew;
	int			node;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	/* on the first control connection, events arrive */
	ew.s = e.s;
	ew.epoch = cql_session_schema_epoch(e.s);
	REQUIRE(fake_server_schema_event(&e.srv[0], "CREATED", "ks1", "t9") == 1);
	CHECK(run_until(e.r, epoch_passed, &ew, WAIT_LIMIT_MS));

	for (int i = 0; i < 3; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		cql_future_release(f);
	}
	fake_server_stop(&e.srv[0]);
	w.s = e.s;
	w.old = e.host[0];
	REQUIRE(run_until(e.r, control_moved, &w, WAIT_LIMIT_MS));
	node = node_of_host(&e, cql_session_host(e.s));
	REQUIRE(node == 1 || node == 2);
	rw.srv = &e.srv[node];
	rw.n = 1;
	if (!run_until(e.r, registered, &rw, 2000))
		test_fail(__FILE__, __LINE__,
				  "the new control connection (node%d) never sent REGISTER", node);
	ew.epoch = cql_session_schema_epoch(e.s);
	if (fake_server_schema_event(&e.srv[node], "UPDATED", "ks1", "t") == 1)
		CHECK(run_until(e.r, epoch_passed, &ew, WAIT_LIMIT_MS));
	else
		test_fail(__FILE__, __LINE__, "node%d has no connection registered for events", node);
	cluster_stop(&e);
}

/* ---------- retries ---------- */

/* Unavailable: once more, on the next host (whose answer counts) */
TEST(cluster_unavailable_retried_on_next_host)
{
	cluster_env e;
	int			budget = 0;
	cql_future *f;

	CLUSTER_START(e, 3, 0);
	for (int i = 0; i < 3; i++)
		e.srv[i].error_budget = &budget;
	REQUIRE(cluster_session(&e));

	budget = 1;
	f = query_idem(e.s, "UNAVAIL 5", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 5);
	if (cql_future_result(f))
	{
		CHECK_INT(cql_result_attempts(cql_future_result(f)), 2);
		CHECK(node_of_host(&e, cql_result_coordinator(cql_future_result(f))) >= 0);
	}
	cql_future_release(f);
	CHECK_INT(budget, 0);
	CHECK_INT(SUM(e, flaky), 2);
	CHECK_INT(SERVERS_WITH(e, flaky), 2);

	/* Unavailable twice: given up after the one retry */
	budget = 100;
	f = query_idem(e.s, "UNAVAIL 6", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_UNAVAILABLE);
	CHECK_INT(cql_future_error(f)->required, 2);
	CHECK_INT(cql_future_error(f)->alive, 1);
	CHECK(node_of_host(&e, cql_future_error(f)->host) >= 0);
	cql_future_release(f);
	CHECK_INT(SUM(e, flaky), 4);
	CHECK_INT(budget, 98);
	cluster_stop(&e);
}

/* a syntax error is final, idempotent or not */
TEST(cluster_syntax_error_not_retried)
{
	cluster_env e;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	for (int idem = 0; idem < 2; idem++)
	{
		cql_future *f = query_idem(e.s, "SYNTAX", idem);

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_ESERVER);
		CHECK_INT(cql_future_error(f)->server_code, CQL_SYNTAX_ERROR);
		CHECK_CONTAINS(cql_future_error(f)->message, "no viable alternative");
		cql_future_release(f);
		CHECK_INT(SUM(e, syntax), idem + 1);
	}
	cluster_stop(&e);
}

/* the connection dies under a non-idempotent request: it may have run, so no retry */
TEST(cluster_non_idempotent_not_retried_on_connection_loss)
{
	cluster_env e;
	cql_future *f;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	f = query_idem(e.s, "CLOSE", false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ECONN);
	cql_future_release(f);
	CHECK_INT(SUM(e, closes), 1);
	/* the session goes on */
	f = query_idem(e.s, "WHO", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	cql_future_release(f);
	CHECK_INT(SUM(e, closes), 1);
	cluster_stop(&e);
}

/* idempotent: retried on the next hosts, twice at most */
TEST(cluster_idempotent_retried_on_connection_loss)
{
	cluster_env e;
	cql_future *f;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	f = query_idem(e.s, "CLOSE", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ECONN);
	cql_future_release(f);
	CHECK_INT(SUM(e, closes), 3);
	CHECK_INT(SERVERS_WITH(e, closes), 3);
	cluster_stop(&e);
}

/* Read timeout with enough replicas but no data: once more, same host */
TEST(cluster_read_timeout_retried_on_same_host)
{
	cluster_env e;
	int			budget = 1;
	cql_future *f;

	CLUSTER_START(e, 3, 0);
	for (int i = 0; i < 3; i++)
		e.srv[i].error_budget = &budget;
	REQUIRE(cluster_session(&e));
	f = query_idem(e.s, "READTIMEOUT 3", false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 3);
	CHECK_INT(SUM(e, flaky), 2);
	CHECK_INT(SERVERS_WITH(e, flaky), 1);
	if (cql_future_result(f))
		CHECK_INT(cql_result_attempts(cql_future_result(f)), 2);
	cql_future_release(f);
	/* twice: given up */
	budget = 2;
	f = query_idem(e.s, "READTIMEOUT 3", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_READ_TIMEOUT);
	CHECK_INT(cql_future_error(f)->received, 2);
	CHECK_INT(cql_future_error(f)->required, 2);
	CHECK(!cql_future_error(f)->data_present);
	cql_future_release(f);
	CHECK_INT(SUM(e, flaky), 4);
	cluster_stop(&e);
}

/* Write timeout and Overloaded: the next host for idempotent requests only */
TEST(cluster_write_timeout_and_overloaded)
{
	static const char *const qs[] = {"WRITETIMEOUT 1", "OVERLOADED 2"};
	static const int codes[] = {CQL_WRITE_TIMEOUT, CQL_OVERLOADED};
	cluster_env e;
	int			budget = 0;

	CLUSTER_START(e, 3, 0);
	for (int i = 0; i < 3; i++)
		e.srv[i].error_budget = &budget;
	REQUIRE(cluster_session(&e));
	for (int i = 0; i < 2; i++)
	{
		cql_future *f;
		int			before = SUM(e, flaky);

		budget = 1;
		f = query_idem(e.s, qs[i], false);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_ESERVER);
		CHECK_INT(cql_future_error(f)->server_code, codes[i]);
		cql_future_release(f);
		CHECK_INT(SUM(e, flaky), before + 1);

		budget = 1;
		f = query_idem(e.s, qs[i], true);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		CHECK_INT(single_int(f), i + 1);
		cql_future_release(f);
		CHECK_INT(SUM(e, flaky), before + 3);
	}
	CHECK_STR(cql_session_host(e.s), e.host[0]);
	cluster_stop(&e);
}

typedef struct
{
	cluster_env *e;
	int			n;
} held_wait;

static bool
held_everywhere(void *arg)
{
	held_wait  *w = arg;
	int			n = 0;

	for (int i = 0; i < w->e->nlive; i++)
		n += w->e->srv[i].nheld;
	return n >= w->n;
}

/*
 * The client's deadline passes: an idempotent request goes to the next
 * hosts (twice at most), a non-idempotent one fails at once.
 */
TEST(cluster_request_timeout_retries)
{
	cluster_env e;
	cql_session_config cfg;
	cql_error	err;
	cql_future *f;
	held_wait	hw;

	CLUSTER_START(e, 3, 0);
	session_config(&cfg, e.srv[0].port);
	cfg.request_timeout_ms = 150;
	e.s = cql_session_new(e.r, &cfg, &err);
	REQUIRE(e.s != NULL);
	REQUIRE(session_connect_wait(e.r, e.s));

	f = query_idem(e.s, "HOLD 1", false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ETIMEDOUT);
	cql_future_release(f);
	hw.e = &e;
	hw.n = 1;
	CHECK(run_until(e.r, held_everywhere, &hw, WAIT_LIMIT_MS));
	run_for(e.r, 100);
	CHECK_INT(e.srv[0].nheld + e.srv[1].nheld + e.srv[2].nheld, 1);

	f = query_idem(e.s, "HOLD 2", true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ETIMEDOUT);
	cql_future_release(f);
	hw.n = 4;
	CHECK(run_until(e.r, held_everywhere, &hw, WAIT_LIMIT_MS));
	/* one held on each node but the first one's earlier one: 3 attempts */
	CHECK_INT(e.srv[0].nheld + e.srv[1].nheld + e.srv[2].nheld, 4);
	for (int i = 0; i < 3; i++)
		CHECK(e.srv[i].nheld >= 1);
	/* the late answers are dropped; the session is fine */
	for (int i = 0; i < 3; i++)
		fake_server_flush(&e.srv[i], false);
	f = query(e.s, "SELECT 5");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 5);
	cql_future_release(f);
	cluster_stop(&e);
}

/* on_control: to the control connection's node, whatever the plan */
TEST(cluster_on_control)
{
	cluster_env e;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	for (int i = 0; i < 5; i++)
	{
		cql_query_params q;
		cql_future *f;

		memset(&q, 0, sizeof(q));
		q.consistency = CQL_CONSISTENCY_ONE;
		q.on_control = true;
		f = cql_session_query(e.s, "WHO", &q);
		REQUIRE_DONE(e.r, f);
		CHECK_INT(single_int(f), e.srv[0].port);
		cql_future_release(f);
	}
	CHECK_INT(e.srv[0].who, 5);
	CHECK_INT(e.srv[1].connections + e.srv[2].connections, 0);
	cluster_stop(&e);
}

/* a request for one node goes there, whatever the plan would say */
TEST(cluster_targeted_host)
{
	cluster_env e;
	char		host[72];
	bool		up;
	int			seen[3] = {0, 0, 0};

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_host_count(e.s, NULL), 3);
	for (int i = 0; i < 3; i++)
	{
		REQUIRE(cql_session_host_at(e.s, i, host, sizeof(host), &up) == CQL_OK);
		CHECK(up);
		for (int k = 0; k < 2; k++)
		{
			cql_query_params q;
			cql_future *f;
			int			node;

			memset(&q, 0, sizeof(q));
			q.consistency = CQL_CONSISTENCY_ONE;
			q.host = host;
			f = cql_session_query(e.s, "WHO", &q);
			REQUIRE_DONE(e.r, f);
			node = node_of_host(&e, host);
			REQUIRE(node >= 0);
			CHECK_INT(single_int(f), e.srv[node].port);
			CHECK(strcmp(cql_result_coordinator(cql_future_result(f)), host) == 0);
			seen[node]++;
			cql_future_release(f);
		}
	}
	CHECK_INT(seen[0], 2);
	CHECK_INT(seen[1], 2);
	CHECK_INT(seen[2], 2);
	/* no such host, a buffer too small, a host that is not in the cluster */
	CHECK_INT(cql_session_host_at(e.s, 3, host, sizeof(host), NULL), CQL_EINVAL);
	CHECK_INT(cql_session_host_at(e.s, -1, host, sizeof(host), NULL), CQL_EINVAL);
	CHECK_INT(cql_session_host_at(e.s, 0, host, 4, NULL), CQL_EINVAL);
	{
		const char *bad[] = {"127.0.0.99:9042", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:0", ""};

		for (int i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
		{
			cql_query_params q;
			cql_future *f;

			memset(&q, 0, sizeof(q));
			q.consistency = CQL_CONSISTENCY_ONE;
			q.host = bad[i];
			f = cql_session_query(e.s, "WHO", &q);
			REQUIRE_DONE(e.r, f);
			CHECK_FUTURE_RC(f, CQL_EINVAL);
			cql_future_release(f);
		}
	}
	cluster_stop(&e);
}

/* the coordinator and the attempts of a plain answer */
TEST(cluster_result_coordinator)
{
	cluster_env e;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	for (int i = 0; i < 3; i++)
	{
		cql_future *f = query(e.s, "WHO");
		cql_result *res;
		int			node;

		REQUIRE_DONE(e.r, f);
		res = cql_future_result(f);
		REQUIRE(res != NULL);
		CHECK_INT(cql_result_attempts(res), 1);
		node = node_of_host(&e, cql_result_coordinator(res));
		REQUIRE(node >= 0);
		CHECK_INT(single_int(f), e.srv[node].port);
		cql_future_release(f);
	}
	cluster_stop(&e);
}

typedef struct
{
	cql_session *s;
	int			n;
} hosts_wait;

static bool
host_count_is(void *arg)
{
	hosts_wait *w = arg;

	return cql_session_host_count(w->s, NULL) == w->n;
}

/* TOPOLOGY_CHANGE events make the control connection read the topology again */
TEST(cluster_topology_events)
{
	cluster_env e;
	hosts_wait	hw;
	int			reads;

	CLUSTER_START(e, 3, 0);
	e.cl.nnodes = 2;			/* node2 has not joined yet */
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_host_count(e.s, NULL), 2);
	reads = e.srv[0].topology_queries;

	e.cl.nnodes = 3;
	REQUIRE(fake_server_topology_event(&e.srv[0], "TOPOLOGY_CHANGE", "NEW_NODE",
									   "127.0.0.1", e.srv[2].port) == 1);
	hw.s = e.s;
	hw.n = 3;
	REQUIRE(run_until(e.r, host_count_is, &hw, WAIT_LIMIT_MS));
	CHECK(e.srv[0].topology_queries >= reads + 3);
	/* the new node takes requests */
	for (int i = 0; i < 3; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		cql_future_release(f);
	}
	CHECK_INT(e.srv[2].who, 1);

	/* node1 leaves */
	e.cl.nodes[1] = e.cl.nodes[2];
	e.cl.nnodes = 2;
	e.srv[2].self = 1;
	REQUIRE(fake_server_topology_event(&e.srv[0], "TOPOLOGY_CHANGE", "REMOVED_NODE",
									   "127.0.0.1", e.srv[1].port) == 1);
	hw.n = 2;
	REQUIRE(run_until(e.r, host_count_is, &hw, WAIT_LIMIT_MS));
	for (int i = 0; i < 4; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	CHECK_INT(e.srv[1].who, 1);	/* none since it left */
	cluster_stop(&e);
}

/* ---------- descriptor budget ---------- */

static int fds_held;
static int fds_refuse_after = -1;

static bool
fd_acquire(void)
{
	if (fds_refuse_after >= 0 && fds_held >= fds_refuse_after)
		return false;
	fds_held++;
	return true;
}

static void
fd_release(void)
{
	fds_held--;
}

/* every connection counted once, given back when it closes */
TEST(cluster_fd_hooks)
{
	cluster_env e;
	cql_future *f;

	CLUSTER_START(e, 3, 1);
	fds_held = 0;
	fds_refuse_after = -1;
	cql_reactor_set_fd_hooks(e.r, fd_acquire, fd_release);
	REQUIRE(cluster_session(&e));
	CHECK_INT(fds_held, 1);
	for (int i = 0; i < 8; i++)
	{
		f = query(e.s, "WHO");
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	/* three live connections; the refused one gave its descriptor back */
	run_for(e.r, 50);
	CHECK_INT(fds_held, 3);
	cql_session_free(e.s);
	e.s = NULL;
	run_for(e.r, 50);
	CHECK_INT(fds_held, 0);

	/* a budget of two: the third host cannot be connected, the others can */
	fds_refuse_after = 2;
	REQUIRE(cluster_session(&e));
	for (int i = 0; i < 8; i++)
	{
		f = query(e.s, "WHO");
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	CHECK_INT(fds_held, 2);
	cql_session_free(e.s);
	e.s = NULL;
	run_for(e.r, 50);
	CHECK_INT(fds_held, 0);

	/* none at all */
	fds_refuse_after = 0;
	{
		cql_session_config cfg;
		cql_error	err;

		session_config(&cfg, e.srv[0].port);
		e.s = cql_session_new(e.r, &cfg, &err);
		REQUIRE(e.s != NULL);
		f = cql_session_connect(e.s);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_ECONN);
		CHECK_CONTAINS(cql_future_error(f)->message, "no file descriptor");
		cql_future_release(f);
	}
	cluster_stop(&e);
	CHECK_INT(fds_held, 0);
}

/* ---------- two data centres ---------- */

/* the first node of dc clockwise from token t (the ring walk) */
static int
first_in_dc(const fake_cluster *c, int64_t t, const char *dc)
{
	int			best = -1;
	int64_t		best_tok = 0;
	int			first = -1;
	int64_t		first_tok = 0;

	for (int i = 0; i < c->nnodes; i++)
	{
		if (strcmp(c->nodes[i].dc, dc) != 0)
			continue;
		for (int j = 0; j < c->nodes[i].ntokens; j++)
		{
			int64_t		tok = c->nodes[i].tokens[j];

			if (tok >= t && (best < 0 || tok < best_tok))
			{
				best = i;
				best_tok = tok;
			}
			if (first < 0 || tok < first_tok)
			{
				first = i;
				first_tok = tok;
			}
		}
	}
	return best >= 0 ? best : first;
}

/*
 * Nodes 0 and 2 in dc1, 1 and 3 in dc2; ks2dc replicates once in each.
 * The local replica comes first; without a key, only local hosts are used.
 */
static void
two_dcs(const char *local_dc)
{
	cluster_env e;
	cql_session_config cfg;
	cql_error	err;
	cql_prepared *p;
	const char *local = local_dc ? local_dc : "dc1";

	CLUSTER_START(e, 4, 0);
	for (int i = 0; i < 4; i++)
		e.cl.nodes[i].dc = i % 2 ? "dc2" : "dc1";
	e.cl.keyspaces[0] = (fake_keyspace) {
		"ks2dc", {"class", "dc1", "dc2"},
		{"org.apache.cassandra.locator.NetworkTopologyStrategy", "1", "1"}, 3
	};
	session_config(&cfg, e.srv[0].port);
	cfg.local_dc = local_dc;
	e.s = cql_session_new(e.r, &cfg, &err);
	REQUIRE(e.s != NULL);
	REQUIRE(session_connect_wait(e.r, e.s));
	CHECK_STR(cql_session_local_dc(e.s), local);

	p = prepare_wait(&e, "SELECT k, v FROM ks2dc.t WHERE k = ?");
	REQUIRE(p != NULL);
	for (int32_t k = 0; k < 24; k++)
	{
		uint8_t		kb[4];
		int64_t		t = key_token(k, kb);
		int			want = first_in_dc(&e.cl, t, local);
		cql_future *f = execute_k(e.s, p, k);
		char		v[16] = "";

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		if (!row_v(f, v, sizeof(v)) || strcmp(v, e.names[want]) != 0)
			test_fail(__FILE__, __LINE__, "key %d (primary node%d): answered by %s, expected %s",
					  k, owner_of(&e.cl, t), v, e.names[want]);
		cql_future_release(f);
	}
	cql_prepared_release(p);
	for (int i = 0; i < 8; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	for (int i = 0; i < 4; i++)
		if (strcmp(e.cl.nodes[i].dc, local) == 0)
			CHECK_INT(e.srv[i].who, 4);
		else
			CHECK_INT(e.srv[i].who, 0);
	cluster_stop(&e);
}

TEST(cluster_two_dcs_local_from_control)
{
	two_dcs(NULL);
}

TEST(cluster_two_dcs_local_given)
{
	two_dcs("dc2");
}

/*
 * Metadata is cached against (session, schema epoch).  A session freed and
 * a new one made, even at the same address, must never report an epoch the
 * old one did, or stale metadata would be taken as current.
 */
TEST(cluster_schema_epochs_unique_across_sessions)
{
	cluster_env e;
	uint64_t	first;

	CLUSTER_START(e, 1, 0);
	REQUIRE(cluster_session(&e));
	first = cql_session_schema_epoch(e.s);
	cql_session_free(e.s);
	e.s = NULL;
	REQUIRE(cluster_session(&e));
	CHECK(cql_session_schema_epoch(e.s) != first);
	CHECK(cql_session_schema_epoch(e.s) > first);
	cluster_stop(&e);
}

/*
 * cql_session_host_state: up until a connection attempt fails, down after,
 * unknown for an address that is not one of the session's hosts.
 */
TEST(cluster_host_state_by_address)
{
	cluster_env e;
	const uint8_t a1[4] = {127, 0, 0, 1};
	const uint8_t a2[4] = {127, 0, 0, 2};
	const uint8_t a9[4] = {127, 0, 0, 9};

	CLUSTER_START(e, 1, 0);
	e.cl.nnodes = 2;
	e.cl.nodes[1] = e.cl.nodes[0];
	e.cl.nodes[1].address = "127.0.0.2";	/* nothing listens there */
	e.cl.nodes[1].tokens[0] += 1;
	e.cl.nodes[1].ntokens = 1;
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_host_state(e.s, a1, 4), 1);
	CHECK_INT(cql_session_host_state(e.s, a2, 4), 1);
	CHECK_INT(cql_session_host_state(e.s, a9, 4), -1);
	CHECK_INT(cql_session_host_state(e.s, a1, 3), -1);
	/* round robin reaches 127.0.0.2, whose connection is refused */
	for (int i = 0; i < 4; i++)
	{
		cql_future *f = query(e.s, "WHO");

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
	}
	CHECK_INT(cql_session_host_state(e.s, a2, 4), 0);
	CHECK_INT(cql_session_host_state(e.s, a1, 4), 1);
	cluster_stop(&e);
}

/* ---------- the token ring as ranges (ring.c) ---------- */

/*
 * The ranges cover (INT64_MIN, INT64_MAX] end to end, one per ring token
 * plus the wrap-around part, and each names the replicas of its end token
 * (the owner first), as routing by key would find them.
 */
TEST(cluster_token_ring_ranges)
{
	cluster_env e;
	cql_token_ring *ring = NULL;
	cql_error	err;
	int			n;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_token_ring(e.s, "ks1", &ring, &err), CQL_OK);
	REQUIRE(ring != NULL);
	n = cql_token_ring_count(ring);
	/* 12 ring tokens, none at INT64_MIN or INT64_MAX: 13 ranges */
	CHECK_INT(n, 3 * TOKENS_PER_NODE + 1);
	CHECK_INT(cql_token_ring_host_count(ring), 3);
	CHECK(cql_token_ring_range(ring, -1) == NULL);
	CHECK(cql_token_ring_range(ring, n) == NULL);
	for (int i = 0; i < n; i++)
	{
		const cql_token_range *r = cql_token_ring_range(ring, i);

		REQUIRE(r != NULL);
		CHECK(r->start < r->end);
		if (i == 0)
			CHECK(r->start == INT64_MIN);
		else
			CHECK(r->start == cql_token_ring_range(ring, i - 1)->end);
		if (i == n - 1)
			CHECK(r->end == INT64_MAX);
		REQUIRE(r->nreplicas == 1);
		CHECK_STR(r->replicas[0], e.host[owner_of(&e.cl, r->end)]);
		/* every token of the range has the same owner */
		CHECK_INT(owner_of(&e.cl, r->start + 1), owner_of(&e.cl, r->end));
	}
	cql_token_ring_free(ring);

	/* RF 3 on three nodes: every node, the owner first */
	CHECK_INT(cql_session_token_ring(e.s, "ks3", &ring, &err), CQL_OK);
	REQUIRE(ring != NULL);
	for (int i = 0; i < cql_token_ring_count(ring); i++)
	{
		const cql_token_range *r = cql_token_ring_range(ring, i);

		REQUIRE(r->nreplicas == 3);
		CHECK_STR(r->replicas[0], e.host[owner_of(&e.cl, r->end)]);
		CHECK(strcmp(r->replicas[0], r->replicas[1]) != 0);
		CHECK(strcmp(r->replicas[1], r->replicas[2]) != 0);
		CHECK(strcmp(r->replicas[0], r->replicas[2]) != 0);
	}
	cql_token_ring_free(ring);

	/* a keyspace the session does not know: the ranges, no replicas */
	CHECK_INT(cql_session_token_ring(e.s, "nosuch", &ring, &err), CQL_OK);
	REQUIRE(ring != NULL);
	CHECK_INT(cql_token_ring_count(ring), 3 * TOKENS_PER_NODE + 1);
	CHECK_INT(cql_token_ring_range(ring, 0)->nreplicas, 0);
	CHECK_INT(cql_token_ring_host_count(ring), 0);
	cql_token_ring_free(ring);

	CHECK_INT(cql_session_token_ring(e.s, NULL, &ring, &err), CQL_EINVAL);
	CHECK(ring == NULL);
	CHECK_INT(cql_session_token_ring(e.s, "ks1", NULL, &err), CQL_EINVAL);
	cluster_stop(&e);
}

/* ring tokens at the extremes leave no empty range */
TEST(cluster_token_ring_extreme_tokens)
{
	cluster_env e;
	cql_token_ring *ring = NULL;
	cql_error	err;

	CLUSTER_START(e, 2, 0);
	e.cl.nodes[0].tokens[0] = INT64_MIN;
	e.cl.nodes[0].ntokens = 1;
	e.cl.nodes[1].tokens[0] = INT64_MAX;
	e.cl.nodes[1].ntokens = 1;
	REQUIRE(cluster_session(&e));
	CHECK_INT(cql_session_token_ring(e.s, "ks1", &ring, &err), CQL_OK);
	REQUIRE(ring != NULL);
	/* (MIN, MAX] only, owned by node 1 */
	REQUIRE(cql_token_ring_count(ring) == 1);
	CHECK(cql_token_ring_range(ring, 0)->start == INT64_MIN);
	CHECK(cql_token_ring_range(ring, 0)->end == INT64_MAX);
	REQUIRE(cql_token_ring_range(ring, 0)->nreplicas == 1);
	CHECK_STR(cql_token_ring_range(ring, 0)->replicas[0], e.host[1]);
	cql_token_ring_free(ring);
	cluster_stop(&e);
}

/* a routing token sends the request to the owner of that token */
TEST(cluster_routing_token_param)
{
	cluster_env e;
	cql_token_ring *ring = NULL;
	cql_error	err;

	CLUSTER_START(e, 3, 0);
	REQUIRE(cluster_session(&e));
	REQUIRE(cql_session_token_ring(e.s, "ks1", &ring, &err) == CQL_OK);
	for (int i = 0; i < cql_token_ring_count(ring); i++)
	{
		const cql_token_range *r = cql_token_ring_range(ring, i);
		int64_t		probe[2] = {r->end, r->start + 1};

		for (int j = 0; j < 2; j++)
		{
			cql_query_params q;
			cql_future *f;

			memset(&q, 0, sizeof(q));
			q.consistency = CQL_CONSISTENCY_ONE;
			q.has_routing_token = true;
			q.routing_token = probe[j];
			q.keyspace = "ks1";
			f = cql_session_query(e.s, "WHO", &q);
			REQUIRE_DONE(e.r, f);
			CHECK_FUTURE_RC(f, CQL_OK);
			CHECK_INT(single_int(f), e.srv[owner_of(&e.cl, r->end)].port);
			cql_future_release(f);
		}
	}
	cql_token_ring_free(ring);
	cluster_stop(&e);
}

/*
 * Coalesced requests wait in the connection's buffer until the loop turns
 * (the loop's timeout is 0 meanwhile, so nobody sleeps on them), then go
 * out together; a request sent without coalescing flushes them first, so
 * the node sees every frame in the order it was sent.
 */
TEST(cluster_coalesced_requests_keep_order)
{
	cluster_env e;
	cql_query_params p;
	cql_future *f[11];
	int			base;
	int			who0;

	CLUSTER_START(e, 1, 0);
	REQUIRE(cluster_session(&e));
	base = e.srv[0].nstreams;
	who0 = e.srv[0].who;
	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	p.coalesce = true;
	for (int i = 0; i < 10; i++)
		f[i] = cql_session_query(e.s, "WHO", &p);
	CHECK_INT(cql_reactor_timeout(e.r), 0);
	f[10] = query(e.s, "WHO");
	for (int i = 0; i < 11; i++)
	{
		REQUIRE_DONE(e.r, f[i]);
		CHECK_FUTURE_RC(f[i], CQL_OK);
		cql_future_release(f[i]);
	}
	CHECK_INT(e.srv[0].who - who0, 11);
	REQUIRE(e.srv[0].nstreams - base == 11);
	for (int i = base + 1; i < e.srv[0].nstreams; i++)
		CHECK(e.srv[0].streams[i] > e.srv[0].streams[i - 1]);

	/* coalesced alone: out on the next turn of the loop */
	for (int i = 0; i < 5; i++)
		f[i] = cql_session_query(e.s, "WHO", &p);
	for (int i = 0; i < 5; i++)
	{
		REQUIRE_DONE(e.r, f[i]);
		CHECK_FUTURE_RC(f[i], CQL_OK);
		cql_future_release(f[i]);
	}
	CHECK_INT(e.srv[0].who - who0, 16);
	cluster_stop(&e);
}

/* a PREPARE answered with something else than a statement is an error, not a statement */
TEST(cluster_prepare_answered_void)
{
	cluster_env e;
	cql_future *f;

	CLUSTER_START(e, 1, 0);
	REQUIRE(cluster_session(&e));
	e.srv[0].prepare_void = true;
	f = cql_session_prepare_cached(e.s, Q_SELECT);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_EPROTO);
	CHECK(cql_future_take_prepared(f) == NULL);
	CHECK(strstr(cql_future_error(f)->message, "not a prepared statement") != NULL);
	cql_future_release(f);
	/* and nothing was cached: once the node answers, the statement is prepared */
	e.srv[0].prepare_void = false;
	f = cql_session_prepare_cached(e.s, Q_SELECT);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	{
		cql_prepared *p = cql_future_take_prepared(f);

		CHECK(p != NULL);
		if (p)
			cql_prepared_release(p);
	}
	cql_future_release(f);
	cluster_stop(&e);
}
