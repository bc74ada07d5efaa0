/*-------------------------------------------------------------------------
 *
 * session.h
 *		  The session's hosts, requests and topology (internal, shared by
 *		  session.c and topology.c).
 *
 * IDENTIFICATION
 *		  src/driver/session.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_SESSION_H
#define CQL_SESSION_H

#include "conn.h"
#include "policy.h"
#include "prepared.h"
#include "tokenmap.h"

typedef struct session_request session_request;

typedef struct cql__host
{
	int			index;
	char		address[64];	/* numeric */
	char	   *name;			/* to verify with TLS */
	int			port;
	char		dc[64];
	char		rack[64];
	int64_t    *tokens;
	int			ntokens;
	bool		in_topology;	/* seen in the last refresh */
	bool		removed;		/* left the cluster (or never was in it) */
	bool		down;			/* its last connection attempt failed */
	uint64_t	retry_at;		/* while down: not before this (uv_now ms) */
	int			backoff_ms;
	cql_conn   *conn;			/* connecting or ready */
	bool		ready;
	session_request *waiting;	/* requests waiting for conn to be ready */
	session_request *waiting_tail;
} cql__host;

typedef struct keyspace_replication
{
	char	   *name;
	cql__replication *replication;
} keyspace_replication;

struct cql_session
{
	cql_reactor *reactor;
	int			port;
	char	   *username;
	char	   *password;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			heartbeat_interval_ms;
	bool		compression;
	cql__tls_ctx *tls;			/* NULL: plain TCP */
	char		local_dc[64];	/* "" until known */
	bool		local_dc_given;

	cql__host **hosts;
	int			nhosts;
	int			hosts_cap;

	int			control;		/* index of the control host, or -1 */
	bool		controlling;	/* a control connection is being set up */
	int			control_attempt;	/* next contact host to try */
	bool		topology_loaded;
	int			registered_control;	/* host whose connection got REGISTER, or -1 */
	bool		refreshing;
	bool		refresh_again;
	cql__tokenmap *tokenmap;
	int		   *tm_hosts;		/* token map host index -> hosts index */
	keyspace_replication *keyspaces;
	cql_udt_info *udts;			/* every keyspace's user-defined types */
	int			nudts;
	int			nkeyspaces;

	cql_future *waiters;		/* connect futures */
	char		attempts[sizeof(((cql_error *) 0)->message)];
	uint64_t	rr;				/* round-robin counter */
	cql__pcache prepared;
	uint64_t	schema_epoch;	/* bumped by every schema change event */
	int			spec_delay_ms;	/* 0: no speculative execution */
	int			spec_max;
	uv_timer_t *spec_timer;
	uint64_t	spec_timer_due;
	session_request *spec_head;
	bool		freeing;
};

/*
 * A request on its way: the encoded frame (re-sent as it is to another node
 * or after re-preparing), its plan, and what the retry decider needs.
 */
struct session_request
{
	cql_session *session;
	cql_future *future;
	cql__buf	frame;
	cql_prepared *prepared;		/* EXECUTE through the cache: a reference */
	bool		prepare_into_cache;
	char	   *cql;			/* for prepare_into_cache */
	bool	   *reprepared;		/* per plan position: re-prepared there */
	bool		idempotent;
	bool		coalesce;		/* may wait for the loop's next turn to be sent */
	bool		has_token;		/* route by token (a token range read) */
	bool		targeted;		/* to hosts[target] only */
	int			target;
	int64_t		token;
	bool		on_control;		/* to the control host only */
	bool		internal;		/* a control request: control host only */
	void		(*internal_cb) (cql_session *s, int rc, cql_response *resp,
								const cql_error *err, void *arg);
	void	   *internal_arg;

	int		   *plan;			/* host indexes */
	bool	   *used;			/* per plan position: an attempt went there */
	int			nplan;
	int			pos;			/* current host in the plan */
	int			retries;		/* retries the decider granted */
	int			failovers;		/* hosts skipped because they could not connect */
	cql_error	last_error;
	cql_error	server_error;	/* the last error a node answered with */
	int			outstanding;	/* attempts in flight or waiting for a host */
	bool		finished;		/* its future completed; freed at outstanding 0 */
	bool		speculative;	/* may run on several nodes at once */
	int			spec_sent;		/* speculative attempts started */
	uint64_t	spec_at;		/* when to start the next one (uv_now ms) */
	session_request *spec_prev;	/* in the session's speculative list */
	session_request *spec_next;
	bool		in_spec_list;
	session_request *next_waiting;
};

/* in session.c */
extern cql__host *cql__host_find(cql_session *s, const char *address, int port);
extern cql__host *cql__host_add(cql_session *s, const char *address, const char *name, int port);
extern void cql__free_keyspaces(cql_session *s);
extern void cql__complete_waiters(cql_session *s, int rc, const cql_error *err);
extern void cql__request_free(session_request *r);
extern int	cql__make_plan(session_request *r, const char *keyspace, const cql_slice *routing_key);
extern void cql__send_next(session_request *r);
extern void cql__internal_query(cql_session *s, const char *cql,
								void (*cb) (cql_session *, int, cql_response *, const cql_error *, void *),
								void *arg);

/* in topology.c */
extern void cql__refresh_topology(cql_session *s);
extern void cql__free_udts(cql_session *s);

#endif							/* CQL_SESSION_H */
