/*-------------------------------------------------------------------------
 *
 * fake_server.c
 *		  The in-process CQL server of the connection tests.  It parses
 *		  request frames and writes response frames with code of its own
 *		  (fixture.c's builder), never with the driver's.
 *
 * IDENTIFICATION
 *		  test/unit/fake_server.c
 *
 *-------------------------------------------------------------------------
 */
#include "fake_server.h"
#include "fixture.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#define FAKE_READ_SIZE (64 * 1024)

struct fake_client
{
	uv_tcp_t	tcp;
	fake_server *srv;
	uint8_t    *buf;			/* request bytes (plaintext) not yet handled */
	size_t		len;
	size_t		cap;
	bool		closing;
	bool		lz4;			/* COMPRESSION=lz4 was agreed */
	bool		registered;		/* sent REGISTER */
	bool		started;		/* sent STARTUP */
	SSL		   *ssl;			/* NULL: plain TCP */
	BIO		   *rbio;			/* ciphertext from the client */
	BIO		   *wbio;			/* ciphertext to the client */
	uint8_t		rbuf[FAKE_READ_SIZE];
	fake_client *next;
};

struct fake_held
{
	fake_client *client;
	int16_t		stream;
	int			n;
	uint8_t    *body;			/* a held EXECUTE's body, or NULL (HOLD) */
	size_t		len;
	fake_held  *next;
};

typedef struct out_write
{
	uv_write_t	req;
	uv_buf_t	buf;
	uint8_t		data[];
} out_write;

/* ---------- writing ---------- */

static void
write_done(uv_write_t *req, int status)
{
	(void) status;
	free(req);
}

static void
send_raw(fake_client *cl, const uint8_t *p, size_t n)
{
	out_write  *w;

	if (cl->closing || n == 0)
		return;
	w = malloc(sizeof(out_write) + n);
	if (w == NULL)
		abort();
	memcpy(w->data, p, n);
	w->buf = uv_buf_init((char *) w->data, (unsigned int) n);
	if (uv_write(&w->req, (uv_stream_t *) &cl->tcp, &w->buf, 1, write_done) != 0)
		free(w);
}

/* what TLS produced for the network */
static void
flush_tls(fake_client *cl)
{
	size_t		n;

	while ((n = BIO_ctrl_pending(cl->wbio)) > 0)
	{
		uint8_t    *tmp = malloc(n);
		int			r;

		if (tmp == NULL)
			abort();
		r = BIO_read(cl->wbio, tmp, (int) n);
		if (r > 0)
			send_raw(cl, tmp, (size_t) r);
		free(tmp);
		if (r <= 0)
			break;
	}
}

static void
send_bytes(fake_client *cl, const uint8_t *p, size_t n)
{
	if (cl->closing)
		return;
	if (cl->ssl == NULL)
	{
		send_raw(cl, p, n);
		return;
	}
	while (n > 0)
	{
		int			r = SSL_write(cl->ssl, p, (int) n);

		if (r <= 0)
			break;
		p += r;
		n -= (size_t) r;
	}
	flush_tls(cl);
}

static void
send_frame(fake_client *cl, uint8_t version, int16_t stream, uint8_t opcode,
		   const fx *body)
{
	fx			frame;
	const uint8_t *data = body ? body->data : NULL;
	size_t		len = body ? body->len : 0;
	uint8_t		flags = 0;
	uint8_t    *z = NULL;

	/* 5: a compressed body is [int] uncompressed length, then the LZ4 block */
	if (cl->lz4 && len > 0)
	{
		int			bound = LZ4_compressBound((int) len);
		int			clen;

		z = malloc(4 + (size_t) bound);
		if (z == NULL)
			abort();
		z[0] = (uint8_t) (len >> 24);
		z[1] = (uint8_t) (len >> 16);
		z[2] = (uint8_t) (len >> 8);
		z[3] = (uint8_t) len;
		clen = LZ4_compress_default((const char *) data, (char *) z + 4, (int) len, bound);
		if (clen <= 0)
			abort();
		data = z;
		len = 4 + (size_t) clen;
		flags = 0x01;
		cl->srv->compressed_out++;
	}
	fx_init(&frame);
	fx_frame(&frame, version, flags, stream, opcode, data, len);
	send_bytes(cl, frame.data, frame.len);
	fx_free(&frame);
	free(z);
}

static void
send_int_rows(fake_client *cl, int16_t stream, int n)
{
	fx			b;

	fx_init(&b);
	fx_i32(&b, 2);				/* Rows */
	fx_i32(&b, 1);				/* Global_tables_spec */
	fx_i32(&b, 1);
	fx_str(&b, "ks1");
	fx_str(&b, "t");
	fx_str(&b, "v");
	fx_u16(&b, 0x0009);
	fx_i32(&b, 1);
	fx_cell_i32(&b, n);
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

static void
send_error(fake_client *cl, int16_t stream, int32_t code, const char *msg)
{
	fx			b;

	fx_init(&b);
	fx_i32(&b, code);
	fx_str(&b, msg);
	send_frame(cl, 0x84, stream, 0x00, &b);
	fx_free(&b);
}

static void
send_void(fake_client *cl, int16_t stream)
{
	fx			b;

	fx_init(&b);
	fx_i32(&b, 0x0001);
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

/* ---------- closing ---------- */

static void
client_closed(uv_handle_t *h)
{
	fake_client *cl = h->data;
	fake_server *srv = cl->srv;
	fake_client **pp;

	for (pp = &srv->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl)
		{
			*pp = cl->next;
			break;
		}
	if (cl->ssl)
		SSL_free(cl->ssl);		/* and its BIOs */
	free(cl->buf);
	free(cl);
	srv->open_handles--;
}

static void
close_client(fake_client *cl)
{
	fake_server *srv = cl->srv;
	fake_held **pp = &srv->held;

	if (cl->closing)
		return;
	cl->closing = true;
	/* forget what it was waiting for */
	while (*pp)
	{
		if ((*pp)->client == cl)
		{
			fake_held  *h = *pp;

			*pp = h->next;
			free(h->body);
			free(h);
			srv->nheld--;
		}
		else
			pp = &(*pp)->next;
	}
	uv_close((uv_handle_t *) &cl->tcp, client_closed);
}

/* ---------- requests ---------- */

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static void
handle_startup(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	size_t		off = 2;
	int			count;
	bool		lz4 = false;

	srv->startups++;
	srv->compression[0] = '\0';
	/* [string map] */
	if (n < 2)
		goto bad;
	count = (p[0] << 8) | p[1];
	for (int i = 0; i < count; i++)
	{
		size_t		klen,
					vlen;
		const uint8_t *k,
				   *v;

		if (off + 2 > n)
			goto bad;
		klen = (size_t) ((p[off] << 8) | p[off + 1]);
		k = p + off + 2;
		off += 2 + klen;
		if (off + 2 > n)
			goto bad;
		vlen = (size_t) ((p[off] << 8) | p[off + 1]);
		v = p + off + 2;
		off += 2 + vlen;
		if (off > n)
			goto bad;
		if (klen == 11 && memcmp(k, "CQL_VERSION", 11) == 0 && vlen < sizeof(srv->cql_version))
		{
			memcpy(srv->cql_version, v, vlen);
			srv->cql_version[vlen] = '\0';
		}
		if (klen == 11 && memcmp(k, "COMPRESSION", 11) == 0 && vlen < sizeof(srv->compression))
		{
			memcpy(srv->compression, v, vlen);
			srv->compression[vlen] = '\0';
			if (vlen == 3 && memcmp(v, "lz4", 3) == 0)
				lz4 = true;
			else
				goto bad;		/* only lz4 is offered */
		}
	}
	if (srv->user)
	{
		fx			b;

		fx_init(&b);
		fx_str(&b, "org.apache.cassandra.auth.PasswordAuthenticator");
		send_frame(cl, 0x84, stream, 0x03, &b);
		fx_free(&b);
	}
	else
		send_frame(cl, 0x84, stream, 0x02, NULL);
	/* every later frame may be compressed */
	cl->lz4 = lz4;
	cl->started = true;
	return;
bad:
	srv->bad_requests++;
	send_error(cl, stream, 0x000A, "malformed STARTUP");
}

static void
handle_auth_response(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	int32_t		len;
	fx			want;

	srv->auth_responses++;
	if (n < 4 || (len = (int32_t) be32(p)) < 0 || (size_t) len > n - 4 ||
		(size_t) len > sizeof(srv->token))
	{
		srv->bad_requests++;
		send_error(cl, stream, 0x000A, "malformed AUTH_RESPONSE");
		return;
	}
	memcpy(srv->token, p + 4, (size_t) len);
	srv->token_len = (size_t) len;

	/* SASL PLAIN: NUL user NUL password */
	fx_init(&want);
	fx_u8(&want, 0);
	fx_raw(&want, srv->user, strlen(srv->user));
	fx_u8(&want, 0);
	fx_raw(&want, srv->password, strlen(srv->password));
	if (want.len == (size_t) len && memcmp(want.data, p + 4, want.len) == 0)
	{
		fx			b;

		fx_init(&b);
		fx_bytes(&b, NULL, -1);
		send_frame(cl, 0x84, stream, 0x10, &b);
		fx_free(&b);
	}
	else
		send_error(cl, stream, 0x0100,
				   "Provided username and/or password are incorrect");
	fx_free(&want);
}

/* ---------- topology (system tables) ---------- */

static void
col(fx *b, const char *name, uint16_t type)
{
	fx_str(b, name);
	fx_u16(b, type);
}

static void
col_set_text(fx *b, const char *name)
{
	fx_str(b, name);
	fx_u16(b, 0x0022);
	fx_u16(b, 0x000D);
}

static void
cell_text(fx *b, const char *s)
{
	if (s == NULL)
		fx_bytes(b, NULL, -1);
	else
		fx_bytes(b, s, (int32_t) strlen(s));
}

static void
cell_inet(fx *b, const char *addr)
{
	uint8_t		a[4];

	if (inet_pton(AF_INET, addr ? addr : "127.0.0.1", a) != 1)
		abort();
	fx_bytes(b, a, 4);
}

/* 6.13: [int] n, then n [bytes] */
static void
cell_tokens(fx *b, const fake_node *nd)
{
	fx			v;

	fx_init(&v);
	fx_i32(&v, nd->ntokens);
	for (int i = 0; i < nd->ntokens; i++)
	{
		char		t[32];

		snprintf(t, sizeof(t), "%lld", (long long) nd->tokens[i]);
		cell_text(&v, t);
	}
	fx_bytes(b, v.data, (int32_t) v.len);
	fx_free(&v);
}

static void
cell_uuid(fx *b, int node)
{
	uint8_t		u[16];

	memset(u, 0, sizeof(u));
	u[6] = 0x40;				/* version 4 */
	u[8] = 0x80;
	u[15] = (uint8_t) (node + 1);
	fx_bytes(b, u, 16);
}

static void
send_local(fake_client *cl, int16_t stream)
{
	const fake_cluster *c = cl->srv->cluster;
	const fake_node *nd = &c->nodes[cl->srv->self];
	fx			b;

	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 1);
	fx_i32(&b, 6);
	fx_str(&b, "system");
	fx_str(&b, "local");
	col(&b, "data_center", 0x000D);
	col(&b, "rack", 0x000D);
	col_set_text(&b, "tokens");
	col(&b, "host_id", 0x000C);
	col(&b, "partitioner", 0x000D);
	col(&b, "release_version", 0x000D);
	fx_i32(&b, 1);
	cell_text(&b, nd->dc);
	cell_text(&b, nd->rack);
	cell_tokens(&b, nd);
	cell_uuid(&b, cl->srv->self);
	cell_text(&b, "org.apache.cassandra.dht.Murmur3Partitioner");
	cell_text(&b, c->no_peers_v2 ? "3.11.16" : "4.1.5");
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

static void
send_peers(fake_client *cl, int16_t stream, bool v2)
{
	const fake_cluster *c = cl->srv->cluster;
	fx			b;

	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 1);
	fx_i32(&b, v2 ? 8 : 6);
	fx_str(&b, "system");
	fx_str(&b, v2 ? "peers_v2" : "peers");
	col(&b, "peer", 0x0010);
	if (v2)
	{
		col(&b, "peer_port", 0x0009);
		col(&b, "native_address", 0x0010);
		col(&b, "native_port", 0x0009);
	}
	else
		col(&b, "rpc_address", 0x0010);
	col(&b, "data_center", 0x000D);
	col(&b, "rack", 0x000D);
	col_set_text(&b, "tokens");
	col(&b, "host_id", 0x000C);
	fx_i32(&b, c->nnodes - 1);
	for (int i = 0; i < c->nnodes; i++)
	{
		const fake_node *nd = &c->nodes[i];

		if (i == cl->srv->self)
			continue;
		cell_inet(&b, nd->address);
		if (v2)
		{
			fx_cell_i32(&b, 7000);
			cell_inet(&b, nd->address);
			fx_cell_i32(&b, nd->port);
		}
		else
			cell_inet(&b, nd->address);
		cell_text(&b, nd->dc);
		cell_text(&b, nd->rack);
		cell_tokens(&b, nd);
		cell_uuid(&b, i);
	}
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

static void
send_keyspaces(fake_client *cl, int16_t stream)
{
	const fake_cluster *c = cl->srv->cluster;
	fx			b;

	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 1);
	fx_i32(&b, 2);
	fx_str(&b, "system_schema");
	fx_str(&b, "keyspaces");
	col(&b, "keyspace_name", 0x000D);
	fx_str(&b, "replication");
	fx_u16(&b, 0x0021);
	fx_u16(&b, 0x000D);
	fx_u16(&b, 0x000D);
	fx_i32(&b, c->nkeyspaces);
	for (int i = 0; i < c->nkeyspaces; i++)
	{
		const fake_keyspace *ks = &c->keyspaces[i];
		fx			m;

		cell_text(&b, ks->name);
		/* 6.12: [int] n, then n key and value [bytes] */
		fx_init(&m);
		fx_i32(&m, ks->n);
		for (int k = 0; k < ks->n; k++)
		{
			cell_text(&m, ks->keys[k]);
			cell_text(&m, ks->values[k]);
		}
		fx_bytes(&b, m.data, (int32_t) m.len);
		fx_free(&m);
	}
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

/* the topology queries of a session; false if q is none of them */
static bool
topology_query(fake_client *cl, int16_t stream, const char *q)
{
	fake_server *srv = cl->srv;

	if (srv->cluster == NULL)
		return false;
	if (strstr(q, "FROM system.local"))
		send_local(cl, stream);
	else if (strstr(q, "FROM system.peers_v2"))
	{
		if (srv->cluster->no_peers_v2)
			send_error(cl, stream, 0x2200, "unconfigured table peers_v2");
		else
			send_peers(cl, stream, true);
	}
	else if (strstr(q, "FROM system.peers"))
		send_peers(cl, stream, false);
	else if (strstr(q, "FROM system_schema.keyspaces"))
		send_keyspaces(cl, stream);
	else
		return false;
	srv->topology_queries++;
	return true;
}

/* ---------- prepared statements ---------- */

static uint64_t
fnv64(const char *s, uint64_t h)
{
	for (; *s; s++)
	{
		h ^= (uint8_t) *s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* the same text has the same id on every node, as with Cassandra's MD5 */
static void
stmt_id(const char *cql, uint8_t id[16])
{
	uint64_t	a = fnv64(cql, 1469598103934665603ULL);
	uint64_t	b = fnv64(cql, 0x9e3779b97f4a7c15ULL);

	for (int i = 0; i < 8; i++)
	{
		id[i] = (uint8_t) (a >> (56 - 8 * i));
		id[8 + i] = (uint8_t) (b >> (56 - 8 * i));
	}
}

/* keyspace and table after FROM / INTO / UPDATE; "ks1", "t" if none */
static void
table_of(const char *q, char *ks, size_t kslen, char *tbl, size_t tlen)
{
	static const char *const kw[] = {" FROM ", " INTO ", "UPDATE "};
	const char *p = NULL;
	size_t		i;

	snprintf(ks, kslen, "ks1");
	snprintf(tbl, tlen, "t");
	for (int k = 0; k < 3 && p == NULL; k++)
		if ((p = strstr(q, kw[k])) != NULL)
			p += strlen(kw[k]);
	if (p == NULL || strchr(p, '.') == NULL)
		return;
	for (i = 0; p[i] && p[i] != '.' && i + 1 < kslen; i++)
		ks[i] = p[i];
	ks[i] = '\0';
	p = strchr(p, '.') + 1;
	for (i = 0; p[i] && p[i] != ' ' && p[i] != ';' && p[i] != '(' && i + 1 < tlen; i++)
		tbl[i] = p[i];
	tbl[i] = '\0';
}

static const fake_stmt *
stmt_find(fake_server *srv, const uint8_t *id, size_t n)
{
	for (int i = 0; i < srv->nstmts; i++)
		if (n == 16 && memcmp(srv->stmts[i].id, id, 16) == 0)
			return &srv->stmts[i];
	return NULL;
}

/*
 * 4.2.5.4: <id><metadata><result_metadata>.  Bind markers: k int (the
 * partition key), then v1, v2 ... text; a SELECT returns k int, v text, any
 * other statement has no result metadata.
 */
static void
build_prepared(fx *b, const char *q, const uint8_t id[16])
{
	char		ks[64];
	char		tbl[64];
	int			nmarkers = 0;

	table_of(q, ks, sizeof(ks), tbl, sizeof(tbl));
	for (const char *c = q; *c; c++)
		nmarkers += *c == '?';
	fx_i32(b, 0x0004);
	fx_sbytes(b, id, 16);
	fx_i32(b, 0x0001);			/* Global_tables_spec */
	fx_i32(b, nmarkers);
	if (nmarkers >= 2 && strstr(q, "/*pk2*/"))
	{
		/* a composite partition key (v1, k): markers 1 then 0 */
		fx_i32(b, 2);
		fx_u16(b, 1);
		fx_u16(b, 0);
	}
	else
	{
		fx_i32(b, nmarkers > 0 ? 1 : 0);	/* <pk_count> */
		if (nmarkers > 0)
			fx_u16(b, 0);
	}
	fx_str(b, ks);
	fx_str(b, tbl);
	for (int i = 0; i < nmarkers; i++)
	{
		char		name[16];

		if (i == 0)
			col(b, "k", 0x0009);
		else
		{
			snprintf(name, sizeof(name), "v%d", i);
			col(b, name, 0x000D);
		}
	}
	if (strncmp(q, "SELECT", 6) == 0)
	{
		fx_i32(b, 0x0001);
		fx_i32(b, 2);
		fx_str(b, ks);
		fx_str(b, tbl);
		col(b, "k", 0x0009);
		col(b, "v", 0x000D);
	}
	else
	{
		fx_i32(b, 0x0004);		/* No_metadata */
		fx_i32(b, 0);
	}
}

static void
handle_prepare(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	char		q[512];
	int32_t		qlen;
	uint8_t		id[16];
	fx			b;

	srv->prepares++;
	if (n < 4 || (qlen = (int32_t) be32(p)) < 0 || (size_t) qlen + 4 != n ||
		(size_t) qlen >= sizeof(q))
	{
		srv->bad_requests++;
		send_error(cl, stream, 0x000A, "malformed PREPARE");
		return;
	}
	memcpy(q, p + 4, (size_t) qlen);
	q[qlen] = '\0';
	snprintf(srv->last_prepare, sizeof(srv->last_prepare), "%s", q);
	if (srv->prepare_void)
	{
		send_void(cl, stream);
		return;
	}
	stmt_id(q, id);
	if (!srv->forget_prepared && stmt_find(srv, id, 16) == NULL &&
		srv->nstmts < FAKE_MAX_PREPARED)
	{
		fake_stmt  *st = &srv->stmts[srv->nstmts++];

		snprintf(st->cql, sizeof(st->cql), "%s", q);
		memcpy(st->id, id, 16);
	}
	fx_init(&b);
	build_prepared(&b, q, id);
	send_frame(cl, 0x84, stream, 0x08, &b);
	fx_free(&b);
}

/* 9: Unprepared carries the unknown [short bytes] id */
static void
send_unprepared(fake_client *cl, int16_t stream, const uint8_t *id, size_t n)
{
	fx			b;

	cl->srv->unprepared++;
	fx_init(&b);
	fx_i32(&b, 0x2500);
	fx_str(&b, "Prepared query with ID not found");
	fx_sbytes(&b, id, (uint16_t) n);
	send_frame(cl, 0x84, stream, 0x00, &b);
	fx_free(&b);
}

/* a [bytes] at *off; false when it does not fit */
static bool
skip_bytes(const uint8_t *p, size_t n, size_t *off, int32_t *len, const uint8_t **data)
{
	int32_t		l;

	if (*off + 4 > n)
		return false;
	l = (int32_t) be32(p + *off);
	*off += 4;
	*data = p + *off;
	*len = l;
	if (l > 0)
	{
		if ((size_t) l > n - *off)
			return false;
		*off += (size_t) l;
	}
	return true;
}

static void
handle_execute(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	size_t		off;
	size_t		idlen;
	const fake_stmt *st;
	uint8_t		flags;

	srv->executes++;
	if (n < 2 || (idlen = be16(p)) + 5 > n)
		goto bad;
	off = 2 + idlen;
	st = stmt_find(srv, p + 2, idlen);
	if (st == NULL)
	{
		send_unprepared(cl, stream, p + 2, idlen);
		return;
	}
	/* 4.1.4 <query_parameters> */
	srv->exec_consistency = be16(p + off);
	flags = p[off + 2];
	off += 3;
	srv->exec_flags = flags;
	srv->exec_nvalues = 0;
	srv->exec_value0_len = -3;
	srv->exec_page_size = -3;
	srv->exec_paging_state_len = -3;
	if (flags & 0x01)
	{
		if (off + 2 > n)
			goto bad;
		srv->exec_nvalues = be16(p + off);
		off += 2;
		for (int i = 0; i < srv->exec_nvalues; i++)
		{
			int32_t		len;
			const uint8_t *d;

			if (flags & 0x40)
			{
				if (off + 2 > n || be16(p + off) + off + 2 > n)
					goto bad;
				off += 2 + be16(p + off);
			}
			if (!skip_bytes(p, n, &off, &len, &d))
				goto bad;
			if (i == 0)
			{
				srv->exec_value0_len = len;
				if (len > 0)
					memcpy(srv->exec_value0, d, (size_t) len < sizeof(srv->exec_value0) ? (size_t) len : sizeof(srv->exec_value0));
			}
		}
	}
	if (flags & 0x04)
	{
		if (off + 4 > n)
			goto bad;
		srv->exec_page_size = (int32_t) be32(p + off);
		off += 4;
	}
	if (flags & 0x08)
	{
		int32_t		len;
		const uint8_t *d;

		if (!skip_bytes(p, n, &off, &len, &d))
			goto bad;
		srv->exec_paging_state_len = len;
		if (len > 0)
			memcpy(srv->exec_paging_state, d, (size_t) len < sizeof(srv->exec_paging_state) ? (size_t) len : sizeof(srv->exec_paging_state));
	}
	if (flags & 0x10)
		off += 2;
	if (flags & 0x20)
		off += 8;
	if (off != n)
		goto bad;
	if (srv->exec_error_budget && *srv->exec_error_budget > 0)
	{
		fx			b;

		(*srv->exec_error_budget)--;
		srv->exec_errors++;
		fx_init(&b);
		fx_i32(&b, 0x1000);
		fx_str(&b, "Cannot achieve consistency level LOCAL_ONE");
		fx_u16(&b, 0x000A);
		fx_i32(&b, 1);
		fx_i32(&b, 0);
		send_frame(cl, 0x84, stream, 0x00, &b);
		fx_free(&b);
		return;
	}
	srv->executes_ok++;
	if (strncmp(st->cql, "SELECT", 6) == 0)
	{
		char		ks[64];
		char		tbl[64];
		fx			b;
		bool		skip = flags & 0x02;
		const char *name = srv->name ? srv->name : "fake";

		table_of(st->cql, ks, sizeof(ks), tbl, sizeof(tbl));
		fx_init(&b);
		fx_i32(&b, 2);
		fx_i32(&b, skip ? 0x0004 : 0x0001);
		fx_i32(&b, 2);
		if (!skip)
		{
			fx_str(&b, ks);
			fx_str(&b, tbl);
			col(&b, "k", 0x0009);
			col(&b, "v", 0x000D);
		}
		else
			srv->no_metadata_rows++;
		fx_i32(&b, 1);
		if (srv->exec_value0_len >= 0)
			fx_bytes(&b, srv->exec_value0, srv->exec_value0_len);
		else
			fx_bytes(&b, NULL, -1);
		cell_text(&b, name);
		send_frame(cl, 0x84, stream, 0x08, &b);
		fx_free(&b);
	}
	else
		send_void(cl, stream);
	return;
bad:
	srv->bad_requests++;
	send_error(cl, stream, 0x000A, "malformed EXECUTE");
}

/* 4.1.7 */
static void
handle_batch(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	size_t		off = 3;
	int			count;
	uint8_t		flags;

	srv->batches++;
	if (n < 3 || p[0] > 2)
		goto bad;
	srv->batch_type = p[0];
	count = be16(p + 1);
	srv->batch_n = count;
	for (int i = 0; i < count; i++)
	{
		int			nv;

		if (off + 1 > n)
			goto bad;
		if (p[off] == 0)
		{
			if (off + 5 > n || be32(p + off + 1) > n - off - 5)
				goto bad;
			off += 5 + be32(p + off + 1);
		}
		else if (p[off] == 1)
		{
			size_t		idlen;

			if (off + 3 > n || (idlen = be16(p + off + 1)) > n - off - 3)
				goto bad;
			if (stmt_find(srv, p + off + 3, idlen) == NULL)
			{
				send_unprepared(cl, stream, p + off + 3, idlen);
				return;
			}
			off += 3 + idlen;
		}
		else
			goto bad;
		if (off + 2 > n)
			goto bad;
		nv = be16(p + off);
		off += 2;
		for (int v = 0; v < nv; v++)
		{
			int32_t		len;
			const uint8_t *d;

			if (!skip_bytes(p, n, &off, &len, &d))
				goto bad;
		}
	}
	if (off + 3 > n)
		goto bad;
	flags = p[off + 2];
	off += 3;
	if (flags & ~0x30)
		goto bad;
	if (flags & 0x10)
		off += 2;
	if (flags & 0x20)
		off += 8;
	if (off != n)
		goto bad;
	send_void(cl, stream);
	return;
bad:
	srv->bad_requests++;
	send_error(cl, stream, 0x000A, "malformed BATCH");
}

/* ---------- QUERY ---------- */

/* the queries answered with an error while the error budget lasts */
static bool
flaky_query(const char *q)
{
	return strncmp(q, "UNAVAIL ", 8) == 0 || strncmp(q, "READTIMEOUT ", 12) == 0 ||
		strncmp(q, "WRITETIMEOUT ", 13) == 0 || strncmp(q, "OVERLOADED ", 11) == 0;
}

static void
handle_query(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	char	   *q;
	int32_t		qlen;

	srv->queries++;
	if (srv->nstreams < FAKE_MAX_STREAMS)
		srv->streams[srv->nstreams++] = stream;
	/* <query> [long string], then <consistency> [short] and <flags> [byte] */
	if (n < 4 || (qlen = (int32_t) be32(p)) < 0 || (size_t) qlen + 7 > n)
	{
		srv->bad_requests++;
		send_error(cl, stream, 0x000A, "malformed QUERY");
		return;
	}
	q = malloc((size_t) qlen + 1);
	if (q == NULL)
		abort();
	memcpy(q, p + 4, (size_t) qlen);
	q[qlen] = '\0';

	if (topology_query(cl, stream, q))
		;
	else if (strcmp(q, "SELECT rows") == 0)
	{
		fx			b;

		fx_init(&b);
		fixture_find("rows_global")->build(&b);
		send_frame(cl, 0x84, stream, 0x08, &b);
		fx_free(&b);
	}
	else if (strcmp(q, "SELECT big") == 0 || strcmp(q, "SELECT noise") == 0)
	{
		fx			b;
		uint8_t    *cell = malloc(FAKE_BIG_CELL);
		bool		noise = q[7] == 'n';

		if (cell == NULL)
			abort();
		for (size_t i = 0; i < FAKE_BIG_CELL; i++)
			cell[i] = noise ? fake_noise(i) : (uint8_t) (i * 7);
		fx_init(&b);
		fx_i32(&b, 2);
		fx_i32(&b, 1);
		fx_i32(&b, 1);
		fx_str(&b, "ks1");
		fx_str(&b, "t");
		fx_str(&b, "b");
		fx_u16(&b, 0x0003);
		fx_i32(&b, 1);
		fx_bytes(&b, cell, FAKE_BIG_CELL);
		send_frame(cl, 0x84, stream, 0x08, &b);
		fx_free(&b);
		free(cell);
	}
	else if (strncmp(q, "SELECT ", 7) == 0)
		send_int_rows(cl, stream, atoi(q + 7));
	else if (strncmp(q, "HOLD ", 5) == 0)
	{
		srv->holds++;
		if (srv->no_hold)
			send_int_rows(cl, stream, atoi(q + 5));
		else
		{
			fake_held  *h = calloc(1, sizeof(fake_held));
			fake_held **pp;

			if (h == NULL)
				abort();
			h->client = cl;
			h->stream = stream;
			h->n = atoi(q + 5);
			for (pp = &srv->held; *pp; pp = &(*pp)->next)
				;
			*pp = h;
			srv->nheld++;
		}
	}
	else if (strncmp(q, "EVENT ", 6) == 0)
	{
		fx			b;

		fx_init(&b);
		fx_str(&b, "STATUS_CHANGE");
		fx_str(&b, "UP");
		fx_u8(&b, 4);
		fx_raw(&b, "\x7f\x00\x00\x01", 4);
		fx_i32(&b, 9042);
		send_frame(cl, 0x84, -1, 0x0C, &b);
		fx_free(&b);
		send_int_rows(cl, stream, atoi(q + 6));
	}
	else if (strncmp(q, "USE ", 4) == 0)
	{
		fx			b;

		fx_init(&b);
		fx_i32(&b, 3);
		fx_str(&b, q + 4);
		send_frame(cl, 0x84, stream, 0x08, &b);
		fx_free(&b);
	}
	else if (strcmp(q, "FAIL") == 0)
		send_error(cl, stream, 0x2200, "unconfigured table nope");
	else if (strcmp(q, "CLOSE") == 0)
	{
		srv->closes++;
		close_client(cl);
	}
	else if (strcmp(q, "BADSTREAM") == 0)
		send_int_rows(cl, (int16_t) (stream + 1000), 1);
	else if (strcmp(q, "BADVERSION") == 0)
	{
		fx			b;

		fx_init(&b);
		fx_i32(&b, 1);
		send_frame(cl, 0x04, stream, 0x08, &b);
		fx_free(&b);
	}
	else if (strcmp(q, "WHO") == 0)
	{
		srv->who++;
		send_int_rows(cl, stream, srv->port);
	}
	else if (flaky_query(q))
	{
		const char *num = strchr(q, ' ') + 1;

		srv->flaky++;
		if (srv->error_budget && *srv->error_budget > 0)
		{
			fx			b;

			(*srv->error_budget)--;
			fx_init(&b);
			if (strncmp(q, "UNAVAIL ", 8) == 0)
			{
				fx_i32(&b, 0x1000);
				fx_str(&b, "Cannot achieve consistency level QUORUM");
				fx_u16(&b, 0x0004);
				fx_i32(&b, 2);	/* <required> */
				fx_i32(&b, 1);	/* <alive> */
			}
			else if (strncmp(q, "READTIMEOUT ", 12) == 0)
			{
				fx_i32(&b, 0x1200);
				fx_str(&b, "Operation timed out - received only 2 responses.");
				fx_u16(&b, 0x0004);
				fx_i32(&b, 2);	/* <received> */
				fx_i32(&b, 2);	/* <blockfor> */
				fx_u8(&b, 0);	/* <data_present>: the data replica did not answer */
			}
			else if (strncmp(q, "WRITETIMEOUT ", 13) == 0)
			{
				fx_i32(&b, 0x1100);
				fx_str(&b, "Operation timed out - received only 1 responses.");
				fx_u16(&b, 0x0004);
				fx_i32(&b, 1);
				fx_i32(&b, 2);
				fx_str(&b, "SIMPLE");
			}
			else
			{
				fx_i32(&b, 0x1001);
				fx_str(&b, "Server is overloaded");
			}
			send_frame(cl, 0x84, stream, 0x00, &b);
			fx_free(&b);
		}
		else
			send_int_rows(cl, stream, atoi(num));
	}
	else if (strcmp(q, "SYNTAX") == 0)
	{
		srv->syntax++;
		send_error(cl, stream, 0x2000, "line 1:0 no viable alternative at input 'SYNTAX'");
	}
	else
		send_error(cl, stream, 0x2000, "fake server: unknown query");
	free(q);
}

/* keep an EXECUTE for fake_server_flush(), which handles it then */
static void
hold_execute(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	fake_held  *h = calloc(1, sizeof(fake_held));
	fake_held **pp;

	if (h == NULL || (h->body = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(h->body, p, n);
	h->len = n;
	h->client = cl;
	h->stream = stream;
	for (pp = &srv->held; *pp; pp = &(*pp)->next)
		;
	*pp = h;
	srv->nheld++;
}

static void
handle_frame(fake_client *cl, const uint8_t *h, const uint8_t *body, size_t n)
{
	fake_server *srv = cl->srv;
	int16_t		stream = (int16_t) ((h[2] << 8) | h[3]);
	uint8_t    *plain = NULL;

	if (h[0] != 0x04 || (h[1] & ~0x01) != 0 || stream < 0 ||
		((h[1] & 0x01) && !cl->lz4))
	{
		srv->bad_requests++;
		close_client(cl);
		return;
	}
	if (h[1] & 0x01)
	{
		uint32_t	ulen;

		srv->compressed_in++;
		if (n < 4 || (ulen = be32(body)) > (1u << 24) ||
			(plain = malloc(ulen ? ulen : 1)) == NULL ||
			LZ4_decompress_safe((const char *) body + 4, (char *) plain,
								(int) (n - 4), (int) ulen) != (int) ulen)
		{
			free(plain);
			srv->bad_requests++;
			close_client(cl);
			return;
		}
		body = plain;
		n = ulen;
	}
	if (srv->mute)
	{
		free(plain);
		return;
	}
	switch (h[4])
	{
		case 0x05:				/* OPTIONS */
			{
				fx			b;

				if (srv->ignore_heartbeats && cl->started)
				{
					srv->heartbeats_ignored++;
					break;
				}
				srv->options++;
				fx_init(&b);
				fx_u16(&b, 2);
				fx_str(&b, "CQL_VERSION");
				fx_strlist(&b, 1, "3.4.7");
				fx_str(&b, "COMPRESSION");
				fx_strlist(&b, 2, "snappy", "lz4");
				send_frame(cl, 0x84, stream, 0x06, &b);
				fx_free(&b);
				break;
			}
		case 0x01:
			handle_startup(cl, stream, body, n);
			break;
		case 0x0F:
			handle_auth_response(cl, stream, body, n);
			break;
		case 0x07:
			handle_query(cl, stream, body, n);
			break;
		case 0x09:
			handle_prepare(cl, stream, body, n);
			break;
		case 0x0A:
			if (srv->hold_executes)
				hold_execute(cl, stream, body, n);
			else
				handle_execute(cl, stream, body, n);
			break;
		case 0x0D:
			handle_batch(cl, stream, body, n);
			break;
		case 0x0B:				/* REGISTER: a session's control connection */
			srv->registers++;
			cl->registered = true;
			send_frame(cl, 0x84, stream, 0x02, NULL);
			break;
		default:
			srv->bad_requests++;
			send_error(cl, stream, 0x000A, "unexpected opcode");
			break;
	}
	free(plain);
}

/* ---------- reading ---------- */

/* plaintext request bytes: cut them into frames */
static void
client_input(fake_client *cl, const uint8_t *p, size_t n)
{
	if (cl->cap - cl->len < n)
	{
		cl->cap = cl->len + n;
		cl->buf = realloc(cl->buf, cl->cap);
		if (cl->buf == NULL)
			abort();
	}
	memcpy(cl->buf + cl->len, p, n);
	cl->len += n;
	while (!cl->closing && cl->len >= 9)
	{
		size_t		blen = be32(cl->buf + 5);

		if (blen > (1u << 20))
		{
			cl->srv->bad_requests++;
			close_client(cl);
			return;
		}
		if (cl->len < 9 + blen)
			break;
		handle_frame(cl, cl->buf, cl->buf + 9, blen);
		if (cl->closing)
			return;
		memmove(cl->buf, cl->buf + 9 + blen, cl->len - 9 - blen);
		cl->len -= 9 + blen;
	}
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	fake_client *cl = h->data;

	(void) suggested;
	*buf = uv_buf_init((char *) cl->rbuf, sizeof(cl->rbuf));
}

static void
tls_input(fake_client *cl, const uint8_t *p, size_t n)
{
	uint8_t		plain[16 * 1024];
	int			r;

	if (BIO_write(cl->rbio, p, (int) n) != (int) n)
		abort();
	if (!SSL_is_init_finished(cl->ssl))
	{
		r = SSL_do_handshake(cl->ssl);
		flush_tls(cl);
		if (r != 1)
		{
			int			e = SSL_get_error(cl->ssl, r);

			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			{
				cl->srv->tls_failures++;
				ERR_clear_error();
				close_client(cl);
			}
			return;
		}
		cl->srv->tls_handshakes++;
		{
			const char *sni = SSL_get_servername(cl->ssl, TLSEXT_NAMETYPE_host_name);

			snprintf(cl->srv->sni, sizeof(cl->srv->sni), "%s", sni ? sni : "");
		}
		{
			X509	   *peer = SSL_get1_peer_certificate(cl->ssl);

			if (peer)
			{
				X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
										  cl->srv->client_cn, sizeof(cl->srv->client_cn));
				X509_free(peer);
			}
		}
	}
	while (!cl->closing && (r = SSL_read(cl->ssl, plain, sizeof(plain))) > 0)
		client_input(cl, plain, (size_t) r);
	if (!cl->closing)
	{
		int			e = SSL_get_error(cl->ssl, r);

		flush_tls(cl);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		{
			ERR_clear_error();
			close_client(cl);
		}
	}
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	fake_client *cl = s->data;

	(void) buf;
	if (nread < 0)
	{
		close_client(cl);
		return;
	}
	if (nread == 0 || cl->closing)
		return;
	if (cl->ssl)
		tls_input(cl, cl->rbuf, (size_t) nread);
	else
		client_input(cl, cl->rbuf, (size_t) nread);
}

static void
on_connection(uv_stream_t *listener, int status)
{
	fake_server *srv = listener->data;
	fake_client *cl;

	if (status < 0)
		return;
	cl = calloc(1, sizeof(fake_client));
	if (cl == NULL)
		abort();
	cl->srv = srv;
	uv_tcp_init(srv->loop, &cl->tcp);
	cl->tcp.data = cl;
	srv->open_handles++;
	cl->next = srv->clients;
	srv->clients = cl;
	if (uv_accept(listener, (uv_stream_t *) &cl->tcp) != 0)
	{
		close_client(cl);
		return;
	}
	if (srv->tls)
	{
		cl->ssl = SSL_new(srv->tls);
		cl->rbio = BIO_new(BIO_s_mem());
		cl->wbio = BIO_new(BIO_s_mem());
		if (cl->ssl == NULL || cl->rbio == NULL || cl->wbio == NULL)
			abort();
		SSL_set_bio(cl->ssl, cl->rbio, cl->wbio);
		SSL_set_accept_state(cl->ssl);
	}
	srv->connections++;
	uv_read_start((uv_stream_t *) &cl->tcp, alloc_cb, read_cb);
}

/* ---------- control ---------- */

int
fake_server_start(fake_server *srv, uv_loop_t *loop)
{
	struct sockaddr_in addr;
	struct sockaddr_storage name;
	int			namelen = sizeof(name);
	int			rc;

	srv->loop = loop;
	uv_ip4_addr("127.0.0.1", 0, &addr);
	uv_tcp_init(loop, &srv->listener);
	srv->listener.data = srv;
	srv->open_handles++;
	if ((rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *) &addr, 0)) != 0 ||
		(rc = uv_listen((uv_stream_t *) &srv->listener, 16, on_connection)) != 0 ||
		(rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *) &name, &namelen)) != 0)
		return rc;
	srv->port = ntohs(((struct sockaddr_in *) &name)->sin_port);
	return 0;
}

int
fake_server_tls(fake_server *srv, X509 *cert, EVP_PKEY *key)
{
	SSL_CTX    *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
		SSL_CTX_use_certificate(ctx, cert) != 1 ||
		SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
		SSL_CTX_check_private_key(ctx) != 1)
	{
		if (ctx)
			SSL_CTX_free(ctx);
		ERR_clear_error();
		return -1;
	}
	if (srv->tls)
		SSL_CTX_free(srv->tls);
	srv->tls = ctx;
	return 0;
}

int
fake_server_tls_client_ca(fake_server *srv, X509 *ca)
{
	if (srv->tls == NULL ||
		X509_STORE_add_cert(SSL_CTX_get_cert_store(srv->tls), ca) != 1)
		return -1;
	SSL_CTX_set_verify(srv->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return 0;
}

uint8_t
fake_noise(size_t i)
{
	/* a 64-bit LCG, scrambled: no pattern LZ4 can use */
	uint64_t	x = (uint64_t) i * 6364136223846793005ULL + 1442695040888963407ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return (uint8_t) x;
}

void
fake_server_flush(fake_server *srv, bool reverse)
{
	fake_held  *list = srv->held;
	fake_held  *rev = NULL;

	srv->held = NULL;
	srv->nheld = 0;
	if (reverse)
	{
		while (list)
		{
			fake_held  *next = list->next;

			list->next = rev;
			rev = list;
			list = next;
		}
		list = rev;
	}
	while (list)
	{
		fake_held  *next = list->next;

		if (list->body)
		{
			handle_execute(list->client, list->stream, list->body, list->len);
			free(list->body);
		}
		else if (srv->held_error)
			send_error(list->client, list->stream, srv->held_error,
					   "fake server: a held query failed");
		else
			send_int_rows(list->client, list->stream, list->n);
		free(list);
		list = next;
	}
}

void
fake_server_drop_clients(fake_server *srv)
{
	fake_client *cl = srv->clients;

	while (cl)
	{
		fake_client *next = cl->next;

		close_client(cl);
		cl = next;
	}
}

void
fake_server_forget_prepared(fake_server *srv)
{
	srv->nstmts = 0;
}

int
fake_server_topology_event(fake_server *srv, const char *type, const char *change,
						   const char *address, int port)
{
	int			n = 0;

	for (fake_client *cl = srv->clients; cl; cl = cl->next)
	{
		fx			b;
		uint8_t		a[4];

		if (!cl->registered || cl->closing)
			continue;
		if (inet_pton(AF_INET, address, a) != 1)
			abort();
		fx_init(&b);
		fx_str(&b, type);
		fx_str(&b, change);
		fx_u8(&b, 4);			/* [inet]: size, address, [int] port */
		fx_raw(&b, a, 4);
		fx_i32(&b, port);
		send_frame(cl, 0x84, -1, 0x0C, &b);
		fx_free(&b);
		n++;
	}
	return n;
}

int
fake_server_schema_event(fake_server *srv, const char *change,
						 const char *keyspace, const char *table)
{
	int			n = 0;

	for (fake_client *cl = srv->clients; cl; cl = cl->next)
	{
		fx			b;

		if (!cl->registered || cl->closing)
			continue;
		fx_init(&b);
		fx_str(&b, "SCHEMA_CHANGE");
		fx_str(&b, change);
		fx_str(&b, table ? "TABLE" : "KEYSPACE");
		fx_str(&b, keyspace);
		if (table)
			fx_str(&b, table);
		send_frame(cl, 0x84, -1, 0x0C, &b);
		fx_free(&b);
		n++;
	}
	return n;
}

static void
listener_closed(uv_handle_t *h)
{
	fake_server *srv = h->data;

	srv->open_handles--;
	/* the clients' SSL objects hold their own references */
	if (srv->tls)
		SSL_CTX_free(srv->tls);
	srv->tls = NULL;
}

void
fake_server_stop(fake_server *srv)
{
	fake_server_drop_clients(srv);
	if (!uv_is_closing((uv_handle_t *) &srv->listener))
		uv_close((uv_handle_t *) &srv->listener, listener_closed);
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

int
fake_closed_port(uv_loop_t *loop)
{
	uv_tcp_t   *t = malloc(sizeof(uv_tcp_t));
	struct sockaddr_in addr;
	struct sockaddr_storage name;
	int			namelen = sizeof(name);
	int			port = -1;

	if (t == NULL)
		abort();
	uv_ip4_addr("127.0.0.1", 0, &addr);
	uv_tcp_init(loop, t);
	if (uv_tcp_bind(t, (const struct sockaddr *) &addr, 0) == 0 &&
		uv_tcp_getsockname(t, (struct sockaddr *) &name, &namelen) == 0)
		port = ntohs(((struct sockaddr_in *) &name)->sin_port);
	/* bound but never listening: connecting is refused; closed on the next run */
	uv_close((uv_handle_t *) t, free_handle);
	return port;
}
