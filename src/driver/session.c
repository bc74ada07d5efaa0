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
};

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

		all.code = rc == CQL_EAUTH ? CQL_EAUTH : (rc == CQL_ETIMEDOUT ? CQL_ETIMEDOUT : CQL_ECONN);
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
query_response(cql_conn *c, void *arg, int rc, cql_response *resp,
			   const cql_error *err)
{
	cql_future *f = arg;

	if (rc != CQL_OK)
	{
		cql__future_complete(f, rc, err, NULL);
		return;
	}
	if (resp->header.opcode == CQL_OP_ERROR)
	{
		cql_error	e = *resp->error;

		snprintf(e.host, sizeof(e.host), "%s", cql__conn_host(c));
		cql_result_free(resp);
		cql__future_complete(f, CQL_ESERVER, &e, NULL);
		return;
	}
	if (resp->header.opcode != CQL_OP_RESULT)
	{
		cql_error	e;

		cql_error_set(&e, CQL_EPROTO, "%s answered a query with opcode 0x%02x",
					  cql__conn_host(c), resp->header.opcode);
		cql_result_free(resp);
		cql__future_complete(f, CQL_EPROTO, &e, NULL);
		return;
	}
	cql__future_complete(f, CQL_OK, NULL, resp);
}

/* Send an encoded request; the future completes with its RESULT. */
static cql_future *
send_request(cql_session *s, cql__buf *b)
{
	cql_future *f = cql__future_new();
	cql_error	err;
	int			rc;

	if (f == NULL)
	{
		cql__buf_free(b);
		return NULL;
	}
	if (!cql_session_ready(s))
	{
		cql_error_set(&err, CQL_ECONN, "the session has no open connection");
		cql__future_complete(f, CQL_ECONN, &err, NULL);
	}
	else
	{
		rc = cql__conn_send(s->conn, b, s->request_timeout_ms, query_response, f, &err);
		if (rc != CQL_OK)
			cql__future_complete(f, rc, &err, NULL);
	}
	cql__buf_free(b);
	return f;
}

cql_future *
cql_session_query(cql_session *s, const char *cql, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_query(&b, 0, cql, params);
	return send_request(s, &b);
}

cql_future *
cql_session_prepare(cql_session *s, const char *cql)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_prepare(&b, 0, cql);
	return send_request(s, &b);
}

cql_future *
cql_session_execute(cql_session *s, cql_slice id, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_execute(&b, 0, id, params);
	return send_request(s, &b);
}

cql_future *
cql_session_batch(cql_session *s, int type, const cql_batch_statement *stmts, int n,
				  const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_batch(&b, 0, type, stmts, n, params);
	return send_request(s, &b);
}
