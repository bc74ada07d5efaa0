/*-------------------------------------------------------------------------
 *
 * session.c
 *		  A session: the configured hosts, a live connection, and requests.
 *
 * This is the single-connection core that the cluster layer (topology,
 * token-aware routing, per-host pools) builds on: it connects to the first
 * host of the list that answers, and reconnects when asked after that
 * connection died.
 *
 * IDENTIFICATION
 *		  src/driver/session.c
 *
 *-------------------------------------------------------------------------
 */
#include "conn.h"
#include "prepared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cql_session
{
	cql_reactor *reactor;
	char	  **hosts;
	char	  **host_names;
	int			nhosts;
	int			port;
	char	   *username;
	char	   *password;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			heartbeat_interval_ms;
	bool		compression;
	cql__tls_ctx *tls;			/* NULL: plain TCP */

	cql_conn   *conn;			/* connecting or ready, or NULL */
	bool		connecting;
	int			attempt;		/* index into hosts of the current attempt */
	cql_future *waiters;		/* connect futures */
	char		attempts[sizeof(((cql_error *) 0)->message)];
	cql__pcache prepared;
};

#define PREPARED_CACHE_SIZE 1024

/*
 * A request on its way: what to send again if the node asks for it (an
 * EXECUTE the node no longer has prepared is prepared again and re-sent).
 */
typedef struct session_request
{
	cql_session *session;
	cql_future *future;
	cql__buf	frame;			/* the encoded request, stream id patched per send */
	cql_prepared *prepared;		/* EXECUTE through the cache: a reference */
	bool		prepare_into_cache;	/* PREPARE for prepare_cached: its CQL */
	char	   *cql;
	int			reprepares;
} session_request;

static void start_attempt(cql_session *s);

static char *
dup_or_null(const char *p)
{
	return p ? strdup(p) : NULL;
}

cql_session *
cql_session_new(cql_reactor *r, const cql_session_config *cfg, cql_error *err)
{
	cql_session *s;

	if (cfg->nhosts <= 0 || cfg->port <= 0 || cfg->port > 65535)
	{
		cql_error_set(err, CQL_EINVAL, "a session needs at least one host and a valid port");
		return NULL;
	}
	s = calloc(1, sizeof(cql_session));
	if (s == NULL)
		goto oom;
	s->reactor = r;
	s->port = cfg->port;
	s->connect_timeout_ms = cfg->connect_timeout_ms;
	s->request_timeout_ms = cfg->request_timeout_ms;
	s->heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	s->compression = cfg->compression;
	s->hosts = calloc((size_t) cfg->nhosts, sizeof(char *));
	s->host_names = calloc((size_t) cfg->nhosts, sizeof(char *));
	if (s->hosts == NULL || s->host_names == NULL)
		goto oom;
	for (int i = 0; i < cfg->nhosts; i++)
	{
		s->hosts[i] = strdup(cfg->hosts[i]);
		s->host_names[i] = strdup(cfg->host_names && cfg->host_names[i]
								  ? cfg->host_names[i] : cfg->hosts[i]);
		s->nhosts++;
		if (s->hosts[i] == NULL || s->host_names[i] == NULL)
			goto oom;
	}
	cql__pcache_init(&s->prepared, PREPARED_CACHE_SIZE);
	if (cfg->tls.enabled)
	{
		s->tls = cql__tls_ctx_new(&cfg->tls, err);
		if (s->tls == NULL)
		{
			cql_session_free(s);
			return NULL;
		}
	}
	s->username = dup_or_null(cfg->username);
	s->password = dup_or_null(cfg->password);
	if ((cfg->username && !s->username) || (cfg->password && !s->password))
		goto oom;
	return s;

oom:
	cql_session_free(s);
	cql_error_set(err, CQL_ENOMEM, "out of memory creating a session");
	return NULL;
}

static void
complete_waiters(cql_session *s, int rc, const cql_error *err)
{
	cql_future *f = s->waiters;

	s->waiters = NULL;
	while (f)
	{
		cql_future *next = f->next;

		f->next = NULL;
		cql__future_complete(f, rc, err, NULL);
		f = next;
	}
}

void
cql_session_free(cql_session *s)
{
	cql_error	err;

	if (s == NULL)
		return;
	if (s->conn)
		cql__conn_close(s->conn);
	s->conn = NULL;
	cql_error_set(&err, CQL_ECANCELED, "session closed");
	complete_waiters(s, CQL_ECANCELED, &err);
	for (int i = 0; i < s->nhosts; i++)
	{
		free(s->hosts[i]);
		free(s->host_names[i]);
	}
	free(s->hosts);
	free(s->host_names);
	/* connections hold no reference to the context once they are closing */
	cql__tls_ctx_free(s->tls);
	if (s->prepared.buckets)
		cql__pcache_free(&s->prepared);
	if (s->password)
		memset(s->password, 0, strlen(s->password));
	free(s->username);
	free(s->password);
	free(s);
}

bool
cql_session_ready(cql_session *s)
{
	return s->conn != NULL && cql__conn_is_ready(s->conn);
}

const char *
cql_session_host(cql_session *s)
{
	return s->conn ? cql__conn_host(s->conn) : "";
}

int
cql_session_in_flight(cql_session *s)
{
	return s->conn ? cql__conn_in_flight(s->conn) : 0;
}

bool
cql_session_compressed(cql_session *s)
{
	return cql_session_ready(s) && cql__conn_compressed(s->conn);
}

bool
cql_session_tls(cql_session *s)
{
	return cql_session_ready(s) && cql__conn_tls(s->conn);
}

static void
conn_closed(cql_conn *c, void *arg)
{
	cql_session *s = arg;

	if (s->conn == c)
		s->conn = NULL;
}

static void
conn_ready(cql_conn *c, void *arg, int rc, const cql_error *err)
{
	cql_session *s = arg;
	size_t		used;

	if (rc == CQL_OK)
	{
		s->connecting = false;
		complete_waiters(s, CQL_OK, NULL);
		return;
	}

	/* this attempt failed; c frees itself */
	if (s->conn == c)
		s->conn = NULL;
	used = strlen(s->attempts);
	snprintf(s->attempts + used, sizeof(s->attempts) - used, "%s%s",
			 used ? "; " : "", err->message);

	/* a refused login would be refused by every node */
	if (rc != CQL_EAUTH && ++s->attempt < s->nhosts)
	{
		start_attempt(s);
		return;
	}
	s->connecting = false;
	{
		cql_error	all = *err;

		/* the last attempt's kind of failure; the message has them all */
		all.code = rc;
		if (rc != CQL_EAUTH)
			snprintf(all.message, sizeof(all.message), "%s", s->attempts);
		complete_waiters(s, all.code, &all);
	}
}

static void
start_attempt(cql_session *s)
{
	cql__conn_config cfg;
	cql_error	err;

	for (; s->attempt < s->nhosts; s->attempt++)
	{
		size_t		used;

		memset(&cfg, 0, sizeof(cfg));
		cfg.address = s->hosts[s->attempt];
		cfg.port = s->port;
		cfg.username = s->username;
		cfg.password = s->password;
		cfg.connect_timeout_ms = s->connect_timeout_ms;
		cfg.heartbeat_interval_ms = s->heartbeat_interval_ms;
		cfg.heartbeat_timeout_ms = s->request_timeout_ms;
		cfg.compression = s->compression;
		cfg.tls = s->tls;
		cfg.server_name = s->host_names[s->attempt];
		cfg.on_ready = conn_ready;
		cfg.on_closed = conn_closed;
		cfg.arg = s;
		s->conn = cql__conn_open(s->reactor, &cfg, &err);
		if (s->conn)
			return;
		used = strlen(s->attempts);
		snprintf(s->attempts + used, sizeof(s->attempts) - used, "%s%s",
				 used ? "; " : "", err.message);
	}
	s->connecting = false;
	cql_error_set(&err, CQL_ECONN, "%s", s->attempts);
	complete_waiters(s, CQL_ECONN, &err);
}

cql_future *
cql_session_connect(cql_session *s)
{
	cql_future *f = cql__future_new();

	if (f == NULL)
		return NULL;
	if (cql_session_ready(s))
	{
		cql__future_complete(f, CQL_OK, NULL, NULL);
		return f;
	}
	f->next = s->waiters;
	s->waiters = f;
	if (!s->connecting)
	{
		s->connecting = true;
		s->attempt = 0;
		s->attempts[0] = '\0';
		start_attempt(s);
	}
	return f;
}

static void
request_free(session_request *r)
{
	cql__buf_free(&r->frame);
	cql_prepared_release(r->prepared);
	free(r->cql);
	free(r);
}

static void request_response(cql_conn *c, void *arg, int rc, cql_response *resp,
							 const cql_error *err);

/* complete the request's future with a server ERROR */
static void
fail_with_server_error(session_request *r, cql_conn *c, cql_response *resp)
{
	cql_error	e = *resp->error;

	snprintf(e.host, sizeof(e.host), "%s", cql__conn_host(c));
	cql_result_free(resp);
	cql__future_complete(r->future, CQL_ESERVER, &e, NULL);
	request_free(r);
}

/* The node had forgotten the statement: it is prepared again; re-send. */
static void
reprepare_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				   const cql_error *err)
{
	session_request *r = arg;
	cql_error	e;

	if (rc != CQL_OK)
	{
		cql__future_complete(r->future, rc, err, NULL);
		request_free(r);
		return;
	}
	if (resp->header.opcode == CQL_OP_ERROR)
	{
		fail_with_server_error(r, c, resp);
		return;
	}
	cql_result_free(resp);
	rc = cql__conn_send(c, &r->frame, r->session->request_timeout_ms,
						request_response, r, &e);
	if (rc != CQL_OK)
	{
		cql__future_complete(r->future, rc, &e, NULL);
		request_free(r);
	}
}

static void
request_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				 const cql_error *err)
{
	session_request *r = arg;
	cql_session *s = r->session;
	cql_error	e;

	if (rc != CQL_OK)
	{
		cql__future_complete(r->future, rc, err, NULL);
		request_free(r);
		return;
	}
	if (resp->header.opcode == CQL_OP_ERROR)
	{
		if (resp->error->server_code == CQL_UNPREPARED && r->prepared && r->reprepares++ == 0)
		{
			cql__buf	b;

			cql__buf_init(&b);
			cql__encode_prepare(&b, 0, r->prepared->cql);
			rc = cql__conn_send(c, &b, s->request_timeout_ms, reprepare_response, r, &e);
			cql__buf_free(&b);
			if (rc == CQL_OK)
			{
				cql_result_free(resp);
				return;
			}
		}
		fail_with_server_error(r, c, resp);
		return;
	}
	if (resp->header.opcode != CQL_OP_RESULT)
	{
		cql_error_set(&e, CQL_EPROTO, "%s answered a request with opcode 0x%02x",
					  cql__conn_host(c), resp->header.opcode);
		cql_result_free(resp);
		cql__future_complete(r->future, CQL_EPROTO, &e, NULL);
		request_free(r);
		return;
	}
	if (r->prepare_into_cache && resp->kind == CQL_RESULT_PREPARED)
	{
		cql_prepared *p = cql__pcache_insert(&s->prepared, r->cql, resp);

		if (p == NULL)
		{
			cql_result_free(resp);
			cql_error_set(&e, CQL_ENOMEM, "out of memory caching a prepared statement");
			cql__future_complete(r->future, CQL_ENOMEM, &e, NULL);
			request_free(r);
			return;
		}
		r->future->prepared = p;	/* the reference goes to the future */
		cql__future_complete(r->future, CQL_OK, NULL, NULL);
		request_free(r);
		return;
	}
	if (r->prepared && resp->kind == CQL_RESULT_ROWS &&
		(resp->rows_flags & CQL_RF_NO_METADATA))
	{
		/* rows without metadata: the statement's cached metadata describes them */
		const cql_result *pr = r->prepared->result;

		if (pr->columns == NULL || pr->ncolumns != resp->ncolumns)
		{
			cql_error_set(&e, CQL_EPROTO,
						  "%s returned %d columns without metadata, the statement has %d",
						  cql__conn_host(c), resp->ncolumns, pr->ncolumns);
			cql_result_free(resp);
			cql__future_complete(r->future, CQL_EPROTO, &e, NULL);
			request_free(r);
			return;
		}
		resp->columns = pr->columns;
		resp->metadata_owner = cql__prepared_ref(r->prepared);
	}
	cql__future_complete(r->future, CQL_OK, NULL, resp);
	request_free(r);
}

/*
 * Send an encoded request (the buffer is taken over); the future completes
 * with its RESULT.
 */
static cql_future *
send_request(cql_session *s, cql__buf *b, cql_prepared *prepared, const char *prepare_cql)
{
	cql_future *f = cql__future_new();
	session_request *r = calloc(1, sizeof(session_request));
	cql_error	err;
	int			rc;

	if (f == NULL || r == NULL || (prepare_cql && (r->cql = strdup(prepare_cql)) == NULL))
	{
		free(f);
		if (r)
			free(r->cql);
		free(r);
		cql__buf_free(b);
		return NULL;
	}
	r->session = s;
	r->future = f;
	r->frame = *b;
	r->prepare_into_cache = prepare_cql != NULL;
	if (prepared)
		r->prepared = cql__prepared_ref(prepared);

	if (!cql_session_ready(s))
	{
		cql_error_set(&err, CQL_ECONN, "the session has no open connection");
		cql__future_complete(f, CQL_ECONN, &err, NULL);
		request_free(r);
		return f;
	}
	rc = cql__conn_send(s->conn, &r->frame, s->request_timeout_ms, request_response, r, &err);
	if (rc != CQL_OK)
	{
		cql__future_complete(f, rc, &err, NULL);
		request_free(r);
	}
	return f;
}

cql_future *
cql_session_query(cql_session *s, const char *cql, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_query(&b, 0, cql, params);
	return send_request(s, &b, NULL, NULL);
}

cql_future *
cql_session_prepare(cql_session *s, const char *cql)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_prepare(&b, 0, cql);
	return send_request(s, &b, NULL, NULL);
}

cql_future *
cql_session_execute(cql_session *s, cql_slice id, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_execute(&b, 0, id, params);
	return send_request(s, &b, NULL, NULL);
}

cql_future *
cql_session_batch(cql_session *s, int type, const cql_batch_statement *stmts, int n,
				  const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_batch(&b, 0, type, stmts, n, params);
	return send_request(s, &b, NULL, NULL);
}

cql_future *
cql_session_prepare_cached(cql_session *s, const char *cql)
{
	cql_prepared *p = cql__pcache_lookup(&s->prepared, cql);
	cql__buf	b;

	if (p)
	{
		cql_future *f = cql__future_new();

		if (f == NULL)
		{
			cql_prepared_release(p);
			return NULL;
		}
		f->prepared = p;
		cql__future_complete(f, CQL_OK, NULL, NULL);
		return f;
	}
	cql__buf_init(&b);
	cql__encode_prepare(&b, 0, cql);
	return send_request(s, &b, NULL, cql);
}

cql_future *
cql_session_execute_prepared(cql_session *s, cql_prepared *p,
							 const cql_query_params *params)
{
	cql_query_params q = *params;
	cql__buf	b;

	/* the cache has the result metadata: do not send it with every page */
	q.skip_metadata = p->result->columns != NULL;
	cql__buf_init(&b);
	cql__encode_execute(&b, 0, p->result->prepared_id, &q);
	return send_request(s, &b, p, NULL);
}

void
cql_session_prepared_stats(cql_session *s, int *count, uint64_t *hits, uint64_t *misses)
{
	*count = s->prepared.count;
	*hits = s->prepared.hits;
	*misses = s->prepared.misses;
}

int
cql_session_forget_prepared(cql_session *s, const char *keyspace, const char *table)
{
	return cql__pcache_forget(&s->prepared, keyspace, table);
}
