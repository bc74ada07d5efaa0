/*-------------------------------------------------------------------------
 *
 * topology.c
 *		  The cluster's topology, read over the control connection.
 *
 * Registers for events, reads system.local, system.peers_v2 (or
 * system.peers before Cassandra 4.0) and system_schema.keyspaces, and
 * builds a new token map from them; requests planned before a refresh keep
 * the map they were planned with.
 *
 * IDENTIFICATION
 *		  src/driver/topology.c
 *
 *-------------------------------------------------------------------------
 */
#include "session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- topology ---------- */

typedef struct refresh_state
{
	cql_result *local;
	cql_result *peers;
	bool		peers_v2;
	cql_result *keyspaces;
	cql_result *types;
	int			control;		/* the control host the answers came from */
} refresh_state;


static int
column_index(const cql_result *res, const char *name)
{
	for (int i = 0; i < res->ncolumns; i++)
		if (res->columns && strcmp(res->columns[i].name, name) == 0)
			return i;
	return -1;
}

static void
cell_text(cql_slice v, char *buf, size_t size)
{
	size_t		n = v.len > 0 ? (size_t) v.len : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(buf, v.data, n);
	buf[n] = '\0';
}

/* tokens: a set<text> of decimal int64 */
static void
cell_tokens(cql_slice v, const cql_type *t, cql__host *h)
{
	cql_iter	it;
	cql_slice	e;
	int			n = 0;
	int64_t    *tokens;

	free(h->tokens);
	h->tokens = NULL;
	h->ntokens = 0;
	if (v.len < 0 || cql_iter_begin(v, t, &it) != CQL_OK)
		return;
	tokens = malloc(sizeof(int64_t) * (size_t) (cql_iter_size(&it) > 0 ? cql_iter_size(&it) : 1));
	if (tokens == NULL)
		return;
	while (cql_iter_next(&it, &e) == 1)
	{
		char		buf[32];
		char	   *end;

		cell_text(e, buf, sizeof(buf));
		tokens[n] = strtoll(buf, &end, 10);
		if (end != buf && *end == '\0')
			n++;
	}
	h->tokens = tokens;
	h->ntokens = n;
}

/* update one host from a row of system.local or system.peers(_v2) */
static void
apply_host_row(cql_session *s, const cql_result *res, const cql_slice *cells,
			   cql__host *known)
{
	int			i_dc = column_index(res, "data_center");
	int			i_rack = column_index(res, "rack");
	int			i_tokens = column_index(res, "tokens");
	int			i_addr = column_index(res, "native_address");
	int			i_port = column_index(res, "native_port");
	cql__host  *h = known;

	if (h == NULL)
	{
		char		addr[64] = "";
		int			port = s->port;
		uint8_t		raw[16];
		int			rawlen;

		if (i_addr < 0)
			i_addr = column_index(res, "rpc_address");
		if (i_addr < 0 || cql_decode_inet(cells[i_addr], raw, &rawlen) != CQL_OK ||
			inet_ntop(rawlen == 4 ? AF_INET : AF_INET6, raw, addr, sizeof(addr)) == NULL)
			return;
		if (i_port >= 0 && cells[i_port].len == 4)
		{
			int32_t		p;

			if (cql_decode_int(cells[i_port], &p) == CQL_OK && p > 0 && p < 65536)
				port = p;
		}
		h = cql__host_find(s, addr, port);
		if (h == NULL)
			h = cql__host_add(s, addr, NULL, port);
		if (h == NULL)
			return;
	}
	h->in_topology = true;
	h->removed = false;
	if (i_dc >= 0)
		cell_text(cells[i_dc], h->dc, sizeof(h->dc));
	if (i_rack >= 0)
		cell_text(cells[i_rack], h->rack, sizeof(h->rack));
	if (i_tokens >= 0)
		cell_tokens(cells[i_tokens], res->columns[i_tokens].type, h);
}

static void
apply_keyspaces(cql_session *s, const cql_result *res)
{
	int			i_name = column_index(res, "keyspace_name");
	int			i_repl = column_index(res, "replication");
	cql_row_cursor cur;
	cql_slice  *cells;
	keyspace_replication *ks;
	int			n = 0;

	if (i_name < 0 || i_repl < 0)
		return;
	cells = malloc(sizeof(cql_slice) * (size_t) res->ncolumns);
	ks = calloc((size_t) (res->nrows > 0 ? res->nrows : 1), sizeof(keyspace_replication));
	if (cells == NULL || ks == NULL)
	{
		free(cells);
		free(ks);
		return;
	}
	cql_result_rows(res, &cur);
	while (cql_row_next(&cur, cells))
	{
		char		name[256];
		const char *keys[64];
		const char *values[64];
		char		kbuf[64][128];
		char		vbuf[64][128];
		int			nkv = 0;
		cql_iter	it;
		cql_slice	e;
		cql_error	err;

		cell_text(cells[i_name], name, sizeof(name));
		if (cells[i_repl].len < 0 ||
			cql_iter_begin(cells[i_repl], res->columns[i_repl].type, &it) != CQL_OK)
			continue;
		while (nkv < 64 && cql_iter_next(&it, &e) == 1)
		{
			cell_text(e, kbuf[nkv], sizeof(kbuf[nkv]));
			if (cql_iter_next(&it, &e) != 1)
				break;
			cell_text(e, vbuf[nkv], sizeof(vbuf[nkv]));
			keys[nkv] = kbuf[nkv];
			values[nkv] = vbuf[nkv];
			nkv++;
		}
		if (cql__replication_parse(keys, values, nkv, &ks[n].replication, &err) != CQL_OK)
			continue;			/* an unknown strategy: requests go round robin */
		ks[n].name = strdup(name);
		if (ks[n].name == NULL)
		{
			cql__replication_free(ks[n].replication);
			continue;
		}
		n++;
	}
	free(cells);
	cql__free_keyspaces(s);
	s->keyspaces = ks;
	s->nkeyspaces = n;
}

static void
build_tokenmap(cql_session *s)
{
	cql__tm_host *tmh = calloc((size_t) (s->nhosts ? s->nhosts : 1), sizeof(cql__tm_host));
	int		   *map = calloc((size_t) (s->nhosts ? s->nhosts : 1), sizeof(int));
	int			n = 0;
	cql_error	err;
	cql__tokenmap *tm;

	if (tmh == NULL || map == NULL)
	{
		free(tmh);
		free(map);
		return;
	}
	for (int i = 0; i < s->nhosts; i++)
	{
		cql__host  *h = s->hosts[i];

		if (h->removed || h->ntokens == 0)
			continue;
		tmh[n].dc = h->dc;
		tmh[n].rack = h->rack;
		tmh[n].tokens = h->tokens;
		tmh[n].ntokens = h->ntokens;
		map[n++] = i;
	}
	tm = cql__tokenmap_build(tmh, n, &err);
	free(tmh);
	if (tm == NULL)
	{
		free(map);
		return;
	}
	cql__tokenmap_free(s->tokenmap);
	free(s->tm_hosts);
	s->tokenmap = tm;
	s->tm_hosts = map;
}

/* the strings of a list<text> cell, malloc'd; NULL on failure */
static char **
cell_text_list(cql_slice v, const cql_type *t, int *n)
{
	cql_iter	it;
	cql_slice	e;
	char	  **out;
	int			k = 0;

	*n = 0;
	if (v.len < 0 || cql_iter_begin(v, t, &it) != CQL_OK)
		return NULL;
	out = calloc((size_t) (cql_iter_size(&it) > 0 ? cql_iter_size(&it) : 1), sizeof(char *));
	if (out == NULL)
		return NULL;
	while (cql_iter_next(&it, &e) == 1 && k < cql_iter_size(&it))
	{
		size_t		len = e.len > 0 ? (size_t) e.len : 0;

		out[k] = malloc(len + 1);
		if (out[k] == NULL)
			break;
		if (len)
			memcpy(out[k], e.data, len);
		out[k][len] = '\0';
		k++;
	}
	*n = k;
	return out;
}

void
cql__free_udts(cql_session *s)
{
	for (int i = 0; i < s->nudts; i++)
	{
		cql_udt_info *u = &s->udts[i];

		for (int f = 0; f < u->nfields; f++)
		{
			free((char *) u->field_names[f]);
			free((char *) u->field_types[f]);
		}
		free((void *) u->field_names);
		free((void *) u->field_types);
		free((char *) u->keyspace);
		free((char *) u->name);
	}
	free(s->udts);
	s->udts = NULL;
	s->nudts = 0;
}

/* The user-defined types of every keyspace, from system_schema.types. */
static void
apply_types(cql_session *s, const cql_result *res)
{
	int			i_ks = column_index(res, "keyspace_name");
	int			i_name = column_index(res, "type_name");
	int			i_fn = column_index(res, "field_names");
	int			i_ft = column_index(res, "field_types");
	cql_row_cursor cur;
	cql_slice  *cells;
	cql_udt_info *udts;
	int			n = 0;

	if (i_ks < 0 || i_name < 0 || i_fn < 0 || i_ft < 0)
		return;
	cells = malloc(sizeof(cql_slice) * (size_t) res->ncolumns);
	udts = calloc((size_t) (res->nrows > 0 ? res->nrows : 1), sizeof(cql_udt_info));
	if (cells == NULL || udts == NULL)
	{
		free(cells);
		free(udts);
		return;
	}
	cql_result_rows(res, &cur);
	while (cql_row_next(&cur, cells))
	{
		cql_udt_info *u = &udts[n];
		char		buf[256];
		int			nn;
		int			nt;
		char	  **names = cell_text_list(cells[i_fn], res->columns[i_fn].type, &nn);
		char	  **types = cell_text_list(cells[i_ft], res->columns[i_ft].type, &nt);

		cell_text(cells[i_ks], buf, sizeof(buf));
		u->keyspace = strdup(buf);
		cell_text(cells[i_name], buf, sizeof(buf));
		u->name = strdup(buf);
		u->field_names = (const char *const *) names;
		u->field_types = (const char *const *) types;
		u->nfields = nn < nt ? nn : nt;
		if (u->keyspace == NULL || u->name == NULL || names == NULL || types == NULL)
		{
			for (int f = 0; f < nn; f++)
				free(names[f]);
			for (int f = 0; f < nt; f++)
				free(types[f]);
			free(names);
			free(types);
			free((char *) u->keyspace);
			free((char *) u->name);
			memset(u, 0, sizeof(*u));
			continue;
		}
		/* field lists of unequal length would be a broken row: keep the common part */
		for (int f = u->nfields; f < nn; f++)
			free(names[f]);
		for (int f = u->nfields; f < nt; f++)
			free(types[f]);
		n++;
	}
	free(cells);
	cql__free_udts(s);
	s->udts = udts;
	s->nudts = n;
}

static void
refresh_abort(refresh_state *st)
{
	cql_result_free(st->local);
	cql_result_free(st->peers);
	cql_result_free(st->keyspaces);
	cql_result_free(st->types);
	free(st);
}

static void
refresh_done(cql_session *s, refresh_state *st)
{
	cql_row_cursor cur;

	if (s->freeing)
	{
		refresh_abort(st);
		return;
	}

	/* system.local always has its row; without it, keep what we know */
	/*
	 * Answers from a control connection that has since died describe that
	 * node as "local": the new control reads everything again instead.
	 */
	if (s->control != st->control)
	{
		cql_result_free(st->local);
		cql_result_free(st->peers);
		st->local = st->peers = NULL;
		if (s->control >= 0)
			s->refresh_again = true;
	}
	if (st->local && st->local->kind == CQL_RESULT_ROWS && st->local->nrows == 1 &&
		s->control >= 0)
	{
		cql_slice  *cells = malloc(sizeof(cql_slice) * (size_t) (st->local->ncolumns + 1));

		for (int i = 0; i < s->nhosts; i++)
			s->hosts[i]->in_topology = false;
		if (cells)
		{
			cql_result_rows(st->local, &cur);
			if (cql_row_next(&cur, cells))
			{
				int			i_dc = column_index(st->local, "data_center");

				apply_host_row(s, st->local, cells, s->hosts[s->control]);
				if (!s->local_dc_given && i_dc >= 0)
					cell_text(cells[i_dc], s->local_dc, sizeof(s->local_dc));
			}
			free(cells);
		}
		if (st->peers && st->peers->kind == CQL_RESULT_ROWS &&
			(cells = malloc(sizeof(cql_slice) * (size_t) (st->peers->ncolumns + 1))) != NULL)
		{
			cql_result_rows(st->peers, &cur);
			while (cql_row_next(&cur, cells))
				apply_host_row(s, st->peers, cells, NULL);
			free(cells);
		}
		/*
		 * Hosts that are not in the cluster are not used; but only a
		 * complete answer (the peers too) says which those are.
		 */
		if (st->peers && st->peers->kind == CQL_RESULT_ROWS)
			for (int i = 0; i < s->nhosts; i++)
				s->hosts[i]->removed = !s->hosts[i]->in_topology && i != s->control;
		build_tokenmap(s);
		s->topology_loaded = true;
	}
	if (st->keyspaces && st->keyspaces->kind == CQL_RESULT_ROWS)
		apply_keyspaces(s, st->keyspaces);
	if (st->types && st->types->kind == CQL_RESULT_ROWS)
		apply_types(s, st->types);
	cql_result_free(st->types);
	cql_result_free(st->local);
	cql_result_free(st->peers);
	cql_result_free(st->keyspaces);
	free(st);
	s->refreshing = false;
	/* the session is usable now, topology or not */
	cql__complete_waiters(s, CQL_OK, NULL);
	if (s->refresh_again)
	{
		s->refresh_again = false;
		cql__refresh_topology(s);
	}
}

/* true if the session is going away: the refresh stops here */
static bool
refresh_stopping(cql_session *s, refresh_state *st, cql_response *resp)
{
	if (!s->freeing)
		return false;
	cql_result_free(resp);
	refresh_abort(st);
	return true;
}

static void
got_types(cql_session *s, int rc, cql_response *resp, const cql_error *err, void *arg)
{
	refresh_state *st = arg;

	(void) err;
	if (refresh_stopping(s, st, resp))
		return;
	if (rc == CQL_OK && resp->header.opcode == CQL_OP_RESULT)
		st->types = resp;
	else if (resp)
		cql_result_free(resp);
	refresh_done(s, st);
}

static void
got_keyspaces(cql_session *s, int rc, cql_response *resp, const cql_error *err, void *arg)
{
	refresh_state *st = arg;

	(void) err;
	if (refresh_stopping(s, st, resp))
		return;
	if (rc == CQL_OK && resp->header.opcode == CQL_OP_RESULT)
		st->keyspaces = resp;
	else if (resp)
		cql_result_free(resp);
	cql__internal_query(s, "SELECT keyspace_name, type_name, field_names, field_types FROM system_schema.types",
						got_types, st);
}

static void
got_peers(cql_session *s, int rc, cql_response *resp, const cql_error *err, void *arg)
{
	refresh_state *st = arg;

	(void) err;
	if (refresh_stopping(s, st, resp))
		return;
	if (rc == CQL_OK && resp->header.opcode == CQL_OP_RESULT)
		st->peers = resp;
	else
	{
		if (resp)
			cql_result_free(resp);
		if (st->peers_v2 && rc == CQL_ESERVER)
		{
			/* before Cassandra 4.0 there is no peers_v2 */
			st->peers_v2 = false;
			cql__internal_query(s, "SELECT peer, rpc_address, data_center, rack, tokens, host_id FROM system.peers",
						   got_peers, st);
			return;
		}
	}
	cql__internal_query(s, "SELECT keyspace_name, replication FROM system_schema.keyspaces",
				   got_keyspaces, st);
}

static void
got_local(cql_session *s, int rc, cql_response *resp, const cql_error *err, void *arg)
{
	refresh_state *st = arg;

	(void) err;
	if (refresh_stopping(s, st, resp))
		return;
	if (rc == CQL_OK && resp->header.opcode == CQL_OP_RESULT)
		st->local = resp;
	else if (resp)
		cql_result_free(resp);
	st->peers_v2 = true;
	cql__internal_query(s, "SELECT peer, peer_port, native_address, native_port, data_center, rack, tokens, host_id FROM system.peers_v2",
				   got_peers, st);
}

static void
registered(cql_session *s, int rc, cql_response *resp, const cql_error *err, void *arg)
{
	(void) rc;
	(void) err;
	if (resp)
		cql_result_free(resp);
	if (s->freeing)
	{
		refresh_abort(arg);
		return;
	}
	cql__internal_query(s, "SELECT data_center, rack, tokens, host_id, partitioner, release_version FROM system.local WHERE key = 'local'",
				   got_local, arg);
}

void
cql__refresh_topology(cql_session *s)
{
	refresh_state *st;

	if (s->refreshing)
	{
		s->refresh_again = true;
		return;
	}
	if (s->control < 0)
		return;
	st = calloc(1, sizeof(refresh_state));
	if (st == NULL)
		return;
	st->control = s->control;
	s->refreshing = true;
	if (s->registered_control != s->control)
	{
		/* a new control connection: register it for events first */
		/* first time on this control connection: events first */
		static const char *const events[] = {"TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"};
		cql__buf	b;
		session_request *r = calloc(1, sizeof(session_request));

		if (r == NULL)
		{
			free(st);
			s->refreshing = false;
			return;
		}
		cql__buf_init(&b);
		cql__encode_register(&b, 0, events, 3);
		s->registered_control = s->control;
		r->session = s;
		r->frame = b;
		r->internal = true;
		r->internal_cb = registered;
		r->internal_arg = st;
		cql_error_clear(&r->last_error);
		cql_error_clear(&r->server_error);
		if (cql__make_plan(r, NULL, NULL) != CQL_OK)
		{
			cql__request_free(r);
			registered(s, CQL_ENOMEM, NULL, NULL, st);
			return;
		}
		cql__send_next(r);
		return;
	}
	registered(s, CQL_OK, NULL, NULL, st);
}

