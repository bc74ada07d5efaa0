/*-------------------------------------------------------------------------
 *
 * test_conn.c
 *		  conn.c and session.c against the in-process fake server, on the
 *		  same cql_reactor loop.  Every wait is bounded by a wall-clock limit.
 *
 * IDENTIFICATION
 *		  test/unit/test_conn.c
 *
 *-------------------------------------------------------------------------
 */
#include "session_env.h"

typedef struct
{
	fake_server *srv;
	int			n;
} held_wait;

static bool
server_holds(void *arg)
{
	held_wait  *w = arg;

	return w->srv->nheld >= w->n;
}

typedef struct
{
	cql_session *s;
	int			n;
} inflight_wait;

static bool
in_flight_is(void *arg)
{
	inflight_wait *w = arg;

	return cql_session_in_flight(w->s) == w->n;
}

static bool
server_has_no_clients(void *arg)
{
	return ((fake_server *) arg)->clients == NULL;
}

#define WAIT(r, f) run_until(r, future_done, f, WAIT_LIMIT_MS)
#define REQUIRE_DONE(r, f) \
	do { \
		REQUIRE((f) != NULL); \
		if (!WAIT(r, f)) \
		{ \
			test_fail(__FILE__, __LINE__, "%s not done within %d ms", #f, WAIT_LIMIT_MS); \
			return; \
		} \
	} while (0)

/* the error of a done future, on one line */
#define CHECK_FUTURE_RC(f, want) \
	do { \
		int _rc = cql_future_rc(f); \
		if (_rc != (want)) \
			test_fail(__FILE__, __LINE__, "%s: rc %d (%s: %s), expected %s", #f, _rc, \
					  cql_strerror(_rc), cql_future_error(f)->message, #want); \
	} while (0)

typedef struct env
{
	cql_reactor *r;
	fake_server srv;
	cql_session *s;
	char		host[64];
} env;

static bool
env_start(env *e)
{
	memset(e, 0, sizeof(*e));
	e->r = cql_reactor_new();
	if (e->r == NULL)
		return false;
	if (fake_server_start(&e->srv, &e->r->loop) != 0)
		return false;
	snprintf(e->host, sizeof(e->host), "127.0.0.1:%d", e->srv.port);
	return true;
}

static cql_session *
env_session(env *e, const char *const *hosts, int nhosts, const char *user,
			const char *password, int request_timeout_ms)
{
	static const char *const local[] = {"127.0.0.1"};
	cql_session_config cfg;
	cql_error	err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.hosts = hosts ? hosts : local;
	cfg.nhosts = hosts ? nhosts : 1;
	cfg.port = e->srv.port;
	cfg.username = user;
	cfg.password = password;
	cfg.connect_timeout_ms = 5000;
	cfg.request_timeout_ms = request_timeout_ms;
	return cql_session_new(e->r, &cfg, &err);
}

/* tear down in the order a backend would, and check nothing is left */
static void
env_stop(env *e)
{
	if (e->s)
		cql_session_free(e->s);
	e->s = NULL;
	fake_server_stop(&e->srv);
	if (!run_until(e->r, server_closed, &e->srv, WAIT_LIMIT_MS))
		test_fail(__FILE__, __LINE__, "the fake server did not close");
	cql_reactor_free(e->r);
	e->r = NULL;
}

static bool
connect_session(env *e)
{
	cql_future *f = cql_session_connect(e->s);
	bool		ok;

	if (f == NULL || !WAIT(e->r, f))
		return false;
	ok = cql_future_rc(f) == CQL_OK;
	if (!ok)
		test_fail(__FILE__, __LINE__, "connect: %s", cql_future_error(f)->message);
	cql_future_release(f);
	return ok;
}

#define ENV_START(e) \
	do { \
		if (!env_start(&(e))) \
		{ \
			test_fail(__FILE__, __LINE__, "could not start the fake server"); \
			return; \
		} \
	} while (0)

/* ---------- tests ---------- */

TEST(conn_connect_and_query)
{
	env			e;
	cql_future *f;
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	c[3];
	int32_t		v;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	CHECK(!cql_session_ready(e.s));
	CHECK_STR(cql_session_host(e.s), "");
	REQUIRE(connect_session(&e));
	CHECK(cql_session_ready(e.s));
	CHECK_STR(cql_session_host(e.s), e.host);
	CHECK_INT(e.srv.options, 1);
	CHECK_INT(e.srv.startups, 1);
	CHECK_STR(e.srv.cql_version, "3.0.0");
	CHECK_INT(e.srv.auth_responses, 0);

	/* connecting a ready session completes at once */
	f = cql_session_connect(e.s);
	REQUIRE(f != NULL);
	CHECK(cql_future_done(f));
	CHECK_FUTURE_RC(f, CQL_OK);
	cql_future_release(f);

	f = query(e.s, "SELECT rows");
	CHECK_INT(cql_future_rc(f), CQL_EAGAIN);
	CHECK(cql_future_result(f) == NULL);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	res = cql_future_result(f);
	REQUIRE(res != NULL);
	CHECK_INT(cql_result_kind(res), CQL_RESULT_ROWS);
	CHECK_INT(cql_result_column_count(res), 3);
	CHECK_STR(cql_result_column(res, 1)->name, "name");
	CHECK_INT(cql_result_row_count(res), 3);
	cql_result_rows(res, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &v), CQL_OK);
	CHECK_INT(v, 1);
	CHECK_MEM(c[1].data, (size_t) c[1].len, "alice", 5);
	/* the result can outlive its future */
	res = cql_future_take_result(f);
	CHECK(cql_future_result(f) == NULL);
	cql_future_release(f);
	CHECK_INT(cql_result_row_count(res), 3);
	cql_result_free(res);
	CHECK_INT(cql_session_in_flight(e.s), 0);

	/* Set_keyspace and a server error on the same connection */
	f = query(e.s, "USE ks1");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	if (cql_future_result(f))
		CHECK_STR(cql_result_keyspace(cql_future_result(f)), "ks1");
	cql_future_release(f);

	f = query(e.s, "FAIL");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_INVALID);
	CHECK_STR(cql_future_error(f)->message, "unconfigured table nope");
	CHECK_STR(cql_future_error(f)->host, e.host);
	CHECK(cql_future_result(f) == NULL);
	cql_future_release(f);

	/* still usable after an ERROR */
	f = query(e.s, "SELECT 42");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 42);
	cql_future_release(f);
	CHECK_INT(e.srv.bad_requests, 0);
	env_stop(&e);
}

/* a frame larger than the read buffer, read straight into its body */
TEST(conn_large_frame)
{
	env			e;
	cql_future *f;
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	c[1];

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	for (int round = 0; round < 2; round++)
	{
		f = query(e.s, "SELECT big");
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		res = cql_future_result(f);
		REQUIRE(res != NULL);
		cql_result_rows(res, &cur);
		REQUIRE(cql_row_next(&cur, c) == 1);
		REQUIRE(c[0].len == FAKE_BIG_CELL);
		for (int i = 0; i < FAKE_BIG_CELL; i++)
			if (c[0].data[i] != (uint8_t) (i * 7))
			{
				test_fail(__FILE__, __LINE__, "byte %d of the big cell is 0x%02x", i, c[0].data[i]);
				break;
			}
		cql_future_release(f);
	}
	/* and a small one after it */
	f = query(e.s, "SELECT 3");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 3);
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_pipelined_out_of_order)
{
	env			e;
	cql_future *f[8];
	held_wait	hw;

	int			base;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	/* the session's own topology queries came first */
	base = e.srv.nstreams;
	for (int i = 0; i < 8; i++)
	{
		char		q[32];

		snprintf(q, sizeof(q), "HOLD %d", 100 + i);
		f[i] = query(e.s, q);
		REQUIRE(f[i] != NULL);
	}
	CHECK_INT(cql_session_in_flight(e.s), 8);
	hw.srv = &e.srv;
	hw.n = 8;
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	/* all sent before any answer, each on its own stream */
	REQUIRE(e.srv.nstreams == base + 8);
	for (int i = base; i < base + 8; i++)
		for (int j = i + 1; j < base + 8; j++)
			if (e.srv.streams[i] == e.srv.streams[j])
				test_fail(__FILE__, __LINE__, "queries %d and %d share stream %d", i, j, e.srv.streams[i]);
	for (int i = 0; i < 8; i++)
		CHECK(!cql_future_done(f[i]));

	fake_server_flush(&e.srv, true);
	for (int i = 0; i < 8; i++)
	{
		REQUIRE_DONE(e.r, f[i]);
		CHECK_FUTURE_RC(f[i], CQL_OK);
		CHECK_INT(single_int(f[i]), 100 + i);
	}
	CHECK_INT(cql_session_in_flight(e.s), 0);
	for (int i = 0; i < 8; i++)
		cql_future_release(f[i]);
	env_stop(&e);
}

/* an EVENT frame (stream -1) in between is not taken for an answer */
TEST(conn_event_frame_ignored)
{
	env			e;
	cql_future *f;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	f = query(e.s, "EVENT 77");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 77);
	cql_future_release(f);
	CHECK(cql_session_ready(e.s));
	env_stop(&e);
}

TEST(conn_request_timeout)
{
	env			e;
	cql_future *f;
	held_wait	hw;
	inflight_wait iw;
	uint64_t	start;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 150);
	REQUIRE(e.s != NULL && connect_session(&e));

	start = now_ms();
	f = query(e.s, "HOLD 7");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ETIMEDOUT);
	CHECK(now_ms() - start >= 140);
	CHECK_STR(cql_future_error(f)->host, e.host);
	cql_future_release(f);
	/* the stream stays taken until the late answer */
	CHECK_INT(cql_session_in_flight(e.s), 1);
	CHECK(cql_session_ready(e.s));

	hw.srv = &e.srv;
	hw.n = 1;
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	fake_server_flush(&e.srv, false);
	iw.s = e.s;
	iw.n = 0;
	REQUIRE(run_until(e.r, in_flight_is, &iw, WAIT_LIMIT_MS));
	CHECK(cql_session_ready(e.s));

	/* the next query gets its own answer, not the late one */
	f = query(e.s, "SELECT 5");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(single_int(f), 5);
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_server_closes)
{
	env			e;
	cql_future *f1;
	cql_future *f2;
	cql_future *f;
	held_wait	hw;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	f1 = query(e.s, "HOLD 1");
	f2 = query(e.s, "HOLD 2");
	hw.srv = &e.srv;
	hw.n = 2;
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	fake_server_drop_clients(&e.srv);
	REQUIRE_DONE(e.r, f1);
	REQUIRE_DONE(e.r, f2);
	CHECK_FUTURE_RC(f1, CQL_ECONN);
	CHECK_FUTURE_RC(f2, CQL_ECONN);
	CHECK_CONTAINS(cql_future_error(f1)->message, e.host);
	cql_future_release(f1);
	cql_future_release(f2);
	/* the next query waits for a new connection and is answered on it */
	f = query(e.s, "SELECT 1");
	REQUIRE(f != NULL);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	cql_future_release(f);
	CHECK(cql_session_ready(e.s));

	/* reconnect */
	REQUIRE(connect_session(&e));
	CHECK(cql_session_ready(e.s));
	CHECK_INT(e.srv.connections, 2);
	f = query(e.s, "SELECT 9");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 9);
	cql_future_release(f);

	/* the server closing on a query */
	f = query(e.s, "CLOSE");
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ECONN);
	cql_future_release(f);
	CHECK(!cql_session_ready(e.s));
	REQUIRE(connect_session(&e));
	CHECK_INT(e.srv.connections, 3);
	env_stop(&e);
}

/* a frame the connection cannot trust makes it defunct */
TEST(conn_protocol_violations)
{
	static const char *const bad[] = {"BADSTREAM", "BADVERSION"};

	for (int i = 0; i < 2; i++)
	{
		env			e;
		cql_future *f;
		cql_future *held;
		held_wait	hw;

		ENV_START(e);
		e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
		REQUIRE(e.s != NULL && connect_session(&e));
		held = query(e.s, "HOLD 1");
		hw.srv = &e.srv;
		hw.n = 1;
		REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
		f = query(e.s, bad[i]);
		REQUIRE_DONE(e.r, f);
		REQUIRE_DONE(e.r, held);
		CHECK_FUTURE_RC(f, CQL_EPROTO);
		CHECK_FUTURE_RC(held, CQL_EPROTO);
		CHECK(!cql_session_ready(e.s));
		cql_future_release(f);
		cql_future_release(held);
		env_stop(&e);
	}
}

TEST(conn_refused)
{
	env			e;
	cql_session_config cfg;
	cql_error	err;
	const char *hosts[] = {"127.0.0.1"};
	cql_future *f;
	char		addr[64];
	int			port;

	ENV_START(e);
	port = fake_closed_port(&e.r->loop);
	REQUIRE(port > 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hosts = hosts;
	cfg.nhosts = 1;
	cfg.port = port;
	cfg.connect_timeout_ms = 5000;
	e.s = cql_session_new(e.r, &cfg, &err);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ECONN);
	CHECK_CONTAINS(cql_future_error(f)->message, addr);
	CHECK(!cql_session_ready(e.s));
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_second_host)
{
	env			e;
	const char *hosts[] = {"127.0.0.2", "127.0.0.1"};
	const char *dead[] = {"127.0.0.2", "127.0.0.3"};
	cql_future *f;
	char		a1[64];
	char		a2[64];

	ENV_START(e);
	/* nothing listens on 127.0.0.2 at the server's port */
	e.s = env_session(&e, hosts, 2, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	REQUIRE(connect_session(&e));
	CHECK_STR(cql_session_host(e.s), e.host);
	f = query(e.s, "SELECT 2");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 2);
	cql_future_release(f);
	cql_session_free(e.s);

	/* every host refuses: the message names each */
	e.s = env_session(&e, dead, 2, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ECONN);
	snprintf(a1, sizeof(a1), "127.0.0.2:%d", e.srv.port);
	snprintf(a2, sizeof(a2), "127.0.0.3:%d", e.srv.port);
	CHECK_CONTAINS(cql_future_error(f)->message, a1);
	CHECK_CONTAINS(cql_future_error(f)->message, a2);
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_auth)
{
	env			e;
	cql_future *f;

	ENV_START(e);
	e.srv.user = "cassandra";
	e.srv.password = "s3cret";
	e.s = env_session(&e, NULL, 0, "cassandra", "s3cret", 5000);
	REQUIRE(e.s != NULL);
	REQUIRE(connect_session(&e));
	CHECK_INT(e.srv.auth_responses, 1);
	CHECK_MEM(e.srv.token, e.srv.token_len, "\0cassandra\0s3cret", 17);
	f = query(e.s, "SELECT 1");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 1);
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_auth_wrong_password)
{
	env			e;
	cql_future *f;

	ENV_START(e);
	e.srv.user = "cassandra";
	e.srv.password = "s3cret";
	e.s = env_session(&e, NULL, 0, "cassandra", "wrong", 5000);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_EAUTH);
	CHECK_CONTAINS(cql_future_error(f)->message, "password are incorrect");
	CHECK_INT(cql_future_error(f)->server_code, CQL_BAD_CREDENTIALS);
	CHECK(!cql_session_ready(e.s));
	cql_future_release(f);
	CHECK_MEM(e.srv.token, e.srv.token_len, "\0cassandra\0wrong", 16);
	cql_session_free(e.s);

	/* no credentials for a server that wants them */
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_EAUTH);
	CHECK_CONTAINS(cql_future_error(f)->message, "PasswordAuthenticator");
	cql_future_release(f);
	env_stop(&e);
}

TEST(conn_connect_timeout)
{
	env			e;
	cql_session_config cfg;
	cql_error	err;
	const char *hosts[] = {"127.0.0.1"};
	cql_future *f;

	ENV_START(e);
	e.srv.mute = true;
	memset(&cfg, 0, sizeof(cfg));
	cfg.hosts = hosts;
	cfg.nhosts = 1;
	cfg.port = e.srv.port;
	cfg.connect_timeout_ms = 150;
	e.s = cql_session_new(e.r, &cfg, &err);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ETIMEDOUT);
	CHECK_CONTAINS(cql_future_error(f)->message, e.host);
	cql_future_release(f);
	CHECK(!cql_session_ready(e.s));
	env_stop(&e);
}

/* releasing a pending future: its answer, or its deadline, frees it */
TEST(conn_release_pending)
{
	env			e;
	cql_future *f;
	held_wait	hw;
	inflight_wait iw;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	f = query(e.s, "HOLD 1");
	REQUIRE(f != NULL);
	cql_future_release(f);
	hw.srv = &e.srv;
	hw.n = 1;
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	CHECK_INT(cql_session_in_flight(e.s), 1);
	fake_server_flush(&e.srv, false);
	iw.s = e.s;
	iw.n = 0;
	REQUIRE(run_until(e.r, in_flight_is, &iw, WAIT_LIMIT_MS));

	f = query(e.s, "SELECT 8");
	REQUIRE_DONE(e.r, f);
	CHECK_INT(single_int(f), 8);
	cql_future_release(f);
	cql_session_free(e.s);

	/* released, then timed out, then answered late */
	e.s = env_session(&e, NULL, 0, NULL, NULL, 50);
	REQUIRE(e.s != NULL && connect_session(&e));
	iw.s = e.s;
	f = query(e.s, "HOLD 2");
	cql_future_release(f);
	run_until(e.r, never, NULL, 200);
	CHECK_INT(cql_session_in_flight(e.s), 1);
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	fake_server_flush(&e.srv, false);
	REQUIRE(run_until(e.r, in_flight_is, &iw, WAIT_LIMIT_MS));
	cql_session_free(e.s);

	/* released, then the connection dies */
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	f = query(e.s, "HOLD 3");
	cql_future_release(f);
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	fake_server_drop_clients(&e.srv);
	REQUIRE(run_until(e.r, server_has_no_clients, &e.srv, WAIT_LIMIT_MS));
	/* the session reconnects by itself; nothing of the released request remains */
	iw.s = e.s;
	iw.n = 0;
	CHECK(run_until(e.r, in_flight_is, &iw, WAIT_LIMIT_MS));
	env_stop(&e);
}

/* freeing the session with requests in flight, then the reactor */
TEST(conn_free_in_flight)
{
	env			e;
	cql_future *f[3];
	cql_future *abandoned;
	held_wait	hw;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	for (int i = 0; i < 3; i++)
	{
		char		q[32];

		snprintf(q, sizeof(q), "HOLD %d", i);
		f[i] = query(e.s, q);
		REQUIRE(f[i] != NULL);
	}
	abandoned = query(e.s, "HOLD 9");
	cql_future_release(abandoned);
	hw.srv = &e.srv;
	hw.n = 4;
	REQUIRE(run_until(e.r, server_holds, &hw, WAIT_LIMIT_MS));
	/* one more that is not even written yet */
	f[2] = (cql_future_release(f[2]), query(e.s, "HOLD 10"));

	cql_session_free(e.s);
	e.s = NULL;
	for (int i = 0; i < 3; i++)
	{
		CHECK(cql_future_done(f[i]));
		CHECK_FUTURE_RC(f[i], CQL_ECANCELED);
		cql_future_release(f[i]);
	}
	/* the server may still answer into the closed socket */
	fake_server_flush(&e.srv, false);
	env_stop(&e);

	/* a session freed while connecting */
	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	f[0] = cql_session_connect(e.s);
	f[1] = cql_session_connect(e.s);
	cql_session_free(e.s);
	e.s = NULL;
	CHECK_FUTURE_RC(f[0], CQL_ECANCELED);
	CHECK_FUTURE_RC(f[1], CQL_ECANCELED);
	cql_future_release(f[0]);
	cql_future_release(f[1]);
	env_stop(&e);

	/* the reactor freed with a session freed but the loop never run again */
	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL && connect_session(&e));
	f[0] = query(e.s, "HOLD 1");
	cql_future_release(f[0]);
	cql_session_free(e.s);
	e.s = NULL;
	fake_server_stop(&e.srv);
	cql_reactor_free(e.r);
	/* the fake server's close callbacks ran inside cql_reactor_free */
}

TEST(session_bad_config)
{
	cql_reactor *r = cql_reactor_new();
	cql_session_config cfg;
	cql_error	err;
	const char *hosts[] = {"not-an-ip"};
	cql_session *s;
	cql_future *f;

	REQUIRE(r != NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hosts = hosts;
	cfg.nhosts = 0;
	cfg.port = 9042;
	CHECK(cql_session_new(r, &cfg, &err) == NULL);
	CHECK_INT(err.code, CQL_EINVAL);
	cfg.nhosts = 1;
	cfg.port = 70000;
	CHECK(cql_session_new(r, &cfg, &err) == NULL);
	cfg.port = 9042;
	s = cql_session_new(r, &cfg, &err);
	REQUIRE(s != NULL);
	/* a host that is not a numeric address fails without I/O */
	f = cql_session_connect(s);
	REQUIRE(f != NULL);
	CHECK(cql_future_done(f));
	CHECK_FUTURE_RC(f, CQL_EINVAL);
	CHECK_CONTAINS(cql_future_error(f)->message, "not-an-ip");
	cql_future_release(f);
	cql_session_free(s);
	cql_reactor_free(r);
}

/* every stream id in use: the next request fails with CQL_EBUSY, at once */
TEST(conn_stream_ids_exhausted)
{
	env			e;
	cql_future **f;
	cql_future *busy;
	int			n = CQL_MAX_STREAMS;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 0);
	REQUIRE(e.s != NULL && connect_session(&e));
	e.srv.mute = true;
	f = calloc((size_t) n, sizeof(cql_future *));
	REQUIRE(f != NULL);
	for (int i = 0; i < n; i++)
	{
		f[i] = query(e.s, "HOLD 1");
		if (f[i] == NULL || cql_future_done(f[i]))
		{
			test_fail(__FILE__, __LINE__, "query %d failed early: %s", i,
					  f[i] ? cql_future_error(f[i])->message : "NULL");
			n = i + (f[i] != NULL);
			break;
		}
	}
	CHECK_INT(cql_session_in_flight(e.s), CQL_MAX_STREAMS);
	busy = query(e.s, "SELECT 1");
	REQUIRE(busy != NULL);
	CHECK(cql_future_done(busy));
	CHECK_FUTURE_RC(busy, CQL_EBUSY);
	cql_future_release(busy);
	/* the ones in flight end with the session */
	for (int i = 0; i < n; i++)
		cql_future_release(f[i]);
	free(f);
	env_stop(&e);
}

/* a connect future released while pending is freed when connecting ends */
TEST(conn_release_pending_connect)
{
	env			e;
	cql_future *f;
	cql_future *g;

	ENV_START(e);
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	g = cql_session_connect(e.s);
	REQUIRE(f != NULL && g != NULL);
	cql_future_release(f);
	REQUIRE_DONE(e.r, g);
	CHECK_FUTURE_RC(g, CQL_OK);
	cql_future_release(g);
	CHECK(cql_session_ready(e.s));
	cql_session_free(e.s);

	/* released, then the session freed before it connects */
	e.s = env_session(&e, NULL, 0, NULL, NULL, 5000);
	REQUIRE(e.s != NULL);
	f = cql_session_connect(e.s);
	cql_future_release(f);
	env_stop(&e);
}
