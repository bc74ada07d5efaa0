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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_client
{
	uv_tcp_t	tcp;
	fake_server *srv;
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
	bool		closing;
	fake_client *next;
};

struct fake_held
{
	fake_client *client;
	int16_t		stream;
	int			n;
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
send_bytes(fake_client *cl, const uint8_t *p, size_t n)
{
	out_write  *w;

	if (cl->closing)
		return;
	w = malloc(sizeof(out_write) + n);
	if (w == NULL)
		abort();
	memcpy(w->data, p, n);
	w->buf = uv_buf_init((char *) w->data, (unsigned int) n);
	if (uv_write(&w->req, (uv_stream_t *) &cl->tcp, &w->buf, 1, write_done) != 0)
		free(w);
}

static void
send_frame(fake_client *cl, uint8_t version, int16_t stream, uint8_t opcode,
		   const fx *body)
{
	fx			frame;

	fx_init(&frame);
	fx_frame(&frame, version, 0, stream, opcode, body ? body->data : NULL,
			 body ? body->len : 0);
	send_bytes(cl, frame.data, frame.len);
	fx_free(&frame);
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

static void
handle_startup(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	size_t		off = 2;
	int			count;

	srv->startups++;
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

static void
handle_query(fake_client *cl, int16_t stream, const uint8_t *p, size_t n)
{
	fake_server *srv = cl->srv;
	char		q[256];
	int32_t		qlen;

	srv->queries++;
	if (srv->nstreams < FAKE_MAX_STREAMS)
		srv->streams[srv->nstreams++] = stream;
	/* <query> [long string], then <consistency> [short] and <flags> [byte] */
	if (n < 4 || (qlen = (int32_t) be32(p)) < 0 || (size_t) qlen + 7 > n ||
		(size_t) qlen >= sizeof(q))
	{
		srv->bad_requests++;
		send_error(cl, stream, 0x000A, "malformed QUERY");
		return;
	}
	memcpy(q, p + 4, (size_t) qlen);
	q[qlen] = '\0';

	if (strcmp(q, "SELECT rows") == 0)
	{
		fx			b;

		fx_init(&b);
		fixture_find("rows_global")->build(&b);
		send_frame(cl, 0x84, stream, 0x08, &b);
		fx_free(&b);
	}
	else if (strcmp(q, "SELECT big") == 0)
	{
		fx			b;
		uint8_t    *cell = malloc(FAKE_BIG_CELL);

		if (cell == NULL)
			abort();
		for (size_t i = 0; i < FAKE_BIG_CELL; i++)
			cell[i] = (uint8_t) (i * 7);
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
		close_client(cl);
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
	else
		send_error(cl, stream, 0x2000, "fake server: unknown query");
}

static void
handle_frame(fake_client *cl, const uint8_t *h, const uint8_t *body, size_t n)
{
	fake_server *srv = cl->srv;
	int16_t		stream = (int16_t) ((h[2] << 8) | h[3]);

	if (h[0] != 0x04 || h[1] != 0 || stream < 0)
	{
		srv->bad_requests++;
		close_client(cl);
		return;
	}
	if (srv->mute)
		return;
	switch (h[4])
	{
		case 0x05:				/* OPTIONS */
			{
				fx			b;

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
		case 0x0B:				/* REGISTER: a session's control connection */
			{
				fx			b;

				srv->registers++;
				fx_init(&b);
				send_frame(cl, 0x84, stream, 0x02, &b);
				fx_free(&b);
				break;
			}
		default:
			srv->bad_requests++;
			send_error(cl, stream, 0x000A, "unexpected opcode");
			break;
	}
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	fake_client *cl = h->data;

	if (cl->cap - cl->len < suggested)
	{
		cl->cap = cl->len + suggested;
		cl->buf = realloc(cl->buf, cl->cap);
		if (cl->buf == NULL)
			abort();
	}
	*buf = uv_buf_init((char *) cl->buf + cl->len, (unsigned int) (cl->cap - cl->len));
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
	cl->len += (size_t) nread;
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

static void
listener_closed(uv_handle_t *h)
{
	fake_server *srv = h->data;

	srv->open_handles--;
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
