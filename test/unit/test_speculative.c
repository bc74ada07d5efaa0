/*-------------------------------------------------------------------------
 *
 * test_speculative.c
 *		  Speculative execution (cql_session_config.speculative_delay_ms and
 *		  speculative_max) against a fake 3-node cluster: an idempotent
 *		  request still unanswered after the delay is sent to the next node
 *		  of its plan as well, the first answer wins, the others are dropped.
 *
 * Each request is routed (routing key and keyspace ks1, RF 1) so that its
 * first node is known; HOLD <n> keeps it unanswered there until the test
 * flushes that node (no_hold nodes answer at once, held_error makes the
 * flush an ERROR).  The session's delay is 100 ms; every wait is bounded.
 *
 * IDENTIFICATION
 *		  test/unit/test_speculative.c
 *
 *-------------------------------------------------------------------------
 */
#include "session_env.h"
#include "session.h"			/* only to pin the round robin (s->rr) */

#define NODES 3
#define TOKENS_PER_NODE 4
#define DELAY_MS 100
/* the timer may fire a little before our clock says DELAY_MS passed */
#define EARLY_MS 10
/* an answer that took longer than this waited for something else */
#define LATE_MS 2000

typedef struct spec_env
{
	cql_reactor *r;
	fake_server srv[NODES];
	fake_cluster cl;
	cql_session *s;
	char		host[NODES][64];
	char		names[NODES][16];
} spec_env;

/* three fake servers, a ring of evenly spread tokens, ks1 with RF 1 */
static bool
spec_cluster(spec_env *e)
{
	int			ntokens = NODES * TOKENS_PER_NODE;
	uint64_t	step = UINT64_MAX / (uint64_t) ntokens;

	memset(e, 0, sizeof(*e));
	e->r = cql_reactor_new();
	if (e->r == NULL)
		return false;
	e->cl.nnodes = NODES;
	for (int k = 0; k < ntokens; k++)
	{
		fake_node  *nd = &e->cl.nodes[k % NODES];

		nd->tokens[nd->ntokens++] = (int64_t) ((uint64_t) INT64_MIN + (uint64_t) (k + 1) * step);
	}
	for (int i = 0; i < NODES; i++)
	{
		fake_server *srv = &e->srv[i];

		if (fake_server_start(srv, &e->r->loop) != 0)
			return false;
		snprintf(e->names[i], sizeof(e->names[i]), "node%d", i);
		srv->name = e->names[i];
		srv->cluster = &e->cl;
		srv->self = i;
		e->cl.nodes[i].port = srv->port;
		e->cl.nodes[i].dc = "dc1";
		e->cl.nodes[i].rack = "r1";
		snprintf(e->host[i], sizeof(e->host[i]), "127.0.0.1:%d", srv->port);
	}
	e->cl.keyspaces[0] = (fake_keyspace) {
		"ks1", {"class", "replication_factor"},
		{"org.apache.cassandra.locator.SimpleStrategy", "1"}, 2
	};
	e->cl.nkeyspaces = 1;
	return true;
}

/*
 * A session with this speculative delay and maximum, connected; warm: a
 * connection ready to every node (WHO until each one answered one).
 */
static bool
spec_session(spec_env *e, int delay_ms, int max, bool warm)
{
	cql_session_config cfg;
	cql_error	err;

	session_config(&cfg, e->srv[0].port);
	cfg.request_timeout_ms = 5000;
	cfg.speculative_delay_ms = delay_ms;
	cfg.speculative_max = max;
	e->s = cql_session_new(e->r, &cfg, &err);
	if (e->s == NULL)
	{
		test_fail(__FILE__, __LINE__, "cql_session_new: %s", err.message);
		return false;
	}
	if (!session_connect_wait(e->r, e->s))
		return false;
	for (int i = 0; warm && i < 30; i++)
	{
		cql_future *f;
		bool		all = true;

		for (int n = 0; n < NODES; n++)
			all = all && e->srv[n].who > 0;
		if (all)
			return true;
		f = query(e->s, "WHO");
		if (f == NULL || !WAIT(e->r, f) || cql_future_rc(f) != CQL_OK)
		{
			test_fail(__FILE__, __LINE__, "WHO failed while warming up");
			cql_future_release(f);
			return false;
		}
		cql_future_release(f);
	}
	if (warm)
		test_fail(__FILE__, __LINE__, "not every node was connected");
	return !warm;
}

static bool
all_closed(void *arg)
{
	spec_env   *e = arg;

	for (int i = 0; i < NODES; i++)
		if (e->srv[i].open_handles != 0)
			return false;
	return true;
}

static void
spec_stop(spec_env *e)
{
	if (e->s)
		cql_session_free(e->s);
	e->s = NULL;
	for (int i = 0; i < NODES; i++)
		fake_server_stop(&e->srv[i]);
	if (!run_until(e->r, all_closed, e, WAIT_LIMIT_MS))
		test_fail(__FILE__, __LINE__, "the fake servers did not close");
	cql_reactor_free(e->r);
	e->r = NULL;
}

#define SPEC_START(e, delay, max, warm) \
	do { \
		if (!spec_cluster(&(e))) \
		{ \
			test_fail(__FILE__, __LINE__, "could not start the fake cluster"); \
			return; \
		} \
		if (!spec_session(&(e), delay, max, warm)) \
		{ \
			spec_stop(&(e)); \
			return; \
		} \
	} while (0)

/* ---------- routing ---------- */

/* a routed request: its frame and routing key are copied before it returns */
typedef struct routed
{
	uint8_t		kb[4];
	cql_query_params q;
} routed;

/* HOLD n, routed to node first (the plan's first host) */
static cql_future *
hold_on(spec_env *e, int first, int n, bool idempotent)
{
	routed		rt;
	char		cql[32];
	int32_t		k;

	for (k = 0; k < 100000; k++)
		if (owner_of(&e->cl, key_token(k, rt.kb)) == first)
			break;
	if (k == 100000)
		return NULL;
	memset(&rt.q, 0, sizeof(rt.q));
	rt.q.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	rt.q.idempotent = idempotent;
	rt.q.routing_key.data = rt.kb;
	rt.q.routing_key.len = 4;
	rt.q.keyspace = "ks1";
	snprintf(cql, sizeof(cql), "HOLD %d", n);
	return cql_session_query(e->s, cql, &rt.q);
}

/* ---------- waiting ---------- */

static int
holds(const spec_env *e)
{
	int			n = 0;

	for (int i = 0; i < NODES; i++)
		n += e->srv[i].holds;
	return n;
}

typedef struct
{
	spec_env   *e;
	int			n;
} holds_wait;

static bool
holds_reached(void *arg)
{
	holds_wait *w = arg;

	return holds(w->e) >= w->n;
}

/* wait until n HOLD queries arrived in all; ms since t0 then, or -1 */
static long
wait_holds(spec_env *e, int n, uint64_t t0)
{
	holds_wait	w = {e, n};

	if (!run_until(e->r, holds_reached, &w, WAIT_LIMIT_MS))
		return -1;
	return (long) (now_ms() - t0);
}

static bool
nothing_in_flight(void *arg)
{
	return cql_session_in_flight(arg) == 0;
}

#define CHECK_NOTHING_IN_FLIGHT(e) \
	do { \
		if (!run_until((e).r, nothing_in_flight, (e).s, WAIT_LIMIT_MS)) \
			test_fail(__FILE__, __LINE__, "%d requests still in flight", \
					  cql_session_in_flight((e).s)); \
	} while (0)

/* a node that received a HOLD, other than not_a and not_b (-1 if none) */
static int
other_holder(const spec_env *e, int not_a, int not_b)
{
	for (int i = 0; i < NODES; i++)
		if (i != not_a && i != not_b && e->srv[i].holds > 0)
			return i;
	return -1;
}

static int
node_of_host(const spec_env *e, const char *host)
{
	for (int i = 0; i < NODES; i++)
		if (host && strcmp(e->host[i], host) == 0)
			return i;
	return -1;
}

/* the session answers a plain request afterwards */
#define CHECK_SESSION_WORKS(e) \
	do { \
		cql_future *_f = query((e).s, "SELECT 42"); \
		REQUIRE_DONE((e).r, _f); \
		CHECK_FUTURE_RC(_f, CQL_OK); \
		CHECK_INT(single_int(_f), 42); \
		cql_future_release(_f); \
	} while (0)

/* ---------- the tests ---------- */

/*
 * 1. The first node holds the read: after the delay it goes to the second
 * node too, whose answer completes the future; the first node's late
 * answer is dropped.
 */
TEST(spec_second_node_answers)
{
	spec_env	e;
	cql_future *f;
	cql_result *res;
	uint64_t	t0;
	long		ms;
	int			node;

	SPEC_START(e, DELAY_MS, 2, true);
	e.srv[0].no_hold = e.srv[2].no_hold = true;	/* only node1 is slow */
	t0 = now_ms();
	f = hold_on(&e, 1, 7, true);
	REQUIRE_DONE(e.r, f);
	ms = (long) (now_ms() - t0);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 7);
	if (ms < DELAY_MS - EARLY_MS || ms > LATE_MS)
		test_fail(__FILE__, __LINE__, "answered after %ld ms, expected about %d", ms, DELAY_MS);
	CHECK_INT(e.srv[1].holds, 1);
	CHECK_INT(e.srv[1].nheld, 1);
	CHECK_INT(holds(&e), 2);
	res = cql_future_result(f);
	REQUIRE(res != NULL);
	node = node_of_host(&e, cql_result_coordinator(res));
	CHECK(node == 0 || node == 2);
	if (node >= 0)
		CHECK_INT(e.srv[node].holds, 1);
	/* the count of attempts is checked in spec_result_counts_attempts */
	CHECK(cql_result_attempts(res) >= 1);

	/* the slow node answers at last: dropped, the result stays */
	fake_server_flush(&e.srv[1], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	CHECK_INT(single_int(f), 7);
	CHECK_STR(cql_result_coordinator(cql_future_result(f)), e.host[node >= 0 ? node : 0]);
	cql_future_release(f);
	/* no third attempt was started for the answered request */
	run_for(e.r, DELAY_MS + 50);
	CHECK_INT(holds(&e), 2);
	CHECK_SESSION_WORKS(e);
	spec_stop(&e);
}

/*
 * 2. Both nodes hold: a third attempt after another delay, then none
 * (speculative_max 2 and no node left); with speculative_max 1 two
 * attempts at most.
 */
TEST(spec_third_attempt_and_max)
{
	spec_env	e;
	cql_future *f;
	uint64_t	t0;
	long		ms2,
				ms3;
	int			second,
				third;

	SPEC_START(e, DELAY_MS, 2, true);
	t0 = now_ms();
	f = hold_on(&e, 2, 8, true);
	REQUIRE(f != NULL);
	ms2 = wait_holds(&e, 2, t0);
	REQUIRE(ms2 >= 0);
	second = other_holder(&e, 2, -1);
	ms3 = wait_holds(&e, 3, t0);
	REQUIRE(ms3 >= 0);
	third = other_holder(&e, 2, second);
	REQUIRE(second >= 0 && third >= 0);
	CHECK(!cql_future_done(f));
	if (ms2 < DELAY_MS - EARLY_MS || ms2 > LATE_MS)
		test_fail(__FILE__, __LINE__, "second attempt after %ld ms, expected about %d",
				  ms2, DELAY_MS);
	if (ms3 < 2 * DELAY_MS - EARLY_MS || ms3 - ms2 < DELAY_MS - EARLY_MS)
		test_fail(__FILE__, __LINE__, "third attempt after %ld ms (second %ld), expected about %d",
				  ms3, ms2, 2 * DELAY_MS);
	/* one on each node, the plan's first node first */
	for (int i = 0; i < NODES; i++)
		CHECK_INT(e.srv[i].holds, 1);
	/* no fourth */
	run_for(e.r, 2 * DELAY_MS + 50);
	CHECK_INT(holds(&e), 3);
	CHECK(!cql_future_done(f));

	/* the last node answers first: its answer wins, the others are dropped */
	fake_server_flush(&e.srv[third], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 8);
	if (cql_future_result(f))
		CHECK_STR(cql_result_coordinator(cql_future_result(f)), e.host[third]);
	fake_server_flush(&e.srv[2], false);
	fake_server_flush(&e.srv[second], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	cql_future_release(f);
	CHECK_SESSION_WORKS(e);
	spec_stop(&e);

	/* speculative_max 1: two attempts */
	SPEC_START(e, DELAY_MS, 1, true);
	t0 = now_ms();
	f = hold_on(&e, 0, 9, true);
	REQUIRE(f != NULL);
	ms2 = wait_holds(&e, 2, t0);
	REQUIRE(ms2 >= 0);
	if (ms2 < DELAY_MS - EARLY_MS)
		test_fail(__FILE__, __LINE__, "second attempt after %ld ms", ms2);
	run_for(e.r, 2 * DELAY_MS + 50);
	CHECK_INT(holds(&e), 2);
	CHECK_INT(e.srv[0].holds, 1);
	second = other_holder(&e, 0, -1);
	REQUIRE(second > 0);
	fake_server_flush(&e.srv[second], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	if (cql_future_result(f))
		CHECK_STR(cql_result_coordinator(cql_future_result(f)), e.host[second]);
	fake_server_flush(&e.srv[0], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	cql_future_release(f);
	spec_stop(&e);
}

/* 3. A request that is not idempotent is sent once, however long it takes. */
TEST(spec_not_idempotent_sent_once)
{
	spec_env	e;
	cql_future *f;

	SPEC_START(e, DELAY_MS, 2, true);
	f = hold_on(&e, 1, 3, false);
	REQUIRE(f != NULL);
	run_for(e.r, 3 * DELAY_MS + 50);
	CHECK(!cql_future_done(f));
	CHECK_INT(holds(&e), 1);
	CHECK_INT(e.srv[1].nheld, 1);
	fake_server_flush(&e.srv[1], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 3);
	if (cql_future_result(f))
	{
		CHECK_STR(cql_result_coordinator(cql_future_result(f)), e.host[1]);
		CHECK_INT(cql_result_attempts(cql_future_result(f)), 1);
	}
	cql_future_release(f);
	CHECK_INT(holds(&e), 1);
	CHECK_NOTHING_IN_FLIGHT(e);
	spec_stop(&e);
}

/*
 * 4. The first node answers with a final error (syntax) while the
 * speculative attempt is out: the retry decider says rethrow, so the
 * request fails at once, is not sent again, and the late answer of the
 * other node is dropped.
 */
TEST(spec_final_error_not_retried)
{
	spec_env	e;
	cql_future *f;
	int			second;

	SPEC_START(e, DELAY_MS, 2, true);
	f = hold_on(&e, 0, 4, true);
	REQUIRE(f != NULL);
	REQUIRE(wait_holds(&e, 2, now_ms()) >= 0);
	second = other_holder(&e, 0, -1);
	REQUIRE(second > 0);
	e.srv[0].held_error = CQL_SYNTAX_ERROR;
	fake_server_flush(&e.srv[0], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_SYNTAX_ERROR);
	CHECK_STR(cql_future_error(f)->host, e.host[0]);
	/* not retried, and no third attempt for the finished request */
	run_for(e.r, 2 * DELAY_MS + 50);
	CHECK_INT(holds(&e), 2);
	CHECK_INT(e.srv[second].nheld, 1);
	/* the speculative attempt answers at last: dropped */
	fake_server_flush(&e.srv[second], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	cql_future_release(f);
	CHECK_SESSION_WORKS(e);
	spec_stop(&e);
}

/*
 * 4b. A retryable error (Overloaded) from the first node while the
 * speculative attempt is out: that attempt decides, and its answer wins.
 */
TEST(spec_retryable_error_other_attempt_decides)
{
	spec_env	e;
	cql_future *f;
	int			second;

	SPEC_START(e, DELAY_MS, 1, true);
	f = hold_on(&e, 0, 5, true);
	REQUIRE(f != NULL);
	REQUIRE(wait_holds(&e, 2, now_ms()) >= 0);
	second = other_holder(&e, 0, -1);
	REQUIRE(second > 0);
	e.srv[0].held_error = CQL_OVERLOADED;
	fake_server_flush(&e.srv[0], false);
	run_for(e.r, 50);
	CHECK(!cql_future_done(f));
	CHECK_INT(holds(&e), 2);	/* not sent again: the other attempt is out */
	fake_server_flush(&e.srv[second], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 5);
	if (cql_future_result(f))
		CHECK_STR(cql_result_coordinator(cql_future_result(f)), e.host[second]);
	cql_future_release(f);
	CHECK_NOTHING_IN_FLIGHT(e);
	CHECK_INT(holds(&e), 2);
	spec_stop(&e);
}

/* 5. The future is released while two attempts are out; both answer later. */
TEST(spec_released_with_two_attempts_out)
{
	spec_env	e;
	cql_future *f;

	SPEC_START(e, DELAY_MS, 1, true);
	f = hold_on(&e, 1, 6, true);
	REQUIRE(f != NULL);
	REQUIRE(wait_holds(&e, 2, now_ms()) >= 0);
	CHECK(!cql_future_done(f));
	CHECK_INT(cql_session_in_flight(e.s), 2);
	cql_future_release(f);
	for (int i = 0; i < NODES; i++)
		fake_server_flush(&e.srv[i], i % 2 == 1);
	CHECK_NOTHING_IN_FLIGHT(e);
	CHECK_INT(holds(&e), 2);

	/* and with both answers errors, the second one final */
	f = hold_on(&e, 2, 6, true);
	REQUIRE(f != NULL);
	REQUIRE(wait_holds(&e, 4, now_ms()) >= 0);
	cql_future_release(f);
	for (int i = 0; i < NODES; i++)
	{
		e.srv[i].held_error = i == 2 ? CQL_OVERLOADED : CQL_SYNTAX_ERROR;
		fake_server_flush(&e.srv[i], false);
	}
	CHECK_NOTHING_IN_FLIGHT(e);
	run_for(e.r, 2 * DELAY_MS);
	CHECK_INT(holds(&e), 4);
	for (int i = 0; i < NODES; i++)
		e.srv[i].held_error = 0;
	CHECK_SESSION_WORKS(e);
	spec_stop(&e);
}

/* 6. The session is freed with speculative attempts in flight. */
TEST(spec_session_free_in_flight)
{
	spec_env	e;
	cql_future *kept;
	cql_future *released;

	SPEC_START(e, DELAY_MS, 2, true);
	kept = hold_on(&e, 0, 1, true);
	released = hold_on(&e, 1, 2, true);
	REQUIRE(kept != NULL && released != NULL);
	/* both requests on two nodes; the timer armed for the third attempts */
	REQUIRE(wait_holds(&e, 4, now_ms()) >= 0);
	CHECK_INT(cql_session_in_flight(e.s), 4);
	cql_future_release(released);
	cql_session_free(e.s);
	e.s = NULL;
	CHECK(cql_future_done(kept));
	CHECK_FUTURE_RC(kept, CQL_ECANCELED);
	cql_future_release(kept);
	/* the closed timer must not fire */
	run_for(e.r, 2 * DELAY_MS + 50);
	CHECK_INT(holds(&e), 4);
	spec_stop(&e);
}

/* 7. speculative_delay_ms 0 (or speculative_max 0): never a second attempt. */
TEST(spec_off)
{
	for (int off = 0; off < 2; off++)
	{
		spec_env	e;
		cql_future *f;

		SPEC_START(e, off == 0 ? 0 : DELAY_MS, off == 0 ? 2 : 0, true);
		f = hold_on(&e, 2, 11, true);
		REQUIRE(f != NULL);
		run_for(e.r, 3 * DELAY_MS + 50);
		CHECK(!cql_future_done(f));
		CHECK_INT(holds(&e), 1);
		CHECK_INT(e.srv[2].nheld, 1);
		fake_server_flush(&e.srv[2], false);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		if (cql_future_result(f))
			CHECK_INT(cql_result_attempts(cql_future_result(f)), 1);
		cql_future_release(f);
		CHECK_INT(holds(&e), 1);
		CHECK_NOTHING_IN_FLIGHT(e);
		spec_stop(&e);
	}
}

/* ---------- regressions: attempts, the plan, the waiting list ---------- */

/*
 * cql_result_attempts() counts the attempts a result took: a speculative
 * execution is one.  The answer of the second node came from attempt 2,
 * that of the third from attempt 3 (cql_fdw shows attempts - 1 as "CQL
 * Retries" in EXPLAIN ANALYZE).
 */
TEST(spec_result_counts_attempts)
{
	spec_env	e;
	cql_future *f;

	SPEC_START(e, DELAY_MS, 2, true);
	e.srv[0].no_hold = e.srv[2].no_hold = true;
	f = hold_on(&e, 1, 7, true);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	REQUIRE(cql_future_result(f) != NULL);
	CHECK_INT(holds(&e), 2);
	CHECK_INT(cql_result_attempts(cql_future_result(f)), 2);
	cql_future_release(f);
	fake_server_flush(&e.srv[1], false);
	CHECK_NOTHING_IN_FLIGHT(e);

	e.srv[0].no_hold = e.srv[2].no_hold = false;
	f = hold_on(&e, 1, 8, true);
	REQUIRE(f != NULL);
	REQUIRE(wait_holds(&e, 5, now_ms()) >= 0);
	fake_server_flush(&e.srv[2], false);
	fake_server_flush(&e.srv[0], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	if (cql_future_result(f))
		CHECK_INT(cql_result_attempts(cql_future_result(f)), 3);
	cql_future_release(f);
	fake_server_flush(&e.srv[1], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	spec_stop(&e);
}

/*
 * Only the control node is connected (a fresh backend).  The speculative
 * timer finds no other node ready, so it sends nothing; but it must not
 * use up the plan: the first node then answers Overloaded, which the
 * decider retries on the next node, as it does without speculation.
 */
TEST(spec_unready_hosts_keep_retry)
{
	for (int delay = 0; delay <= DELAY_MS; delay += DELAY_MS)
	{
		spec_env	e;
		cql_future *f;

		SPEC_START(e, delay, 2, false);
		CHECK_INT(e.srv[1].connections + e.srv[2].connections, 0);
		e.srv[1].no_hold = e.srv[2].no_hold = true;
		f = hold_on(&e, 0, 12, true);
		REQUIRE(f != NULL);
		run_for(e.r, DELAY_MS + 100);
		CHECK(!cql_future_done(f));
		CHECK_INT(holds(&e), 1);
		e.srv[0].held_error = CQL_OVERLOADED;
		fake_server_flush(&e.srv[0], false);
		REQUIRE_DONE(e.r, f);
		if (cql_future_rc(f) != CQL_OK)
			test_fail(__FILE__, __LINE__, "speculative_delay_ms %d: rc %d (%s), "
					  "expected the retry on the next node to answer", delay,
					  cql_future_rc(f), cql_future_error(f)->message);
		else
		{
			CHECK_INT(single_int(f), 12);
			CHECK_INT(holds(&e), 2);
		}
		cql_future_release(f);
		CHECK_NOTHING_IN_FLIGHT(e);
		spec_stop(&e);
	}
}

/*
 * cql_session_free() while a request waits for a host's connection and has
 * a speculative attempt in flight on a host of lower index: closing that
 * connection completes the request, then the waiting list must still free
 * it.  Node1 answers Overloaded; the retry waits for node2, which accepts
 * but never finishes the handshake (mute); the speculative attempt goes to
 * node0.  The leak shows under `make asan` and `make valgrind`.
 */
TEST(spec_session_free_waiting_and_in_flight)
{
	spec_env	e;
	cql_future *f;
	holds_wait	w;

	if (!spec_cluster(&e))
	{
		test_fail(__FILE__, __LINE__, "could not start the fake cluster");
		return;
	}
	e.srv[2].mute = true;
	if (!spec_session(&e, DELAY_MS, 2, false))
	{
		spec_stop(&e);
		return;
	}
	/* the plan: node1 (the replica), then node2, then node0 */
	e.s->rr = 1;
	e.srv[1].held_error = CQL_OVERLOADED;
	f = hold_on(&e, 1, 13, true);
	REQUIRE(f != NULL);
	w.e = &e;
	w.n = 1;
	REQUIRE(run_until(e.r, holds_reached, &w, WAIT_LIMIT_MS));
	fake_server_flush(&e.srv[1], false);	/* before the delay passed */
	/* the retry waits for node2; after the delay node0 gets the request */
	w.n = 2;
	REQUIRE(run_until(e.r, holds_reached, &w, WAIT_LIMIT_MS));
	CHECK_INT(e.srv[0].nheld, 1);
	CHECK_INT(e.srv[2].connections, 1);
	CHECK(!cql_future_done(f));
	cql_session_free(e.s);
	e.s = NULL;
	CHECK(cql_future_done(f));
	CHECK_FUTURE_RC(f, CQL_ECANCELED);
	cql_future_release(f);
	spec_stop(&e);
}

/*
 * Both nodes forgot a prepared statement (a rolling restart).  The first
 * node is slow; the speculative attempt gets UNPREPARED, re-prepares on its
 * node and sends the EXECUTE again; then the first node's UNPREPARED
 * arrives.  The first node is another node, so it is re-prepared there
 * too (once per node), or at least the attempt still out decides: the
 * request must not fail with Unprepared.
 */
TEST(spec_unprepared_on_two_nodes)
{
	spec_env	e;
	cql_future *f;
	cql_prepared *p;
	cql_query_params q;
	uint8_t		kb[4];
	cql_slice	v[1];
	int32_t		k;
	int			second = -1;

	SPEC_START(e, DELAY_MS, 1, true);
	f = cql_session_prepare_cached(e.s, "SELECT k, v FROM ks1.t WHERE k = ?");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	p = cql_future_take_prepared(f);
	cql_future_release(f);
	REQUIRE(p != NULL);
	for (int i = 0; i < NODES; i++)
	{
		fake_server_forget_prepared(&e.srv[i]);
		e.srv[i].hold_executes = true;
	}
	for (k = 0; k < 100000; k++)
		if (owner_of(&e.cl, key_token(k, kb)) == 0)
			break;
	REQUIRE(k < 100000);
	v[0].data = kb;
	v[0].len = 4;
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	q.values = v;
	q.nvalues = 1;
	q.idempotent = true;
	f = cql_session_execute_prepared(e.s, p, &q);
	REQUIRE(f != NULL);
	/* node0 holds it; after the delay, the speculative EXECUTE is held too */
	for (uint64_t end = now_ms() + WAIT_LIMIT_MS; second < 0 && now_ms() < end;)
	{
		run_for(e.r, 5);
		second = e.srv[1].nheld ? 1 : e.srv[2].nheld ? 2 : -1;
	}
	REQUIRE(second > 0);
	CHECK_INT(e.srv[0].nheld, 1);
	/* the second node: UNPREPARED, re-prepared, the EXECUTE held again */
	fake_server_flush(&e.srv[second], false);
	for (uint64_t end = now_ms() + WAIT_LIMIT_MS; e.srv[second].nheld == 0 && now_ms() < end;)
		run_for(e.r, 5);
	REQUIRE(e.srv[second].nheld == 1);
	CHECK_INT(e.srv[second].unprepared, 1);
	CHECK_INT(e.srv[second].prepares, 1);
	/* now the first node's UNPREPARED */
	fake_server_flush(&e.srv[0], false);
	run_for(e.r, 50);
	if (cql_future_done(f))
		CHECK_FUTURE_RC(f, CQL_OK);
	for (int i = 0; i < NODES; i++)
		e.srv[i].hold_executes = false;
	for (int i = 0; i < NODES; i++)
		fake_server_flush(&e.srv[i], false);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	cql_future_release(f);
	for (int i = 0; i < NODES; i++)
		fake_server_flush(&e.srv[i], false);
	CHECK_NOTHING_IN_FLIGHT(e);
	cql_prepared_release(p);
	spec_stop(&e);
}
