/*-------------------------------------------------------------------------
 *
 * conn.h
 *		  One CQL connection on libuv, futures, and the reactor (internal).
 *
 * IDENTIFICATION
 *		  src/driver/conn.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_CONN_H
#define CQL_CONN_H

#include <uv.h>

#include "cql.h"
#include "frame.h"
#include "tls.h"

#define CQL_MAX_STREAMS 32768
/* requests past their deadline on one connection before it is replaced */
#define CQL_MAX_ORPHANS 64

struct cql_reactor
{
	uv_loop_t	loop;
	bool		(*acquire_fd) (void);
	void		(*release_fd) (void);
};

enum cql__future_state
{
	CQL_FUTURE_PENDING,
	CQL_FUTURE_DONE
};

struct cql_future
{
	int			state;
	bool		abandoned;		/* released while pending: free on completion */
	int			rc;
	cql_error	err;
	cql_result *result;
	struct cql_prepared *prepared;	/* a reference, for prepare_cached */
	cql_future *next;			/* in a list of waiters */
};

extern cql_future *cql__future_new(void);

/* Complete f; takes ownership of result; err may be NULL when rc == CQL_OK. */
extern void cql__future_complete(cql_future *f, int rc, const cql_error *err,
								 cql_result *result);

typedef struct cql_conn cql_conn;
typedef struct cql__request cql__request;

/*
 * Called once per request: with rc == CQL_OK and a response (which the
 * callback then owns), or with a failure and err.  Never called for a
 * request whose deadline passed (that one was completed by the timer).
 */
typedef void (*cql__response_cb) (cql_conn *c, void *arg, int rc,
								  cql_response *resp, const cql_error *err);

/* Called when the connection is ready, or failed to become ready. */
typedef void (*cql__conn_ready_cb) (cql_conn *c, void *arg, int rc,
									const cql_error *err);

/* Called when a ready connection becomes defunct or closes. */
typedef void (*cql__conn_closed_cb) (cql_conn *c, void *arg);

/* Called for each EVENT (stream -1); the callback owns resp. */
typedef void (*cql__conn_event_cb) (cql_conn *c, void *arg, cql_response *resp);

typedef struct cql__conn_config
{
	const char *address;		/* numeric IPv4 or IPv6 */
	int			port;
	const char *username;
	const char *password;
	int			connect_timeout_ms;
	int			heartbeat_interval_ms;	/* 0: none */
	int			heartbeat_timeout_ms;
	bool		compression;	/* ask for LZ4 if the server supports it */
	cql__tls_ctx *tls;			/* NULL: plain TCP */
	const char *server_name;	/* for TLS verification */
	cql__conn_ready_cb on_ready;
	cql__conn_closed_cb on_closed;
	cql__conn_event_cb on_event;
	void	   *arg;
	void		(*arg_free) (void *arg);	/* called when the connection is freed */
} cql__conn_config;

extern cql_conn *cql__conn_open(cql_reactor *r, const cql__conn_config *cfg,
								cql_error *err);

/*
 * Send one encoded frame (the stream id in bytes 2-3 is filled in here).
 * The frame bytes are copied; cb is called with the response, unless the
 * deadline (timeout_ms > 0) passes first, in which case cb is called with
 * CQL_ETIMEDOUT and the stream id stays reserved until the late response.
 */
extern int	cql__conn_send(cql_conn *c, cql__buf *frame, int timeout_ms,
						   cql__response_cb cb, void *arg, cql_error *err);

/*
 * While on, frames sent on c wait for the next turn of the loop and go out
 * together in one write (see defer_frame in conn.c).
 */
extern void cql__conn_set_defer(cql_conn *c, bool on);

extern bool cql__conn_is_ready(const cql_conn *c);
extern const char *cql__conn_host(const cql_conn *c);
extern int	cql__conn_in_flight(const cql_conn *c);
extern bool cql__conn_compressed(const cql_conn *c);
extern bool cql__conn_tls(const cql_conn *c);

/* Fail everything pending with CQL_ECANCELED and close; frees c later. */
extern void cql__conn_close(cql_conn *c);

#endif							/* CQL_CONN_H */
