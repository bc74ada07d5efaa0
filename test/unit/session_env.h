/*-------------------------------------------------------------------------
 *
 * session_env.h
 *		  Helpers of the connection and session tests (test_conn.c,
 *		  test_prepared.c, test_cluster.c, test_speculative.c,
 *		  test_transport.c): running the reactor as the FDW does, with every
 *		  wait bounded by a wall-clock limit, checking futures, and the token
 *		  owners of a fake cluster.
 *
 * IDENTIFICATION
 *		  test/unit/session_env.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UNIT_SESSION_ENV_H
#define UNIT_SESSION_ENV_H

#include "harness.h"
#include "fake_server.h"
#include "conn.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* generous: valgrind is slow, and no wait should take near this */
#define WAIT_LIMIT_MS 10000

static inline uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Run the reactor as the FDW would (poll its fd, then run once) until
 * cond(arg) holds or limit_ms pass. */
static inline bool
run_until(cql_reactor *r, bool (*cond) (void *), void *arg, int limit_ms)
{
	uint64_t	end = now_ms() + (uint64_t) limit_ms;

	for (;;)
	{
		struct pollfd pfd;
		int			timeout;

		cql_reactor_run(r);
		if (cond(arg))
			return true;
		if (now_ms() >= end)
			return false;
		timeout = cql_reactor_timeout(r);
		if (timeout < 0 || timeout > 10)
			timeout = 10;
		pfd.fd = cql_reactor_fd(r);
		pfd.events = POLLIN;
		pfd.revents = 0;
		(void) poll(&pfd, 1, timeout);
	}
}

static inline bool
future_done(void *arg)
{
	return cql_future_done(arg);
}

static inline bool
never(void *arg)
{
	(void) arg;
	return false;
}

/* run the loop for ms, whatever happens */
static inline void
run_for(cql_reactor *r, int ms)
{
	(void) run_until(r, never, NULL, ms);
}

static inline bool
server_closed(void *arg)
{
	return ((fake_server *) arg)->open_handles == 0;
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

static inline cql_future *
query_idem(cql_session *s, const char *q, bool idempotent)
{
	cql_query_params p;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	p.idempotent = idempotent;
	return cql_session_query(s, q, &p);
}

static inline cql_future *
query(cql_session *s, const char *q)
{
	return query_idem(s, q, false);
}

/* the int of a one-row, one-column result, or INT32_MIN */
static inline int32_t
single_int(cql_future *f)
{
	cql_result *res = cql_future_result(f);
	cql_row_cursor cur;
	cql_slice	c[1];
	int32_t		v;

	if (res == NULL || cql_result_kind(res) != CQL_RESULT_ROWS ||
		cql_result_column_count(res) != 1)
		return INT32_MIN;
	cql_result_rows(res, &cur);
	if (cql_row_next(&cur, c) != 1 || cql_decode_int(c[0], &v) != CQL_OK)
		return INT32_MIN;
	return v;
}

/* connect s; false (and a failure recorded) unless it worked */
static inline bool
session_connect_wait(cql_reactor *r, cql_session *s)
{
	cql_future *f = cql_session_connect(s);
	bool		ok;

	if (f == NULL || !WAIT(r, f))
	{
		test_fail(__FILE__, __LINE__, "connect: not done");
		return false;
	}
	ok = cql_future_rc(f) == CQL_OK;
	if (!ok)
		test_fail(__FILE__, __LINE__, "connect: %s", cql_future_error(f)->message);
	cql_future_release(f);
	return ok;
}

/* a config for one contact point 127.0.0.1:port */
static inline void
session_config(cql_session_config *cfg, int port)
{
	static const char *const local[] = {"127.0.0.1"};

	memset(cfg, 0, sizeof(*cfg));
	cfg->hosts = local;
	cfg->nhosts = 1;
	cfg->port = port;
	cfg->connect_timeout_ms = 5000;
	cfg->request_timeout_ms = 5000;
}

/* one fake server and a session on it */
typedef struct single_env
{
	cql_reactor *r;
	fake_server srv;
	cql_session *s;
	char		host[64];		/* "127.0.0.1:port" */
} single_env;

static inline bool
single_start(single_env *e)
{
	memset(e, 0, sizeof(*e));
	e->r = cql_reactor_new();
	if (e->r == NULL || fake_server_start(&e->srv, &e->r->loop) != 0)
	{
		test_fail(__FILE__, __LINE__, "could not start the fake server");
		return false;
	}
	snprintf(e->host, sizeof(e->host), "127.0.0.1:%d", e->srv.port);
	return true;
}

/* a session with cfg (NULL: the defaults of session_config), connected */
static inline bool
single_session(single_env *e, const cql_session_config *cfg)
{
	cql_session_config def;
	cql_error	err;

	if (cfg == NULL)
	{
		session_config(&def, e->srv.port);
		cfg = &def;
	}
	e->s = cql_session_new(e->r, cfg, &err);
	if (e->s == NULL)
	{
		test_fail(__FILE__, __LINE__, "cql_session_new: %s", err.message);
		return false;
	}
	return session_connect_wait(e->r, e->s);
}

/* tear down in the order a backend would, and check nothing is left */
static inline void
single_stop(single_env *e)
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

/* the token of an int partition key (its 4 bytes) */
static inline int64_t
key_token(int32_t k, uint8_t kb[4])
{
	kb[0] = (uint8_t) ((uint32_t) k >> 24);
	kb[1] = (uint8_t) ((uint32_t) k >> 16);
	kb[2] = (uint8_t) ((uint32_t) k >> 8);
	kb[3] = (uint8_t) k;
	return cql_murmur3_token(kb, 4);
}

/* the node owning token t: the first node token >= t, else the smallest */
static inline int
owner_of(const fake_cluster *c, int64_t t)
{
	int			best = -1;
	int64_t		best_tok = 0;
	int			first = -1;
	int64_t		first_tok = INT64_MAX;

	for (int i = 0; i < c->nnodes; i++)
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
	return best >= 0 ? best : first;
}

#endif							/* UNIT_SESSION_ENV_H */
