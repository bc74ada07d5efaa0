/*-------------------------------------------------------------------------
 *
 * conn.c
 *		  One TCP connection on libuv: handshake, stream ids, in-flight
 *		  table, deadlines, and the reactor and futures around it.
 *
 * Every request gets a stream id and a slot in the in-flight table.  A
 * request whose deadline passes is completed with CQL_ETIMEDOUT but keeps its
 * stream id ("orphan") until the late response arrives and is discarded, so
 * the connection stays in sync with the server.  When the connection fails,
 * every pending request fails with the connection's error ("defunct").
 *
 * Nothing here blocks: the reactor is run with UV_RUN_NOWAIT by whoever
 * waits (the FDW's wait loop), and callbacks only record what happened.
 *
 * IDENTIFICATION
 *		  src/driver/conn.c
 *
 *-------------------------------------------------------------------------
 */
#include "conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#define READ_BUFFER_SIZE (64 * 1024)
/* read straight into a frame body when at least this much of it is missing */
#define DIRECT_READ_MIN (16 * 1024)
/* compress request bodies from this size on (the flag is per frame) */
#define COMPRESS_MIN 256

enum conn_state
{
	CONN_CONNECTING,
	CONN_TLS,
	CONN_OPTIONS,
	CONN_STARTUP,
	CONN_AUTH,
	CONN_READY,
	CONN_DEFUNCT,
	CONN_CLOSED
};

struct cql__request
{
	cql__response_cb cb;		/* NULL once orphaned (deadline passed) */
	void	   *arg;
	int16_t		stream;
	uint64_t	deadline;		/* uv_now() ms; 0: none */
	cql__request *prev;
	cql__request *next;
};

typedef struct write_req
{
	uv_write_t	req;
	uv_buf_t	buf;
	uint8_t		data[];
} write_req;

struct cql_conn
{
	cql_reactor *reactor;
	uv_tcp_t	tcp;
	uv_timer_t	timer;
	uv_timer_t	heartbeat;
	uv_idle_t	flusher;		/* sends the coalesced frames on the next turn */
	uv_connect_t connect_req;
	int			state;
	int			open_handles;	/* closed when this reaches 0 */
	bool		closing;
	bool		ready_reported;	/* on_ready was called with success */
	bool		fd_acquired;	/* counted by the reactor's fd hooks */
	char		host[72];
	char	   *username;
	char	   *password;
	uint64_t	connect_deadline;
	cql__conn_ready_cb on_ready;
	cql__conn_closed_cb on_closed;
	cql__conn_event_cb on_event;
	void	   *arg;
	void		(*arg_free) (void *arg);
	cql_error	err;			/* why the connection failed */

	cql__tls_ctx *tls_ctx;		/* not owned */
	cql__tls   *tls;			/* NULL: plain TCP */
	char	   *server_name;
	bool		compression_wanted;
	bool		compressed;		/* LZ4 negotiated: frames may be compressed */
	int			heartbeat_interval_ms;
	int			heartbeat_timeout_ms;
	bool		heartbeat_pending;
	uint64_t	last_activity;	/* uv_now() of the last bytes read */

	/*
	 * Coalesced frames: a request sent with defer set waits here, and every
	 * frame that gathers before the loop turns again goes out in one write
	 * (one system call here, one read on the node), as gocql's write
	 * coalescing does.  An active idle handle makes the loop's timeout 0,
	 * so a backend about to sleep turns the loop first: nothing waits here
	 * across a sleep.  Any frame sent without defer flushes these first,
	 * keeping the order.  Plain TCP only.
	 */
	bool		defer;
	uint8_t    *out;
	size_t		out_len;
	size_t		out_cap;

	/* in-flight requests, by stream id, and in sending order */
	cql__request *streams[CQL_MAX_STREAMS];
	cql__request *head;
	cql__request *tail;
	int			ninflight;
	int			norphans;
	int			next_stream;
	uint64_t	timer_due;		/* 0 when the timer is not armed */

	/* frame being read */
	cql__framer framer;
	uint8_t		rbuf[READ_BUFFER_SIZE];
};

static void conn_fail(cql_conn *c, int code, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
static void handshake_response(cql_conn *c, void *arg, int rc,
							   cql_response *resp, const cql_error *err);

/* ---------- reactor ---------- */

cql_reactor *
cql_reactor_new(void)
{
	cql_reactor *r = calloc(1, sizeof(cql_reactor));

	if (r == NULL)
		return NULL;
	if (uv_loop_init(&r->loop) != 0)
	{
		free(r);
		return NULL;
	}
	return r;
}

static void
close_walk_cb(uv_handle_t *h, void *arg)
{
	(void) arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void
cql_reactor_free(cql_reactor *r)
{
	if (r == NULL)
		return;
	uv_walk(&r->loop, close_walk_cb, NULL);
	/* only closing handles remain: this returns without blocking */
	uv_run(&r->loop, UV_RUN_DEFAULT);
	uv_loop_close(&r->loop);
	free(r);
}

int
cql_reactor_fd(cql_reactor *r)
{
	return uv_backend_fd(&r->loop);
}

int
cql_reactor_timeout(cql_reactor *r)
{
	uv_update_time(&r->loop);
	return uv_backend_timeout(&r->loop);
}

void
cql_reactor_run(cql_reactor *r)
{
	uv_run(&r->loop, UV_RUN_NOWAIT);
}

void
cql_reactor_set_fd_hooks(cql_reactor *r, bool (*acquire) (void), void (*release) (void))
{
	r->acquire_fd = acquire;
	r->release_fd = release;
}

/* ---------- futures ---------- */

cql_future *
cql__future_new(void)
{
	cql_future *f = calloc(1, sizeof(cql_future));

	if (f)
		cql_error_clear(&f->err);
	return f;
}

void
cql__future_complete(cql_future *f, int rc, const cql_error *err,
					 cql_result *result)
{
	if (f->state == CQL_FUTURE_DONE)
	{
		cql_result_free(result);
		return;
	}
	f->state = CQL_FUTURE_DONE;
	f->rc = rc;
	if (rc != CQL_OK)
	{
		if (err)
			f->err = *err;
		else
			cql_error_set(&f->err, rc, "%s", cql_strerror(rc));
		f->err.code = rc;
	}
	if (f->abandoned)
	{
		cql_result_free(result);
		cql_prepared_release(f->prepared);
		free(f);
		return;
	}
	f->result = result;
}

bool
cql_future_done(const cql_future *f)
{
	return f->state == CQL_FUTURE_DONE;
}

int
cql_future_rc(const cql_future *f)
{
	return f->state == CQL_FUTURE_DONE ? f->rc : CQL_EAGAIN;
}

const cql_error *
cql_future_error(const cql_future *f)
{
	return &f->err;
}

cql_result *
cql_future_result(cql_future *f)
{
	return f->state == CQL_FUTURE_DONE && f->rc == CQL_OK ? f->result : NULL;
}

cql_result *
cql_future_take_result(cql_future *f)
{
	cql_result *res = cql_future_result(f);

	f->result = NULL;
	return res;
}

void
cql_future_release(cql_future *f)
{
	if (f == NULL)
		return;
	if (f->state != CQL_FUTURE_DONE)
	{
		f->abandoned = true;
		return;
	}
	cql_result_free(f->result);
	cql_prepared_release(f->prepared);
	free(f);
}

cql_prepared *
cql_future_take_prepared(cql_future *f)
{
	struct cql_prepared *p;

	if (f->state != CQL_FUTURE_DONE || f->rc != CQL_OK)
		return NULL;
	p = f->prepared;
	f->prepared = NULL;
	return p;
}

/* ---------- connection lifetime ---------- */

static void
handle_closed(uv_handle_t *h)
{
	cql_conn   *c = h->data;

	if (--c->open_handles == 0)
	{
		if (c->fd_acquired && c->reactor->release_fd)
			c->reactor->release_fd();
		if (c->arg_free)
			c->arg_free(c->arg);
		cql__tls_free(c->tls);
		free(c->out);
		free(c->server_name);
		free(c->username);
		free(c->password);
		free(c);
	}
}

static void
unlink_request(cql_conn *c, cql__request *req)
{
	if (req->prev)
		req->prev->next = req->next;
	else
		c->head = req->next;
	if (req->next)
		req->next->prev = req->prev;
	else
		c->tail = req->prev;
	c->streams[req->stream] = NULL;
	c->ninflight--;
	if (req->cb == NULL)
		c->norphans--;
}

/*
 * Fail every pending request and close the handles.  The callbacks may
 * start other work (a session moving to the next host) but never touch c.
 */
static void
conn_shutdown(cql_conn *c)
{
	cql__request *req;

	if (c->closing)
		return;
	c->closing = true;
	if (c->state != CONN_DEFUNCT)
		c->state = CONN_CLOSED;

	while ((req = c->head) != NULL)
	{
		cql__response_cb cb = req->cb;
		void	   *arg = req->arg;

		unlink_request(c, req);
		free(req);
		if (cb && cb != handshake_response)
			cb(c, arg, c->err.code, NULL, &c->err);
	}
	cql__framer_reset(&c->framer);

	/* exactly one of the two: a failed attempt, or the end of a ready one */
	if (!c->ready_reported && c->on_ready)
		c->on_ready(c, c->arg, c->err.code, &c->err);
	else if (c->ready_reported && c->on_closed)
		c->on_closed(c, c->arg);

	c->out_len = 0;				/* frames not sent are failed above */
	uv_close((uv_handle_t *) &c->timer, handle_closed);
	uv_close((uv_handle_t *) &c->heartbeat, handle_closed);
	uv_close((uv_handle_t *) &c->flusher, handle_closed);
	uv_close((uv_handle_t *) &c->tcp, handle_closed);
}

static void
conn_fail(cql_conn *c, int code, const char *fmt,...)
{
	va_list		ap;

	if (c->closing)
		return;
	cql_error_clear(&c->err);
	c->err.code = code;
	va_start(ap, fmt);
	vsnprintf(c->err.message, sizeof(c->err.message), fmt, ap);
	va_end(ap);
	snprintf(c->err.host, sizeof(c->err.host), "%s", c->host);
	c->state = CONN_DEFUNCT;
	conn_shutdown(c);
}

/* fail with an error object that came from elsewhere (a server ERROR) */
static void
conn_fail_with(cql_conn *c, int code, const cql_error *err)
{
	if (c->closing)
		return;
	c->err = *err;
	c->err.code = code;
	snprintf(c->err.host, sizeof(c->err.host), "%s", c->host);
	c->state = CONN_DEFUNCT;
	conn_shutdown(c);
}

void
cql__conn_close(cql_conn *c)
{
	if (c->closing)
		return;
	cql_error_set(&c->err, CQL_ECANCELED, "connection to %s closed", c->host);
	snprintf(c->err.host, sizeof(c->err.host), "%s", c->host);
	/* a deliberate close reports neither on_ready nor on_closed */
	c->on_ready = NULL;
	c->on_closed = NULL;
	conn_shutdown(c);
}

bool
cql__conn_is_ready(const cql_conn *c)
{
	return c->state == CONN_READY && !c->closing;
}

const char *
cql__conn_host(const cql_conn *c)
{
	return c->host;
}

int
cql__conn_in_flight(const cql_conn *c)
{
	return c->ninflight;
}

bool
cql__conn_compressed(const cql_conn *c)
{
	return c->compressed;
}

bool
cql__conn_tls(const cql_conn *c)
{
	return c->tls != NULL;
}

/* ---------- deadlines ---------- */

static void timer_cb(uv_timer_t *t);

static void
arm_timer(cql_conn *c, uint64_t due)
{
	uint64_t	now = uv_now(&c->reactor->loop);

	if (due == 0 || c->closing)
		return;
	if (c->timer_due != 0 && c->timer_due <= due)
		return;
	c->timer_due = due;
	uv_timer_start(&c->timer, timer_cb, due > now ? due - now : 0, 0);
}

static void
timer_cb(uv_timer_t *t)
{
	cql_conn   *c = t->data;
	uint64_t	now = uv_now(&c->reactor->loop);
	uint64_t	next = 0;
	cql__request *req;

	c->timer_due = 0;
	if (c->state < CONN_READY && c->connect_deadline && now >= c->connect_deadline)
	{
		conn_fail(c, CQL_ETIMEDOUT, "timed out connecting to %s", c->host);
		return;
	}
	if (c->state < CONN_READY && c->connect_deadline)
		next = c->connect_deadline;

	for (req = c->head; req; req = req->next)
	{
		if (req->cb == NULL || req->deadline == 0)
			continue;
		if (req->deadline <= now)
		{
			cql__response_cb cb = req->cb;
			cql_error	err;

			/* orphan: the stream id stays taken until the response comes */
			req->cb = NULL;
			c->norphans++;
			cql_error_set(&err, CQL_ETIMEDOUT,
						  "no response from %s within the request timeout", c->host);
			snprintf(err.host, sizeof(err.host), "%s", c->host);
			cb(c, req->arg, CQL_ETIMEDOUT, NULL, &err);
			if (c->closing)
				return;
			/* a node that stopped answering: replace the connection */
			if (c->norphans >= CQL_MAX_ORPHANS)
			{
				conn_fail(c, CQL_ETIMEDOUT,
						  "%s left %d requests without an answer; the connection is replaced",
						  c->host, c->norphans);
				return;
			}
		}
		else if (next == 0 || req->deadline < next)
			next = req->deadline;
	}
	arm_timer(c, next);
}

/* ---------- writing ---------- */

static void
write_cb(uv_write_t *w, int status)
{
	write_req  *wr = (write_req *) w;
	cql_conn   *c = w->data;

	free(wr);
	if (status < 0 && status != UV_ECANCELED)
		conn_fail(c, CQL_ECONN, "could not send to %s: %s", c->host,
				  uv_strerror(status));
}

/* Queue n bytes on the socket; the bytes are copied. */
static int
write_raw(cql_conn *c, const uint8_t *p, size_t n, cql_error *err)
{
	write_req  *wr = malloc(sizeof(write_req) + n);
	int			rc;

	if (wr == NULL)
	{
		cql_error_set(err, CQL_ENOMEM, "out of memory sending to %s", c->host);
		return CQL_ENOMEM;
	}
	memcpy(wr->data, p, n);
	wr->buf = uv_buf_init((char *) wr->data, (unsigned int) n);
	wr->req.data = c;
	rc = uv_write(&wr->req, (uv_stream_t *) &c->tcp, &wr->buf, 1, write_cb);
	if (rc < 0)
	{
		free(wr);
		cql_error_set(err, CQL_ECONN, "could not send to %s: %s", c->host, uv_strerror(rc));
		snprintf(err->host, sizeof(err->host), "%s", c->host);
		return CQL_ECONN;
	}
	return CQL_OK;
}

/* Send what TLS has produced for the network. */
static int
flush_tls(cql_conn *c, cql_error *err)
{
	size_t		n;

	while ((n = cql__tls_pending(c->tls)) > 0)
	{
		write_req  *wr = malloc(sizeof(write_req) + n);
		int			rc;

		if (wr == NULL)
		{
			cql_error_set(err, CQL_ENOMEM, "out of memory sending to %s", c->host);
			return CQL_ENOMEM;
		}
		n = cql__tls_take(c->tls, wr->data, n);
		wr->buf = uv_buf_init((char *) wr->data, (unsigned int) n);
		wr->req.data = c;
		rc = uv_write(&wr->req, (uv_stream_t *) &c->tcp, &wr->buf, 1, write_cb);
		if (rc < 0)
		{
			free(wr);
			cql_error_set(err, CQL_ECONN, "could not send to %s: %s", c->host, uv_strerror(rc));
			return CQL_ECONN;
		}
	}
	return CQL_OK;
}

/* Send the coalesced frames now, in one write. */
static int
flush_out(cql_conn *c, cql_error *err)
{
	int			rc = CQL_OK;

	uv_idle_stop(&c->flusher);
	if (c->out_len > 0)
	{
		rc = write_raw(c, c->out, c->out_len, err);
		c->out_len = 0;
	}
	return rc;
}

static void
flusher_cb(uv_idle_t *h)
{
	cql_conn   *c = h->data;
	cql_error	err;

	if (flush_out(c, &err) != CQL_OK)
		conn_fail_with(c, CQL_ECONN, &err);
}

/* Keep a frame for the next turn of the loop. */
static int
defer_frame(cql_conn *c, const uint8_t *p, size_t n, cql_error *err)
{
	if (c->out_len + n > c->out_cap)
	{
		size_t		cap = c->out_cap ? c->out_cap : 64 * 1024;
		uint8_t    *grown;

		while (cap < c->out_len + n)
			cap *= 2;
		grown = realloc(c->out, cap);
		if (grown == NULL)
		{
			cql_error_set(err, CQL_ENOMEM, "out of memory sending to %s", c->host);
			return CQL_ENOMEM;
		}
		c->out = grown;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	if (!uv_is_active((uv_handle_t *) &c->flusher))
		uv_idle_start(&c->flusher, flusher_cb);
	return CQL_OK;
}

void
cql__conn_set_defer(cql_conn *c, bool on)
{
	c->defer = on;
}

/* Send a whole frame, through TLS when the connection has it. */
static int
write_frame(cql_conn *c, const uint8_t *p, size_t n, cql_error *err)
{
	int			rc;

	if (c->tls == NULL)
	{
		if (c->defer)
			return defer_frame(c, p, n, err);
		if (c->out_len > 0 && (rc = flush_out(c, err)) != CQL_OK)
			return rc;
		return write_raw(c, p, n, err);
	}
	if ((rc = cql__tls_write(c->tls, p, n, err)) != CQL_OK)
		return rc;
	return flush_tls(c, err);
}

/*
 * An LZ4-compressed copy of a frame: the flag set, the body replaced by the
 * uncompressed length (4 bytes, big-endian) and the LZ4 block.  NULL when
 * out of memory.
 */
static uint8_t *
compress_frame(const uint8_t *frame, size_t len, size_t *outlen)
{
	size_t		body = len - CQL_HEADER_SIZE;
	int			bound = LZ4_compressBound((int) body);
	uint8_t    *out = malloc(CQL_HEADER_SIZE + 4 + (size_t) bound);
	int			clen;

	if (out == NULL)
		return NULL;
	memcpy(out, frame, CQL_HEADER_SIZE);
	out[1] |= CQL_FLAG_COMPRESSION;
	out[9] = (uint8_t) (body >> 24);
	out[10] = (uint8_t) (body >> 16);
	out[11] = (uint8_t) (body >> 8);
	out[12] = (uint8_t) body;
	clen = LZ4_compress_default((const char *) frame + CQL_HEADER_SIZE,
								(char *) out + CQL_HEADER_SIZE + 4, (int) body, bound);
	if (clen <= 0)
	{
		free(out);
		return NULL;
	}
	*outlen = CQL_HEADER_SIZE + 4 + (size_t) clen;
	out[5] = (uint8_t) ((*outlen - CQL_HEADER_SIZE) >> 24);
	out[6] = (uint8_t) ((*outlen - CQL_HEADER_SIZE) >> 16);
	out[7] = (uint8_t) ((*outlen - CQL_HEADER_SIZE) >> 8);
	out[8] = (uint8_t) (*outlen - CQL_HEADER_SIZE);
	return out;
}

int
cql__conn_send(cql_conn *c, cql__buf *frame, int timeout_ms,
			   cql__response_cb cb, void *arg, cql_error *err)
{
	cql__request *req;
	int			stream = -1;
	int			rc;

	if (c->closing || c->state == CONN_DEFUNCT || c->state == CONN_CLOSED)
	{
		if (c->err.code != CQL_OK)
			*err = c->err;
		else
			cql_error_set(err, CQL_ECONN, "connection to %s is closed", c->host);
		err->code = CQL_ECONN;
		return CQL_ECONN;
	}
	if (frame->failed || frame->len < CQL_HEADER_SIZE)
	{
		cql_error_set(err, CQL_EINVAL, "could not encode the request (too large or out of memory)");
		return CQL_EINVAL;
	}
	if (c->ninflight >= CQL_MAX_STREAMS)
	{
		cql_error_set(err, CQL_EBUSY, "all %d stream ids of the connection to %s are in use",
					  CQL_MAX_STREAMS, c->host);
		return CQL_EBUSY;
	}
	for (int i = 0; i < CQL_MAX_STREAMS; i++)
	{
		int			s = (c->next_stream + i) % CQL_MAX_STREAMS;

		if (c->streams[s] == NULL)
		{
			stream = s;
			break;
		}
	}
	c->next_stream = (stream + 1) % CQL_MAX_STREAMS;

	req = calloc(1, sizeof(cql__request));
	if (req == NULL)
	{
		cql_error_set(err, CQL_ENOMEM, "out of memory sending a request");
		return CQL_ENOMEM;
	}
	frame->data[2] = (uint8_t) (stream >> 8);
	frame->data[3] = (uint8_t) stream;
	if (c->compressed && frame->len - CQL_HEADER_SIZE >= COMPRESS_MIN)
	{
		size_t		zlen;
		uint8_t    *z = compress_frame(frame->data, frame->len, &zlen);

		if (z == NULL)
		{
			free(req);
			cql_error_set(err, CQL_ENOMEM, "out of memory compressing a request");
			return CQL_ENOMEM;
		}
		rc = write_frame(c, z, zlen, err);
		free(z);
	}
	else
		rc = write_frame(c, frame->data, frame->len, err);
	if (rc != CQL_OK)
	{
		free(req);
		snprintf(err->host, sizeof(err->host), "%s", c->host);
		return rc;
	}

	req->cb = cb;
	req->arg = arg;
	req->stream = (int16_t) stream;
	c->streams[stream] = req;
	req->prev = c->tail;
	if (c->tail)
		c->tail->next = req;
	else
		c->head = req;
	c->tail = req;
	c->ninflight++;
	if (timeout_ms > 0)
	{
		uv_update_time(&c->reactor->loop);
		req->deadline = uv_now(&c->reactor->loop) + (uint64_t) timeout_ms;
		arm_timer(c, req->deadline);
	}
	return CQL_OK;
}

/* ---------- reading ---------- */

static void send_options(cql_conn *c);
static void conn_fail_with(cql_conn *c, int code, const cql_error *err);

static void
dispatch_frame(cql_conn *c)
{
	cql_frame_header h;
	uint8_t    *body;
	cql__request *req;
	cql_response *resp;
	cql__response_cb cb;
	void	   *arg;
	cql_error	err;
	int			rc;

	cql__framer_take(&c->framer, &h, &body);
	if (h.flags & CQL_FLAG_COMPRESSION)
	{
		uint32_t	ulen;
		uint8_t    *plain;

		if (h.length < 4)
		{
			free(body);
			conn_fail(c, CQL_EPROTO, "%s sent a compressed frame of %u bytes", c->host, h.length);
			return;
		}
		ulen = ((uint32_t) body[0] << 24) | ((uint32_t) body[1] << 16) |
			((uint32_t) body[2] << 8) | (uint32_t) body[3];
		if (ulen > CQL_MAX_FRAME_BODY)
		{
			free(body);
			conn_fail(c, CQL_ETOOBIG, "%s sent a frame of %u bytes uncompressed, over the limit of %d",
					  c->host, ulen, CQL_MAX_FRAME_BODY);
			return;
		}
		plain = malloc(ulen ? ulen : 1);
		if (plain == NULL ||
			(ulen > 0 &&
			 LZ4_decompress_safe((const char *) body + 4, (char *) plain,
								 (int) (h.length - 4), (int) ulen) != (int) ulen))
		{
			free(plain);
			free(body);
			conn_fail(c, CQL_EPROTO, "%s sent a frame that does not decompress", c->host);
			return;
		}
		free(body);
		body = plain;
		h.length = ulen;
		h.flags &= (uint8_t) ~CQL_FLAG_COMPRESSION;
	}
	if (h.stream < 0)
	{
		cql_error	err;

		/* a server event */
		if (c->on_event == NULL)
		{
			free(body);
			return;
		}
		resp = malloc(sizeof(cql_response));
		if (resp == NULL || cql__response_decode(resp, &h, body, &err) != CQL_OK ||
			resp->header.opcode != CQL_OP_EVENT)
		{
			if (resp && resp->body == body)
				cql_result_free(resp);
			else
			{
				free(resp);
				free(body);
			}
			return;
		}
		c->on_event(c, c->arg, resp);
		return;
	}
	req = c->streams[h.stream];
	if (req == NULL)
	{
		free(body);
		conn_fail(c, CQL_EPROTO, "%s answered on stream %d, which has no request",
				  c->host, h.stream);
		return;
	}
	cb = req->cb;
	arg = req->arg;
	unlink_request(c, req);
	free(req);
	if (c->timer_due && c->head == NULL && c->state == CONN_READY)
	{
		uv_timer_stop(&c->timer);
		c->timer_due = 0;
	}
	if (cb == NULL)
	{
		/* the late response of an orphaned request */
		free(body);
		return;
	}

	resp = malloc(sizeof(cql_response));
	if (resp == NULL)
	{
		free(body);
		conn_fail(c, CQL_ENOMEM, "out of memory reading from %s", c->host);
		return;
	}
	rc = cql__response_decode(resp, &h, body, &err);
	if (rc != CQL_OK)
	{
		cql_error	e;

		free(resp);
		free(body);
		cql_error_set(&e, rc, "invalid response from %s: %s", c->host, err.message);
		snprintf(e.host, sizeof(e.host), "%s", c->host);
		/* a frame we cannot parse leaves the stream out of sync */
		conn_fail_with(c, rc, &e);
		/*
		 * Its request, unlinked above, is not among those conn_fail_with
		 * failed: it fails too (the handshake's reports through on_ready),
		 * or its caller would wait for ever.
		 */
		if (cb != handshake_response)
			cb(c, arg, rc, NULL, &e);
		return;
	}
	cb(c, arg, CQL_OK, resp, NULL);
}

/* consume bytes that were read into rbuf */
static void
consume(cql_conn *c, const uint8_t *p, size_t n)
{
	while (n > 0 && !c->closing)
	{
		size_t		used;
		int			rc = cql__framer_feed(&c->framer, p, n, &used);

		p += used;
		n -= used;
		if (rc == CQL_OK)
			dispatch_frame(c);
		else if (rc == CQL_EAGAIN)
			return;
		else if (rc == CQL_ETOOBIG)
		{
			conn_fail(c, CQL_ETOOBIG, "%s sent a frame of %u bytes, over the limit of %d",
					  c->host, c->framer.cur.length, CQL_MAX_FRAME_BODY);
			return;
		}
		else if (rc == CQL_ENOMEM)
		{
			conn_fail(c, CQL_ENOMEM, "out of memory reading a frame of %u bytes from %s",
					  c->framer.cur.length, c->host);
			return;
		}
		else
		{
			conn_fail(c, CQL_EPROTO, "%s sent a frame with version byte 0x%02x, not a protocol v4 response",
					  c->host, c->framer.hdr[0]);
			return;
		}
	}
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	cql_conn   *c = h->data;

	uint8_t    *p;
	size_t		n;

	(void) suggested;
	if (c->tls == NULL && cql__framer_direct(&c->framer, DIRECT_READ_MIN, &p, &n))
		*buf = uv_buf_init((char *) p, (unsigned int) (n > UINT32_MAX ? UINT32_MAX : n));
	else
		*buf = uv_buf_init((char *) c->rbuf, sizeof(c->rbuf));
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	cql_conn   *c = s->data;

	if (nread < 0)
	{
		if (nread == UV_EOF)
			conn_fail(c, CQL_ECONN, "%s closed the connection", c->host);
		else
			conn_fail(c, CQL_ECONN, "could not read from %s: %s", c->host,
					  uv_strerror((int) nread));
		return;
	}
	if (nread == 0)
		return;
	c->last_activity = uv_now(&c->reactor->loop);
	if (c->tls)
	{
		cql_error	err;
		int			rc;
		size_t		got;

		if ((rc = cql__tls_feed(c->tls, c->rbuf, (size_t) nread, &err)) != CQL_OK)
		{
			conn_fail_with(c, rc, &err);
			return;
		}
		if (c->state == CONN_TLS)
		{
			rc = cql__tls_handshake(c->tls, &err);
			if (rc == CQL_OK || rc == CQL_EAGAIN)
			{
				int			frc = flush_tls(c, &err);

				if (frc != CQL_OK)
				{
					conn_fail_with(c, frc, &err);
					return;
				}
			}
			if (rc == CQL_EAGAIN)
				return;
			if (rc != CQL_OK)
			{
				snprintf(err.message + strlen(err.message),
						 sizeof(err.message) - strlen(err.message),
						 " (TLS handshake with %s)", c->host);
				conn_fail_with(c, rc, &err);
				return;
			}
			send_options(c);
		}
		/* plaintext into rbuf: its ciphertext is in the BIO already */
		while (!c->closing)
		{
			rc = cql__tls_read(c->tls, c->rbuf, sizeof(c->rbuf), &got, &err);
			if (rc == CQL_EAGAIN)
				break;
			if (rc != CQL_OK)
			{
				conn_fail_with(c, rc, &err);
				return;
			}
			consume(c, c->rbuf, got);
		}
		return;
	}
	if (buf->base == (char *) c->rbuf)
		consume(c, c->rbuf, (size_t) nread);
	else
	{
		/* read straight into the body of the current frame */
		if (cql__framer_direct_done(&c->framer, (size_t) nread))
			dispatch_frame(c);
	}
}

/* ---------- handshake ---------- */

static int
send_internal(cql_conn *c, cql__buf *b)
{
	cql_error	err;
	int			rc;

	if (b->failed)
	{
		conn_fail(c, CQL_ENOMEM, "out of memory during the handshake with %s", c->host);
		return CQL_ENOMEM;
	}
	rc = cql__conn_send(c, b, 0, handshake_response, NULL, &err);
	if (rc != CQL_OK)
		conn_fail_with(c, rc, &err);
	return rc;
}

static void
send_startup(cql_conn *c, bool lz4)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_startup(&b, 0, lz4 ? "lz4" : NULL);
	c->state = CONN_STARTUP;
	if (send_internal(c, &b) == CQL_OK && lz4)
		c->compressed = true;	/* every frame after STARTUP may be */
	cql__buf_free(&b);
}

static void
send_options(cql_conn *c)
{
	cql__buf	b;

	cql__buf_init(&b);
	cql__encode_options(&b, 0);
	c->state = CONN_OPTIONS;
	send_internal(c, &b);
	cql__buf_free(&b);
}

static void
heartbeat_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				   const cql_error *err)
{
	(void) arg;
	c->heartbeat_pending = false;
	if (resp)
		cql_result_free(resp);
	if (rc == CQL_ETIMEDOUT)
		conn_fail(c, CQL_ETIMEDOUT, "%s did not answer a heartbeat", c->host);
	(void) err;
}

/* An idle connection sends OPTIONS now and then, to find out it died. */
static void
heartbeat_cb(uv_timer_t *t)
{
	cql_conn   *c = t->data;
	uint64_t	now = uv_now(&c->reactor->loop);
	cql__buf	b;
	cql_error	err;

	if (c->state != CONN_READY || c->closing || c->heartbeat_pending ||
		now - c->last_activity < (uint64_t) c->heartbeat_interval_ms)
		return;
	cql__buf_init(&b);
	cql__encode_options(&b, 0);
	if (cql__conn_send(c, &b, c->heartbeat_timeout_ms, heartbeat_response, NULL, &err) == CQL_OK)
		c->heartbeat_pending = true;
	cql__buf_free(&b);
}

static void
send_credentials(cql_conn *c, const char *authenticator)
{
	cql__buf	b;
	cql__buf	token;

	if (c->username == NULL)
	{
		conn_fail(c, CQL_EAUTH,
				  "%s requires authentication (%s), but no username was given",
				  c->host, authenticator ? authenticator : "unknown authenticator");
		return;
	}
	/* SASL PLAIN: authzid NUL authcid NUL password */
	cql__buf_init(&token);
	cql__buf_u8(&token, 0);
	cql__buf_put(&token, c->username, strlen(c->username));
	cql__buf_u8(&token, 0);
	if (c->password)
		cql__buf_put(&token, c->password, strlen(c->password));
	cql__buf_init(&b);
	cql__encode_auth_response(&b, 0, token.data, token.len);
	if (token.failed)
		b.failed = true;
	c->state = CONN_AUTH;
	send_internal(c, &b);
	/* do not leave the password in freed memory */
	if (token.data)
		memset(token.data, 0, token.len);
	if (b.data)
		memset(b.data, 0, b.len);
	cql__buf_free(&token);
	cql__buf_free(&b);
}

static void
became_ready(cql_conn *c)
{
	c->state = CONN_READY;
	c->ready_reported = true;
	c->connect_deadline = 0;
	c->last_activity = uv_now(&c->reactor->loop);
	if (c->heartbeat_interval_ms > 0)
		uv_timer_start(&c->heartbeat, heartbeat_cb, (uint64_t) c->heartbeat_interval_ms,
					   (uint64_t) c->heartbeat_interval_ms);
	if (c->head == NULL)
	{
		uv_timer_stop(&c->timer);
		c->timer_due = 0;
	}
	if (c->on_ready)
		c->on_ready(c, c->arg, CQL_OK, NULL);
}

static void
handshake_response(cql_conn *c, void *arg, int rc, cql_response *resp,
				   const cql_error *err)
{
	int			op;

	(void) arg;
	if (rc != CQL_OK)
	{
		conn_fail_with(c, rc, err);
		return;
	}
	op = resp->header.opcode;
	if (op == CQL_OP_ERROR)
	{
		cql_error	e = *resp->error;
		int			code = (c->state == CONN_AUTH ||
							e.server_code == CQL_BAD_CREDENTIALS) ? CQL_EAUTH : CQL_ESERVER;

		cql_result_free(resp);
		if (code == CQL_EAUTH)
		{
			/* say who was refused; the password never appears anywhere */
			char		server_msg[sizeof(e.message)];

			memcpy(server_msg, e.message, sizeof(server_msg));
			snprintf(e.message, sizeof(e.message),
					 "%s refused the login of user \"%.100s\": %.600s", c->host,
					 c->username ? c->username : "", server_msg);
		}
		conn_fail_with(c, code, &e);
		return;
	}

	switch (c->state)
	{
		case CONN_OPTIONS:
			{
				bool		lz4 = false;

				if (op != CQL_OP_SUPPORTED)
					break;
				if (c->compression_wanted)
				{
					const cql_string_multimap_entry *e =
						cql__supported_find(resp, "COMPRESSION");

					for (int i = 0; e && i < e->nvalues; i++)
						if (strcmp(e->values[i], "lz4") == 0)
							lz4 = true;
				}
				cql_result_free(resp);
				send_startup(c, lz4);
				return;
			}
		case CONN_STARTUP:
			if (op == CQL_OP_READY)
			{
				cql_result_free(resp);
				became_ready(c);
				return;
			}
			if (op == CQL_OP_AUTHENTICATE)
			{
				char		auth[256];

				snprintf(auth, sizeof(auth), "%s", resp->authenticator);
				cql_result_free(resp);
				send_credentials(c, auth);
				return;
			}
			break;
		case CONN_AUTH:
			if (op == CQL_OP_AUTH_SUCCESS)
			{
				cql_result_free(resp);
				became_ready(c);
				return;
			}
			if (op == CQL_OP_AUTH_CHALLENGE)
			{
				cql_result_free(resp);
				conn_fail(c, CQL_EAUTH,
						  "%s sent an authentication challenge; only SASL PLAIN is supported",
						  c->host);
				return;
			}
			break;
		default:
			break;
	}
	cql_result_free(resp);
	conn_fail(c, CQL_EPROTO, "%s sent opcode 0x%02x during the handshake",
			  c->host, op);
}

static void
connect_cb(uv_connect_t *req, int status)
{
	cql_conn   *c = req->data;
	int			rc;

	if (c->closing)
		return;
	if (status < 0)
	{
		conn_fail(c, CQL_ECONN, "could not connect to %s: %s", c->host,
				  uv_strerror(status));
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_read_start((uv_stream_t *) &c->tcp, alloc_cb, read_cb);
	if (rc < 0)
	{
		conn_fail(c, CQL_ECONN, "could not read from %s: %s", c->host, uv_strerror(rc));
		return;
	}
	if (c->tls_ctx)
	{
		cql_error	err;

		c->tls = cql__tls_new(c->tls_ctx, c->server_name, &err);
		if (c->tls == NULL)
		{
			conn_fail_with(c, CQL_ETLS, &err);
			return;
		}
		c->state = CONN_TLS;
		rc = cql__tls_handshake(c->tls, &err);
		if (rc == CQL_EAGAIN || rc == CQL_OK)
			rc = flush_tls(c, &err);
		if (rc != CQL_OK)
			conn_fail_with(c, rc, &err);
		return;
	}
	send_options(c);
}

cql_conn *
cql__conn_open(cql_reactor *r, const cql__conn_config *cfg, cql_error *err)
{
	cql_conn   *c;
	struct sockaddr_storage addr;
	bool		v6 = strchr(cfg->address, ':') != NULL;
	int			rc;

	if (v6)
		rc = uv_ip6_addr(cfg->address, cfg->port, (struct sockaddr_in6 *) &addr);
	else
		rc = uv_ip4_addr(cfg->address, cfg->port, (struct sockaddr_in *) &addr);
	if (rc < 0)
	{
		cql_error_set(err, CQL_EINVAL, "\"%s\" is not a numeric IP address", cfg->address);
		return NULL;
	}
	if (r->acquire_fd && !r->acquire_fd())
	{
		cql_error_set(err, CQL_ECONN,
					  "no file descriptor available for a connection to %s:%d",
					  cfg->address, cfg->port);
		return NULL;
	}
	c = calloc(1, sizeof(cql_conn));
	if (c == NULL)
	{
		if (r->release_fd)
			r->release_fd();
		cql_error_set(err, CQL_ENOMEM, "out of memory opening a connection");
		return NULL;
	}
	c->fd_acquired = r->acquire_fd != NULL;
	c->reactor = r;
	snprintf(c->host, sizeof(c->host), v6 ? "[%s]:%d" : "%s:%d", cfg->address, cfg->port);
	c->username = cfg->username ? strdup(cfg->username) : NULL;
	c->password = cfg->password ? strdup(cfg->password) : NULL;
	c->on_ready = cfg->on_ready;
	c->on_closed = cfg->on_closed;
	c->on_event = cfg->on_event;
	c->arg = cfg->arg;
	c->arg_free = cfg->arg_free;
	c->tls_ctx = cfg->tls;
	c->server_name = strdup(cfg->server_name ? cfg->server_name : cfg->address);
	c->compression_wanted = cfg->compression;
	c->heartbeat_interval_ms = cfg->heartbeat_interval_ms;
	c->heartbeat_timeout_ms = cfg->heartbeat_timeout_ms > 0 ? cfg->heartbeat_timeout_ms : 30000;
	c->state = CONN_CONNECTING;
	cql_error_clear(&c->err);
	cql__framer_init(&c->framer, CQL_MAX_FRAME_BODY);

	uv_tcp_init(&r->loop, &c->tcp);
	uv_timer_init(&r->loop, &c->timer);
	uv_timer_init(&r->loop, &c->heartbeat);
	uv_idle_init(&r->loop, &c->flusher);
	c->flusher.data = c;
	c->tcp.data = c;
	c->timer.data = c;
	c->heartbeat.data = c;
	c->connect_req.data = c;
	c->open_handles = 4;

	rc = uv_tcp_connect(&c->connect_req, &c->tcp, (struct sockaddr *) &addr, connect_cb);
	if (rc < 0)
	{
		cql_error_set(err, CQL_ECONN, "could not connect to %s: %s", c->host, uv_strerror(rc));
		c->on_ready = NULL;
		c->arg_free = NULL;		/* on failure the caller keeps arg */
		c->closing = true;
		uv_close((uv_handle_t *) &c->timer, handle_closed);
		uv_close((uv_handle_t *) &c->heartbeat, handle_closed);
		uv_close((uv_handle_t *) &c->flusher, handle_closed);
		uv_close((uv_handle_t *) &c->tcp, handle_closed);
		return NULL;
	}
	if (cfg->connect_timeout_ms > 0)
	{
		uv_update_time(&r->loop);
		c->connect_deadline = uv_now(&r->loop) + (uint64_t) cfg->connect_timeout_ms;
		arm_timer(c, c->connect_deadline);
	}
	return c;
}
