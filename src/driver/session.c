/*-------------------------------------------------------------------------
 *
 * session.c
 *		  A session: the cluster's hosts, their connections, and requests
 *		  routed, retried and re-prepared across them.
 *
 * The first connection that becomes ready is the control connection: it
 * registers for topology, status and schema events and reads the topology
 * (system.local, system.peers_v2 or system.peers) and the keyspaces'
 * replication (system_schema.keyspaces).  Each refresh builds a new token
 * map; a request takes the map current when it is planned, so it never sees
 * one half-changed.
 *
 * Connections are opened lazily, at most one per host, when a request is
 * routed to the host.  A request's plan lists hosts in order: with a
 * routing key, the replicas of its token in the local data centre (rotated,
 * to spread load), then the other local hosts; without one, the local hosts
 * round robin; remote hosts come last.  A host whose connection failed is
 * skipped until its back-off (doubling, up to a minute) has passed.
 *
 * Failed attempts go through the retry decider (policy.c).
 *
 * IDENTIFICATION
 *		  src/driver/session.c
 *
 *-------------------------------------------------------------------------
 */
#include "session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREPARED_CACHE_SIZE 1024
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000


static void start_control(cql_session *s);
static void request_response(cql_conn *c, void *arg, int rc, cql_response *resp,
							 const cql_error *err);
static void spec_arm(cql_session *s);
static void request_finish(session_request *r, int rc, const cql_error *err,
						   cql_response *resp);
static void host_connect(cql_session *s, cql__host *h);

/* ---------- hosts ---------- */

static uint64_t
now_ms(cql_session *s)
{
	uv_update_time(&s->reactor->loop);
	return uv_now(&s->reactor->loop);
}

cql__host *
cql__host_find(cql_session *s, const char *address, int port)
{
	for (int i = 0; i < s->nhosts; i++)
		if (s->hosts[i]->port == port && strcmp(s->hosts[i]->address, address) == 0)
			return s->hosts[i];
	return NULL;
}

cql__host *
cql__host_add(cql_session *s, const char *address, const char *name, int port)
{
	cql__host  *h;

	if (s->nhosts == s->hosts_cap)
	{
		int			cap = s->hosts_cap ? s->hosts_cap * 2 : 8;
		cql__host **n = realloc(s->hosts, sizeof(cql__host *) * (size_t) cap);

		if (n == NULL)
			return NULL;
		s->hosts = n;
		s->hosts_cap = cap;
	}
	h = calloc(1, sizeof(cql__host));
	if (h == NULL)
		return NULL;
	h->name = strdup(name ? name : address);
	if (h->name == NULL)
	{
		free(h);
		return NULL;
	}
	snprintf(h->address, sizeof(h->address), "%s", address);
	h->port = port;
	h->index = s->nhosts;
	s->hosts[s->nhosts++] = h;
	return h;
}

static void
host_mark_down(cql_session *s, cql__host *h)
{
	h->down = true;
	h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (h->backoff_ms > BACKOFF_MAX_MS)
		h->backoff_ms = BACKOFF_MAX_MS;
	h->retry_at = now_ms(s) + (uint64_t) h->backoff_ms;
}

static bool
host_usable(cql_session *s, cql__host *h)
{
	if (h->removed)
		return false;
	if (h->ready || h->conn)
		return true;
	return !h->down || now_ms(s) >= h->retry_at;
}

/* ---------- session lifetime ---------- */

static char *
dup_or_null(const char *p)
{
	return p ? strdup(p) : NULL;
}

/*
 * Schema epochs are unique within the process, not just within a session:
 * each session starts its epochs in a range of its own, so metadata cached
 * against a session that was freed can never match a new session that
 * happens to get the same address.
 */
static uint64_t next_epoch_base = 0;

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
	next_epoch_base += UINT64_C(1) << 32;
	s->schema_epoch = next_epoch_base;
	s->port = cfg->port;
	s->control = -1;
	s->registered_control = -1;
	s->connect_timeout_ms = cfg->connect_timeout_ms;
	s->request_timeout_ms = cfg->request_timeout_ms;
	s->heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	s->compression = cfg->compression;
	s->spec_delay_ms = cfg->speculative_delay_ms > 0 ? cfg->speculative_delay_ms : 0;
	s->spec_max = cfg->speculative_max > 0 ? cfg->speculative_max : 0;
	s->spec_timer = malloc(sizeof(uv_timer_t));
	if (s->spec_timer == NULL)
		goto oom;
	uv_timer_init(&r->loop, s->spec_timer);
	s->spec_timer->data = s;
	if (cfg->local_dc && cfg->local_dc[0])
	{
		snprintf(s->local_dc, sizeof(s->local_dc), "%s", cfg->local_dc);
		s->local_dc_given = true;
	}
	cql__pcache_init(&s->prepared, PREPARED_CACHE_SIZE);
	for (int i = 0; i < cfg->nhosts; i++)
	{
		if (cql__host_find(s, cfg->hosts[i], cfg->port))
			continue;
		if (cql__host_add(s, cfg->hosts[i],
					 cfg->host_names ? cfg->host_names[i] : NULL, cfg->port) == NULL)
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

void
cql__complete_waiters(cql_session *s, int rc, const cql_error *err)
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
cql__free_keyspaces(cql_session *s)
{
	for (int i = 0; i < s->nkeyspaces; i++)
	{
		free(s->keyspaces[i].name);
		cql__replication_free(s->keyspaces[i].replication);
	}
	free(s->keyspaces);
	s->keyspaces = NULL;
	s->nkeyspaces = 0;
}

void
cql_session_free(cql_session *s)
{
	cql_error	err;

	if (s == NULL)
		return;
	s->freeing = true;
	s->control = -1;
	cql_error_set(&err, CQL_ECANCELED, "session closed");
	for (int i = 0; i < s->nhosts; i++)
	{
		cql__host  *h = s->hosts[i];

		/* requests still waiting for a connection fail now */
		while (h->waiting)
		{
			session_request *r = h->waiting;

			h->waiting = r->next_waiting;
			r->next_waiting = NULL;
			r->outstanding--;
			if (!r->finished)
				request_finish(r, CQL_ECANCELED, &err, NULL);
			else if (r->outstanding == 0)
				cql__request_free(r);	/* an attempt elsewhere finished it */
		}
		h->waiting_tail = NULL;
		if (h->conn)
			cql__conn_close(h->conn);	/* fails what is in flight */
		h->conn = NULL;
	}
	cql__complete_waiters(s, CQL_ECANCELED, &err);
	for (int i = 0; i < s->nhosts; i++)
	{
		free(s->hosts[i]->tokens);
		free(s->hosts[i]->name);
		free(s->hosts[i]);
	}
	free(s->hosts);
	cql__tokenmap_free(s->tokenmap);
	free(s->tm_hosts);
	cql__free_keyspaces(s);
	cql__free_udts(s);
	if (s->spec_timer)
		uv_close((uv_handle_t *) s->spec_timer, (uv_close_cb) free);
	/* connections hold no reference to the context once they are closing */
	cql__tls_ctx_free(s->tls);
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
	return s->control >= 0 && s->hosts[s->control]->ready;
}

const char *
cql_session_host(cql_session *s)
{
	return s->control >= 0 && s->hosts[s->control]->conn
		? cql__conn_host(s->hosts[s->control]->conn) : "";
}

int
cql_session_in_flight(cql_session *s)
{
	int			n = 0;

	for (int i = 0; i < s->nhosts; i++)
		if (s->hosts[i]->conn)
			n += cql__conn_in_flight(s->hosts[i]->conn);
	return n;
}

bool
cql_session_compressed(cql_session *s)
{
	return cql_session_ready(s) && cql__conn_compressed(s->hosts[s->control]->conn);
}

bool
cql_session_tls(cql_session *s)
{
	return cql_session_ready(s) && cql__conn_tls(s->hosts[s->control]->conn);
}

int
cql_session_host_count(cql_session *s, int *up)
{
	int			n = 0;
	int			u = 0;

	for (int i = 0; i < s->nhosts; i++)
	{
		if (s->hosts[i]->removed)
			continue;
		n++;
		if (!s->hosts[i]->down)
			u++;
	}
	if (up)
		*up = u;
	return n;
}

int
cql_session_host_at(cql_session *s, int i, char *buf, size_t size, bool *up)
{
	int			n = 0;

	for (int k = 0; k < s->nhosts; k++)
	{
		int			len;

		if (s->hosts[k]->removed || n++ != i)
			continue;
		len = snprintf(buf, size, "%s:%d", s->hosts[k]->address, s->hosts[k]->port);
		if (len < 0 || (size_t) len >= size)
			return CQL_EINVAL;
		if (up)
			*up = !s->hosts[k]->down;
		return CQL_OK;
	}
	return CQL_EINVAL;
}

/* The host "address:port" names, or NULL. */
static cql__host *
host_of_endpoint(cql_session *s, const char *endpoint)
{
	const char *colon = strrchr(endpoint, ':');
	char		address[64];
	char	   *end;
	long		port;

	if (colon == NULL || (size_t) (colon - endpoint) >= sizeof(address))
		return NULL;
	memcpy(address, endpoint, (size_t) (colon - endpoint));
	address[colon - endpoint] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return NULL;
	return cql__host_find(s, address, (int) port);
}

int
cql_session_host_state(cql_session *s, const uint8_t *addr, int addrlen)
{
	char		text[INET6_ADDRSTRLEN];
	int			state = -1;

	if ((addrlen != 4 && addrlen != 16) ||
		inet_ntop(addrlen == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)) == NULL)
		return -1;
	for (int i = 0; i < s->nhosts; i++)
	{
		if (s->hosts[i]->removed || strcmp(s->hosts[i]->address, text) != 0)
			continue;
		if (!s->hosts[i]->down)
			return 1;
		state = 0;
	}
	return state;
}

const char *
cql_session_local_dc(cql_session *s)
{
	return s->local_dc;
}

uint64_t
cql_session_schema_epoch(cql_session *s)
{
	return s->schema_epoch;
}

int
cql_session_udt_count(cql_session *s)
{
	return s->nudts;
}

const cql_udt_info *
cql_session_udt(cql_session *s, int i)
{
	return i >= 0 && i < s->nudts ? &s->udts[i] : NULL;
}

const cql_udt_info *
cql_session_udt_find(cql_session *s, const char *keyspace, const char *name)
{
	for (int i = 0; i < s->nudts; i++)
		if (strcmp(s->udts[i].keyspace, keyspace) == 0 && strcmp(s->udts[i].name, name) == 0)
			return &s->udts[i];
	return NULL;
}

cql_future *
cql_session_refresh(cql_session *s)
{
	cql_future *f = cql__future_new();
	cql_error	err;

	if (f == NULL)
		return NULL;
	if (s->control < 0)
	{
		cql_error_set(&err, CQL_ECONN, "the session has no control connection");
		cql__future_complete(f, CQL_ECONN, &err, NULL);
		return f;
	}
	/* completed with the connect waiters when the refresh is done */
	f->next = s->waiters;
	s->waiters = f;
	cql__refresh_topology(s);
	return f;
}

/* ---------- connections ---------- */

/*
 * The requests waiting for h's connection: to h now that it is ready
 * (err NULL), or on to their next host when it could not connect.
 */
static void
move_waiting(cql__host *h, const cql_error *err)
{
	session_request *r = h->waiting;

	h->waiting = h->waiting_tail = NULL;
	while (r)
	{
		session_request *next = r->next_waiting;

		r->next_waiting = NULL;
		r->outstanding--;
		if (r->finished)
		{
			if (r->outstanding == 0)
				cql__request_free(r);
		}
		else if (err == NULL)
		{
			/* the waiting attempt now goes to the host it waited for */
			if (r->used)
				r->used[r->pos] = false;
			cql__send_next(r);
		}
		else
		{
			r->last_error = *err;
			r->pos++;
			r->failovers++;		/* another host, not a retry of the decider's */
			cql__send_next(r);
		}
		r = next;
	}
}

/* set by host_connect: the host's session (hosts do not point back) */
typedef struct host_ctx
{
	cql_session *session;
	cql__host  *host;
} host_ctx;

static void
host_event(cql_conn *c, void *arg, cql_response *resp)
{
	host_ctx   *ctx = arg;
	cql_session *s = ctx->session;

	(void) c;
	if (s->control != ctx->host->index)
	{
		cql_result_free(resp);
		return;
	}
	if (strcmp(resp->event_type, "SCHEMA_CHANGE") == 0)
	{
		s->schema_epoch++;
		if (resp->target && (strcmp(resp->target, "KEYSPACE") == 0 ||
							 strcmp(resp->target, "TYPE") == 0))
			cql__refresh_topology(s);	/* replication or a UDT changed */
		else if (resp->sc_keyspace)
			cql__pcache_forget(&s->prepared, resp->sc_keyspace,
							   resp->target && strcmp(resp->target, "TABLE") == 0
							   ? resp->sc_name : NULL);
	}
	else if (strcmp(resp->event_type, "STATUS_CHANGE") == 0 &&
			 strcmp(resp->event_change, "UP") == 0)
	{
		char		addr[64];

		if (inet_ntop(resp->event_addrlen == 4 ? AF_INET : AF_INET6,
					  resp->event_addr, addr, sizeof(addr)))
		{
			bool		known = false;

			for (int i = 0; i < s->nhosts; i++)
				if (strcmp(s->hosts[i]->address, addr) == 0 &&
					s->hosts[i]->port == resp->event_port)
				{
					s->hosts[i]->down = false;
					s->hosts[i]->backoff_ms = 0;
					known = !s->hosts[i]->removed;
				}
			/* a node we do not know (or thought gone): read the topology */
			if (!known)
				cql__refresh_topology(s);
		}
	}
	else
		cql__refresh_topology(s);	/* a node joined, left or moved */
	cql_result_free(resp);
}

static void
host_closed(cql_conn *c, void *arg)
{
	host_ctx   *ctx = arg;
	cql_session *s = ctx->session;
	cql__host  *h = ctx->host;

	if (h->conn != c)
		return;
	h->conn = NULL;
	h->ready = false;
	if (s->freeing)
		return;
	host_mark_down(s, h);
	if (s->control == h->index)
	{
		/* keep receiving events: another host becomes the control */
		s->control = -1;
		s->registered_control = -1;	/* the next control connection registers */
		s->control_attempt = 0;
		s->attempts[0] = '\0';
		start_control(s);
	}
}

static void
host_ready(cql_conn *c, void *arg, int rc, const cql_error *err)
{
	host_ctx   *ctx = arg;
	cql_session *s = ctx->session;
	cql__host  *h = ctx->host;
	bool		was_control_attempt = s->controlling && s->control < 0 &&
		s->control_attempt == h->index + 1;

	if (rc == CQL_OK)
	{
		h->ready = true;
		h->down = false;
		h->backoff_ms = 0;
		if (s->control < 0)
		{
			s->control = h->index;
			s->controlling = false;
			cql__refresh_topology(s);
		}
		move_waiting(h, NULL);
		return;
	}

	/* the attempt failed; c frees itself */
	if (h->conn == c)
		h->conn = NULL;
	h->ready = false;
	if (s->freeing)
		return;
	host_mark_down(s, h);
	{
		size_t		used = strlen(s->attempts);

		snprintf(s->attempts + used, sizeof(s->attempts) - used, "%s%s",
				 used ? "; " : "", err->message);
	}
	/* requests waiting for this host move on to their next host */
	move_waiting(h, err);
	if (was_control_attempt)
	{
		/* a refused login would be refused by every node */
		if (rc == CQL_EAUTH || s->control_attempt >= s->nhosts)
		{
			cql_error	all = *err;

			all.code = rc;
			if (rc != CQL_EAUTH)
				snprintf(all.message, sizeof(all.message), "%s", s->attempts);
			s->controlling = false;
			cql__complete_waiters(s, rc, &all);
			return;
		}
		start_control(s);
	}
}

static void
host_connect(cql_session *s, cql__host *h)
{
	cql__conn_config cfg;
	cql_error	err;
	host_ctx   *ctx;

	if (h->conn)
		return;
	ctx = calloc(1, sizeof(host_ctx));
	if (ctx == NULL)
		return;
	ctx->session = s;
	ctx->host = h;
	memset(&cfg, 0, sizeof(cfg));
	cfg.address = h->address;
	cfg.port = h->port;
	cfg.username = s->username;
	cfg.password = s->password;
	cfg.connect_timeout_ms = s->connect_timeout_ms;
	cfg.heartbeat_interval_ms = s->heartbeat_interval_ms;
	cfg.heartbeat_timeout_ms = s->request_timeout_ms;
	cfg.compression = s->compression;
	cfg.tls = s->tls;
	cfg.server_name = h->name;
	cfg.on_ready = host_ready;
	cfg.on_closed = host_closed;
	cfg.on_event = host_event;
	cfg.arg = ctx;
	cfg.arg_free = free;
	h->conn = cql__conn_open(s->reactor, &cfg, &err);
	if (h->conn == NULL)
	{
		free(ctx);
		host_ready(NULL, &(host_ctx) {s, h}, err.code, &err);
	}
}

/*
 * Find a control connection: a host already connected, or else the next
 * host in order (contact points first, then discovered ones).
 */
static void
start_control(cql_session *s)
{
	s->controlling = true;
	for (int i = 0; i < s->nhosts; i++)
	{
		cql__host  *h = s->hosts[i];

		if (!h->removed && h->ready)
		{
			s->control = h->index;
			s->controlling = false;
			cql__refresh_topology(s);
			return;
		}
	}
	while (s->control_attempt < s->nhosts)
	{
		cql__host  *h = s->hosts[s->control_attempt++];

		if (h->removed)
			continue;
		if (h->conn)
			return;				/* connecting: its host_ready decides */
		host_connect(s, h);
		return;
	}
	s->controlling = false;
}

cql_future *
cql_session_connect(cql_session *s)
{
	cql_future *f = cql__future_new();

	if (f == NULL)
		return NULL;
	if (cql_session_ready(s) && !s->refreshing)
	{
		cql__future_complete(f, CQL_OK, NULL, NULL);
		return f;
	}
	f->next = s->waiters;
	s->waiters = f;
	if (s->control < 0 && !s->controlling)
	{
		s->control_attempt = 0;
		s->attempts[0] = '\0';
		start_control(s);
	}
	return f;
}

/* ---------- requests ---------- */

void
cql__request_free(session_request *r)
{
	cql__buf_free(&r->frame);
	cql_prepared_release(r->prepared);
	free(r->cql);
	free(r->plan);
	free(r->used);
	free(r->reprepared);
	free(r);
}

/* Complete a request: its future, or its internal callback. */
static void
spec_unlink(session_request *r)
{
	cql_session *s = r->session;

	if (!r->in_spec_list)
		return;
	if (r->spec_prev)
		r->spec_prev->spec_next = r->spec_next;
	else
		s->spec_head = r->spec_next;
	if (r->spec_next)
		r->spec_next->spec_prev = r->spec_prev;
	r->spec_prev = r->spec_next = NULL;
	r->in_spec_list = false;
}

/*
 * Complete a request: its future, or its internal callback.  Attempts
 * still running elsewhere (speculative ones) free it when they report.
 */
static void
request_finish(session_request *r, int rc, const cql_error *err, cql_response *resp)
{
	if (r->finished)
	{
		if (resp)
			cql_result_free(resp);
		return;
	}
	r->finished = true;
	spec_unlink(r);
	if (r->internal)
	{
		if (r->internal_cb)
			r->internal_cb(r->session, rc, resp, err, r->internal_arg);
		else if (resp)
			cql_result_free(resp);
	}
	else
		cql__future_complete(r->future, rc, err, resp);
	if (r->outstanding == 0)
		cql__request_free(r);
}

/* An attempt reported: false if the request is already finished (r may be gone). */
static bool
attempt_done(session_request *r)
{
	r->outstanding--;
	if (!r->finished)
		return true;
	if (r->outstanding == 0)
		cql__request_free(r);
	return false;
}

static int
send_attempt(session_request *r, cql_conn *c, cql__response_cb cb, cql_error *err)
{
	int			rc;

	if (r->coalesce)
		cql__conn_set_defer(c, true);
	rc = cql__conn_send(c, &r->frame, r->session->request_timeout_ms, cb, r, err);
	if (r->coalesce)
		cql__conn_set_defer(c, false);
	if (rc == CQL_OK)
		r->outstanding++;
	return rc;
}

/* ---------- speculative execution ---------- */

static void
spec_timer_cb(uv_timer_t *t)
{
	cql_session *s = t->data;
	uint64_t	now = uv_now(&s->reactor->loop);
	session_request *r = s->spec_head;

	s->spec_timer_due = 0;
	while (r)
	{
		session_request *next = r->spec_next;

		if (r->spec_at <= now)
		{
			/*
			 * The next connected node of the plan no attempt went to; the
			 * plan's position stays where the first attempt is, so its
			 * retries still see every other node.
			 */
			bool		sent = false;

			for (int j = r->pos + 1; !sent && j < r->nplan && r->used; j++)
			{
				cql__host  *h = s->hosts[r->plan[j]];
				cql_error	err;

				if (r->used[j] || !h->ready || h->removed)
					continue;
				if (send_attempt(r, h->conn, request_response, &err) == CQL_OK)
				{
					r->used[j] = true;
					sent = true;
				}
			}
			if (sent)
				r->spec_sent++;
			if (!sent || r->spec_sent >= s->spec_max)
				spec_unlink(r);
			else
				r->spec_at = now + (uint64_t) s->spec_delay_ms;
		}
		r = next;
	}
	spec_arm(s);
}

static void
spec_arm(cql_session *s)
{
	uint64_t	due = 0;
	uint64_t	now;

	for (session_request *r = s->spec_head; r; r = r->spec_next)
		if (due == 0 || r->spec_at < due)
			due = r->spec_at;
	if (due == 0 || s->spec_timer == NULL)
	{
		if (s->spec_timer)
			uv_timer_stop(s->spec_timer);
		s->spec_timer_due = 0;
		return;
	}
	if (s->spec_timer_due != 0 && s->spec_timer_due <= due)
		return;
	now = now_ms(s);
	s->spec_timer_due = due;
	uv_timer_start(s->spec_timer, spec_timer_cb, due > now ? due - now : 0, 0);
}

/* A request may run on more nodes if it is still unanswered after the delay. */
static void
spec_start(session_request *r)
{
	cql_session *s = r->session;

	if (!r->speculative || r->in_spec_list || r->spec_sent >= s->spec_max)
		return;
	r->spec_at = now_ms(s) + (uint64_t) s->spec_delay_ms;
	r->spec_prev = NULL;
	r->spec_next = s->spec_head;
	if (s->spec_head)
		s->spec_head->spec_prev = r;
	s->spec_head = r;
	r->in_spec_list = true;
	spec_arm(s);
}

static const cql__replication *
keyspace_replication_of(cql_session *s, const char *keyspace)
{
	for (int i = 0; i < s->nkeyspaces; i++)
		if (strcmp(s->keyspaces[i].name, keyspace) == 0)
			return s->keyspaces[i].replication;
	return NULL;
}

static bool
in_plan(const int *plan, int n, int idx)
{
	for (int i = 0; i < n; i++)
		if (plan[i] == idx)
			return true;
	return false;
}

static bool
is_local(cql_session *s, const cql__host *h)
{
	return s->local_dc[0] == '\0' || h->dc[0] == '\0' || strcmp(h->dc, s->local_dc) == 0;
}

/*
 * The hosts to try, in order: local replicas of the routing key (rotated),
 * other local hosts (round robin), then remote replicas and remote hosts.
 */
int
cql__make_plan(session_request *r, const char *keyspace, const cql_slice *routing_key)
{
	cql_session *s = r->session;
	int		   *plan = malloc(sizeof(int) * (size_t) (s->nhosts ? s->nhosts : 1));
	int			n = 0;
	int			replicas[64];
	int			nrep = 0;
	uint64_t	rr;

	if (plan == NULL)
		return CQL_ENOMEM;
	if (r->targeted)
	{
		plan[n++] = r->target;
		r->plan = plan;
		r->nplan = n;
		return CQL_OK;
	}
	if (r->internal || (r->on_control && s->control >= 0))
	{
		plan[n++] = s->control;
		r->plan = plan;
		r->nplan = n;
		return CQL_OK;
	}
	rr = s->rr++;				/* only routed requests rotate the plans */
	if (((routing_key && routing_key->len >= 0) || r->has_token) && keyspace && s->tokenmap)
	{
		const cql__replication *repl = keyspace_replication_of(s, keyspace);

		if (repl)
		{
			int64_t		token = r->has_token ? r->token
				: cql_murmur3_token(routing_key->data, (size_t) routing_key->len);

			nrep = cql__tokenmap_replicas(s->tokenmap, repl, token, replicas, 64);
			for (int i = 0; i < nrep; i++)
				replicas[i] = s->tm_hosts[replicas[i]];
		}
	}
	/* local replicas, rotated */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int k = 0; k < nrep; k++)
		{
			int			idx = replicas[(k + (int) (rr % (uint64_t) (nrep ? nrep : 1))) % nrep];
			cql__host  *h = s->hosts[idx];

			if (is_local(s, h) == (pass == 0) && !in_plan(plan, n, idx) && !h->removed)
				plan[n++] = idx;
		}
		/* then the other hosts of the same locality, round robin */
		for (int k = 0; k < s->nhosts; k++)
		{
			int			idx = (int) ((rr + (uint64_t) k) % (uint64_t) s->nhosts);
			cql__host  *h = s->hosts[idx];

			if (is_local(s, h) == (pass == 0) && !in_plan(plan, n, idx) && !h->removed)
				plan[n++] = idx;
		}
	}
	r->plan = plan;
	r->nplan = n;
	if (r->speculative)
	{
		r->used = calloc((size_t) (n ? n : 1), sizeof(bool));
		if (r->used == NULL)
			return CQL_ENOMEM;
	}
	return CQL_OK;
}

static void request_response(cql_conn *c, void *arg, int rc, cql_response *resp,
							 const cql_error *err);

/* Send the request to the current host of its plan, or the next usable one. */
void
cql__send_next(session_request *r)
{
	cql_session *s = r->session;

	for (; r->pos < r->nplan; r->pos++)
	{
		cql__host  *h = s->hosts[r->plan[r->pos]];
		cql_error	err;

		if (r->used && r->used[r->pos])
			continue;			/* a speculative attempt went there */
		if (!host_usable(s, h))
			continue;
		if (h->ready)
		{
			if (send_attempt(r, h->conn, request_response, &err) == CQL_OK)
			{
				if (r->used)
					r->used[r->pos] = true;
				spec_start(r);
				return;
			}
			r->last_error = err;
			continue;
		}
		/* wait for the host's connection */
		if (r->used)
			r->used[r->pos] = true;
		r->outstanding++;
		r->next_waiting = NULL;
		if (h->waiting_tail)
			h->waiting_tail->next_waiting = r;
		else
			h->waiting = r;
		h->waiting_tail = r;
		if (h->conn == NULL)
			host_connect(s, h);
		return;
	}

	/* no host left; an attempt still running elsewhere will answer */
	if (r->outstanding > 0)
		return;
	{
		cql_error	err;

		/* what a node said explains more than a node that could not be reached */
		if (r->server_error.code == CQL_ESERVER)
			err = r->server_error;
		else if (r->last_error.code != CQL_OK)
			err = r->last_error;
		else
			cql_error_set(&err, CQL_ECONN, "no host of the cluster is available");
		request_finish(r, err.code != CQL_OK ? err.code : CQL_ECONN, &err, NULL);
	}
}

/* Retry per the decider, or complete with the failure. */
static void
request_failed(session_request *r, cql_conn *c, const cql_error *err)
{
	int			decision = r->internal ? CQL_RETRY_RETHROW
		: cql__retry_decide(err, r->idempotent, r->retries);
	cql_error	e;

	r->last_error = *err;
	if (err->code == CQL_ESERVER)
		r->server_error = *err;
	/* another attempt of a speculative request is still out: it decides */
	if (r->outstanding > 0 && decision != CQL_RETRY_RETHROW)
		return;
	switch (decision)
	{
		case CQL_RETRY_SAME:
			r->retries++;
			if (c && send_attempt(r, c, request_response, &e) == CQL_OK)
				return;
			/* the same node cannot take it: the next one (one retry all told) */
			r->pos++;
			cql__send_next(r);
			return;
		case CQL_RETRY_NEXT:
			r->retries++;
			r->pos++;
			cql__send_next(r);
			return;
		case CQL_RETRY_IGNORE:
			request_finish(r, CQL_OK, NULL, NULL);
			return;
		default:
			request_finish(r, err->code, err, NULL);
			return;
	}
}

/* The node had forgotten the statement: it is prepared again; re-send. */
static void
reprepare_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				   const cql_error *err)
{
	session_request *r = arg;
	cql_error	e;

	if (!attempt_done(r))
	{
		if (resp)
			cql_result_free(resp);
		return;
	}
	if (rc != CQL_OK)
	{
		request_failed(r, NULL, err);
		return;
	}
	if (resp->header.opcode == CQL_OP_ERROR)
	{
		/*
		 * The node could not prepare it: as if the EXECUTE had failed so.
		 * Overloaded, IsBootstrapping or ServerError move an idempotent
		 * request to the next node; syntax, invalid... give up.  (No
		 * connection: never the same node again.)
		 */
		e = *resp->error;
		snprintf(e.host, sizeof(e.host), "%s", cql__conn_host(c));
		cql_result_free(resp);
		request_failed(r, NULL, &e);
		return;
	}
	cql_result_free(resp);
	if (send_attempt(r, c, request_response, &e) != CQL_OK)
		request_failed(r, NULL, &e);
}

/* true the first time the node of c asks for this request's statement */
static bool
reprepare_once(session_request *r, cql_conn *c)
{
	int			at = r->pos;

	for (int j = 0; j < r->nplan; j++)
		if (r->session->hosts[r->plan[j]]->conn == c)
			at = j;
	if (at < 0 || at >= r->nplan)
		return false;
	if (r->reprepared == NULL &&
		(r->reprepared = calloc((size_t) r->nplan, sizeof(bool))) == NULL)
		return false;
	if (r->reprepared[at])
		return false;
	r->reprepared[at] = true;
	return true;
}

static void
request_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				 const cql_error *err)
{
	session_request *r = arg;
	cql_session *s = r->session;
	cql_error	e;

	if (!attempt_done(r))
	{
		/* a slower attempt of a request already answered */
		if (resp)
			cql_result_free(resp);
		return;
	}
	if (rc != CQL_OK)
	{
		e = *err;
		if (e.host[0] == '\0')
			snprintf(e.host, sizeof(e.host), "%s", cql__conn_host(c));
		/* ECANCELED: the session is closing; nothing to retry */
		if (rc == CQL_ECANCELED || s->freeing)
			request_finish(r, rc, &e, NULL);
		else
			request_failed(r, NULL, &e);
		return;
	}
	if (resp->header.opcode == CQL_OP_ERROR)
	{
		e = *resp->error;
		snprintf(e.host, sizeof(e.host), "%s", cql__conn_host(c));
		/*
		 * once per node: each node keeps its own prepared statements (the
		 * node of c, which is not r->pos's when attempts run in parallel)
		 */
		if (e.server_code == CQL_UNPREPARED && r->prepared &&
			reprepare_once(r, c))
		{
			cql__buf	b;

			cql__buf_init(&b);
			cql__encode_prepare(&b, 0, r->prepared->cql);
			rc = cql__conn_send(c, &b, s->request_timeout_ms, reprepare_response, r, &e);
			cql__buf_free(&b);
			if (rc == CQL_OK)
			{
				r->outstanding++;
				cql_result_free(resp);
				return;
			}
		}
		cql_result_free(resp);
		if (r->internal)
		{
			/* internal callbacks look at the error (peers_v2 missing) */
			request_finish(r, CQL_ESERVER, &e, NULL);
			return;
		}
		request_failed(r, c, &e);
		return;
	}
	if (r->internal)
	{
		request_finish(r, CQL_OK, NULL, resp);
		return;
	}
	if (resp->header.opcode != CQL_OP_RESULT)
	{
		cql_error_set(&e, CQL_EPROTO, "%s answered a request with opcode 0x%02x",
					  cql__conn_host(c), resp->header.opcode);
		cql_result_free(resp);
		request_finish(r, CQL_EPROTO, &e, NULL);
		return;
	}
	if (r->prepare_into_cache && resp->kind != CQL_RESULT_PREPARED)
	{
		/* a PREPARE answered with another kind of result: no statement to use */
		cql_error_set(&e, CQL_EPROTO, "Cassandra answered PREPARE with a %s result, not a prepared statement",
					  resp->kind == CQL_RESULT_VOID ? "Void" :
					  resp->kind == CQL_RESULT_ROWS ? "Rows" :
					  resp->kind == CQL_RESULT_SET_KEYSPACE ? "Set_keyspace" :
					  resp->kind == CQL_RESULT_SCHEMA_CHANGE ? "Schema_change" : "unknown");
		cql_result_free(resp);
		request_finish(r, CQL_EPROTO, &e, NULL);
		return;
	}
	if (r->prepare_into_cache && resp->kind == CQL_RESULT_PREPARED)
	{
		cql_prepared *p = cql__pcache_insert(&s->prepared, r->cql, resp);

		if (p == NULL)
		{
			cql_result_free(resp);
			cql_error_set(&e, CQL_ENOMEM, "out of memory caching a prepared statement");
			request_finish(r, CQL_ENOMEM, &e, NULL);
			return;
		}
		r->future->prepared = p;	/* the reference goes to the future */
		request_finish(r, CQL_OK, NULL, NULL);
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
			request_finish(r, CQL_EPROTO, &e, NULL);
			return;
		}
		resp->columns = pr->columns;
		resp->metadata_owner = cql__prepared_ref(r->prepared);
	}
	resp->coordinator = cql__arena_strndup(&resp->arena, (const uint8_t *) cql__conn_host(c),
										   strlen(cql__conn_host(c)));
	resp->attempts = r->retries + r->failovers + r->spec_sent + 1;
	request_finish(r, CQL_OK, NULL, resp);
}

static session_request *
request_new(cql_session *s, cql__buf *b)
{
	session_request *r = calloc(1, sizeof(session_request));

	if (r == NULL)
	{
		cql__buf_free(b);
		return NULL;
	}
	r->session = s;
	r->frame = *b;
	cql_error_clear(&r->last_error);
	cql_error_clear(&r->server_error);
	return r;
}

void
cql__internal_query(cql_session *s, const char *cql,
			   void (*cb) (cql_session *, int, cql_response *, const cql_error *, void *),
			   void *arg)
{
	cql_query_params p;
	cql__buf	b;
	session_request *r;

	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	cql__buf_init(&b);
	cql__encode_query(&b, 0, cql, &p);
	r = request_new(s, &b);
	if (r == NULL || s->control < 0)
	{
		cql_error	err;

		if (r)
			cql__request_free(r);
		cql_error_set(&err, CQL_ECONN, "no control connection");
		cb(s, CQL_ECONN, NULL, &err, arg);
		return;
	}
	r->internal = true;
	r->internal_cb = cb;
	r->internal_arg = arg;
	if (cql__make_plan(r, NULL, NULL) != CQL_OK)
	{
		cql_error	err;

		cql__request_free(r);
		cql_error_set(&err, CQL_ENOMEM, "out of memory");
		cb(s, CQL_ENOMEM, NULL, &err, arg);
		return;
	}
	cql__send_next(r);
}

/*
 * Route and send an encoded request (the buffer is taken over); the
 * future completes with its RESULT.
 */
static cql_future *
send_request(cql_session *s, cql__buf *b, cql_prepared *prepared, const char *prepare_cql,
			 const cql_query_params *params)
{
	cql_future *f = cql__future_new();
	session_request *r;
	cql_error	err;
	const char *keyspace = NULL;
	cql_slice	routing = {NULL, CQL_NULL};
	cql__buf	rk;

	if (f == NULL)
	{
		cql__buf_free(b);
		return NULL;
	}
	r = request_new(s, b);
	if (r == NULL || (prepare_cql && (r->cql = strdup(prepare_cql)) == NULL))
	{
		free(f);
		if (r)
			cql__request_free(r);
		return NULL;
	}
	r->future = f;
	r->prepare_into_cache = prepare_cql != NULL;
	r->idempotent = params ? params->idempotent : true;
	r->coalesce = params ? params->coalesce : false;
	r->on_control = params ? params->on_control : false;
	if (params && params->host)
	{
		cql__host  *h = host_of_endpoint(s, params->host);

		if (h == NULL || h->removed)
		{
			cql_error_set(&err, CQL_EINVAL, "no host %s in the cluster", params->host);
			request_finish(r, CQL_EINVAL, &err, NULL);
			return f;
		}
		r->targeted = true;
		r->target = h->index;
	}
	r->speculative = r->idempotent && !r->on_control && !r->targeted &&
		s->spec_delay_ms > 0 && s->spec_max > 0;
	if (prepared)
		r->prepared = cql__prepared_ref(prepared);

	if (s->control < 0 && s->nhosts == 0)
	{
		cql_error_set(&err, CQL_ECONN, "the session has no host");
		request_finish(r, CQL_ECONN, &err, NULL);
		return f;
	}

	/* the routing key: given, or from a prepared statement's key columns */
	cql__buf_init(&rk);
	if (params && params->has_routing_token)
	{
		r->has_token = true;
		r->token = params->routing_token;
		keyspace = params->keyspace;
	}
	else if (params && params->routing_key.len >= 0 && params->routing_key.data)
	{
		routing = params->routing_key;
		keyspace = params->keyspace;
	}
	else if (prepared && params && params->nvalues > 0 &&
			 prepared->result->npk > 0 && prepared->result->bind)
	{
		const cql_result *pr = prepared->result;
		cql_slice	parts[16];
		int			np = pr->npk < 16 ? pr->npk : 0;

		for (int i = 0; i < np; i++)
		{
			int			idx = pr->pk_index[i];

			if (idx >= params->nvalues || params->values[idx].len < 0)
			{
				np = 0;
				break;
			}
			parts[i] = params->values[idx];
		}
		if (np > 0 && cql_routing_key(parts, np, &rk) == CQL_OK && !rk.failed)
		{
			routing.data = rk.data;
			routing.len = (int32_t) rk.len;
			keyspace = pr->bind[0].keyspace;
		}
	}
	if (cql__make_plan(r, keyspace, routing.len >= 0 ? &routing : NULL) != CQL_OK)
	{
		cql__buf_free(&rk);
		cql_error_set(&err, CQL_ENOMEM, "out of memory");
		request_finish(r, CQL_ENOMEM, &err, NULL);
		return f;
	}
	cql__buf_free(&rk);
	cql__send_next(r);
	return f;
}

cql_future *
cql_session_query(cql_session *s, const char *cql, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_query(&b, 0, cql, params);
	return send_request(s, &b, NULL, NULL, params);
}

cql_future *
cql_session_prepare(cql_session *s, const char *cql)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_prepare(&b, 0, cql);
	return send_request(s, &b, NULL, NULL, NULL);
}

cql_future *
cql_session_execute(cql_session *s, cql_slice id, const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_execute(&b, 0, id, params);
	return send_request(s, &b, NULL, NULL, params);
}

cql_future *
cql_session_batch(cql_session *s, int type, const cql_batch_statement *stmts, int n,
				  const cql_query_params *params)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_batch(&b, 0, type, stmts, n, params);
	return send_request(s, &b, NULL, NULL, params);
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
	return send_request(s, &b, NULL, cql, NULL);
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
	return send_request(s, &b, p, NULL, &q);
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
