/*-------------------------------------------------------------------------
 *
 * fake_server.h
 *		  An in-process CQL server for the connection and session tests: a
 *		  libuv TCP server on 127.0.0.1, port 0, on the reactor's own loop.
 *
 * It answers OPTIONS with SUPPORTED, STARTUP with READY (or AUTHENTICATE,
 * then checks the SASL PLAIN token of AUTH_RESPONSE), and QUERY by the
 * query text, always on the request's stream id:
 *
 *   SELECT rows    the rows_global fixture (3 columns, 3 rows)
 *   SELECT big     one blob cell of FAKE_BIG_CELL bytes (byte i = i * 7)
 *   SELECT noise   likewise, bytes that do not compress (fake_noise(i))
 *   SELECT <n>     one int column "v", one row holding n
 *   HOLD <n>       kept unanswered until fake_server_flush() (then as SELECT <n>,
 *                  or ERROR held_error); at once as SELECT <n> with no_hold
 *   EVENT <n>      an EVENT frame on stream -1, then SELECT <n>
 *   USE <ks>       Set_keyspace
 *   FAIL           ERROR 0x2200 Invalid
 *   CLOSE          closes the connection
 *   BADSTREAM      a RESULT on a stream no request used
 *   BADVERSION     a frame with version byte 0x04
 *   WHO            as SELECT <the server's port>
 *   UNAVAIL <n>, READTIMEOUT <n>, WRITETIMEOUT <n>, OVERLOADED <n>
 *                  ERROR Unavailable (required 2, alive 1), Read_timeout
 *                  (2 of 2 received, no data), Write_timeout (SIMPLE, 1
 *                  of 2), Overloaded while *error_budget > 0 (each one
 *                  takes one from it), else as SELECT <n>
 *   SYNTAX         ERROR 0x2000 Syntax_error
 *
 * With a cluster (fake_cluster) it also answers the session's topology
 * queries (system.local, system.peers_v2 or system.peers, and
 * system_schema.keyspaces) with real Rows metadata, each server as node
 * 'self' of the cluster, its peers the other nodes.
 *
 * PREPARE is answered with a Prepared result (see build_prepared in
 * fake_server.c: the bind markers are k int, then v1, v2 ... text, the
 * partition key is marker 0, or (v1, k) when the text has a comment
 * pk2; a SELECT returns k int, v text).  The server
 * remembers the statements it prepared; an EXECUTE of an id it does not
 * know gets ERROR 0x2500 Unprepared.  EXECUTE of a SELECT returns one row
 * (k = the first bound value, v = the server's name), without metadata
 * when the request asked to skip it; of anything else, Void.  BATCH: Void.
 *
 * STARTUP with COMPRESSION=lz4 makes the connection compressed: request
 * bodies with flag 0x01 are decompressed, every non-empty response body
 * after READY is compressed.  With fake_server_tls() every connection is
 * TLS (OpenSSL, server side, memory BIOs).
 *
 * IDENTIFICATION
 *		  test/unit/fake_server.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UNIT_FAKE_SERVER_H
#define UNIT_FAKE_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include <openssl/ssl.h>

#define FAKE_BIG_CELL (300 * 1000)
#define FAKE_MAX_STREAMS 256
#define FAKE_MAX_NODES 8
#define FAKE_MAX_TOKENS 8
#define FAKE_MAX_PREPARED 64

typedef struct fake_client fake_client;
typedef struct fake_held fake_held;

/* one node of a fake cluster, as system.local / system.peers_v2 show it */
typedef struct fake_node
{
	const char *address;		/* native_address; NULL: 127.0.0.1 */
	int			port;			/* native_port */
	const char *dc;
	const char *rack;
	int64_t		tokens[FAKE_MAX_TOKENS];
	int			ntokens;
} fake_node;

/* one row of system_schema.keyspaces */
typedef struct fake_keyspace
{
	const char *name;
	const char *keys[4];		/* the replication map<text, text> */
	const char *values[4];
	int			n;
} fake_keyspace;

typedef struct fake_cluster
{
	fake_node	nodes[FAKE_MAX_NODES];
	int			nnodes;
	fake_keyspace keyspaces[4];
	int			nkeyspaces;
	bool		no_peers_v2;	/* Cassandra 3: system.peers_v2 does not exist */
} fake_cluster;

typedef struct fake_stmt
{
	char		cql[512];
	uint8_t		id[16];
} fake_stmt;

typedef struct fake_server
{
	uv_loop_t  *loop;
	uv_tcp_t	listener;
	int			port;
	int			open_handles;	/* listener and clients not yet closed */

	/* behaviour */
	const char *user;			/* non-NULL: require PasswordAuthenticator */
	const char *password;
	bool		mute;			/* accept connections, never answer */
	const char *name;			/* the v column of EXECUTE rows; NULL: "fake" */
	const fake_cluster *cluster;	/* answer topology queries as node 'self' */
	int			self;
	int		   *error_budget;	/* UNAVAIL etc. fail while > 0 (may be shared) */
	bool		forget_prepared;	/* answer PREPARE but never remember it */
	bool		prepare_void;	/* answer PREPARE with a Void result */
	int		   *exec_error_budget;	/* EXECUTEs of known statements get
									 * Unavailable while > 0 (may be shared) */
	bool		ignore_heartbeats;	/* leave OPTIONS after STARTUP unanswered */
	bool		no_hold;		/* answer HOLD <n> at once, as SELECT <n> */
	int32_t		held_error;		/* non-zero: fake_server_flush() answers HOLD
								 * with ERROR of this code (one without extra
								 * fields: 0x0000, 0x1001, 0x2000, 0x2200) */
	bool		hold_executes;	/* keep EXECUTEs until fake_server_flush(),
								 * which handles them then */
	SSL_CTX    *tls;			/* owned (fake_server_tls) */

	/* what it saw */
	int			connections;
	int			options;
	int			heartbeats_ignored;
	int			registers;		/* REGISTER requests (session control connections) */
	int			startups;
	int			auth_responses;
	int			queries;
	int			bad_requests;	/* frames that were not v4 requests */
	char		cql_version[32];
	char		compression[16];	/* COMPRESSION of the last STARTUP */
	uint8_t		token[256];
	size_t		token_len;
	int16_t		streams[FAKE_MAX_STREAMS];	/* of the QUERY frames, in order */
	int			nstreams;
	int			topology_queries;	/* system.* queries answered from the cluster */
	int			who;			/* WHO, UNAVAIL etc., SYNTAX, CLOSE queries */
	int			holds;			/* HOLD queries, held or not */
	int			flaky;
	int			syntax;
	int			closes;
	int			prepares;
	int			executes;		/* EXECUTE requests, answered or not */
	int			executes_ok;	/* EXECUTEs of a statement the server knew */
	int			unprepared;		/* UNPREPARED errors sent */
	int			exec_errors;	/* Unavailable sent for EXECUTE */
	int			no_metadata_rows;	/* Rows sent with the No_metadata flag */
	int			batches;
	int			compressed_in;	/* request frames with the compression flag */
	int			compressed_out;
	int			tls_handshakes;	/* completed */
	int			tls_failures;
	char		client_cn[64];	/* CN of the client certificate, if one came */
	char		sni[64];		/* the server name the client sent, if any */
	char		last_prepare[512];

	/* the last EXECUTE */
	uint16_t	exec_consistency;
	uint8_t		exec_flags;
	int			exec_nvalues;
	uint8_t		exec_value0[64];
	int32_t		exec_value0_len;	/* -1 null, -2 unset, -3 none */
	int32_t		exec_page_size;
	uint8_t		exec_paging_state[64];
	int32_t		exec_paging_state_len;	/* -3 none */

	/* the last BATCH */
	uint8_t		batch_type;
	int			batch_n;

	fake_stmt	stmts[FAKE_MAX_PREPARED];	/* what it prepared */
	int			nstmts;

	fake_client *clients;
	fake_held  *held;
	int			nheld;
} fake_server;

/* listen on 127.0.0.1:0; returns 0 or a libuv error */
extern int	fake_server_start(fake_server *srv, uv_loop_t *loop);

/* serve TLS with this certificate and key (references taken); 0 or -1 */
extern int	fake_server_tls(fake_server *srv, X509 *cert, EVP_PKEY *key);

/* and ask for a client certificate issued by ca (reference taken); 0 or -1 */
extern int	fake_server_tls_client_ca(fake_server *srv, X509 *ca);

/* answer the held queries (and EXECUTEs), in arrival order or reversed */
extern void fake_server_flush(fake_server *srv, bool reverse);

/* close every client connection (the server keeps listening) */
extern void fake_server_drop_clients(fake_server *srv);

/* forget every prepared statement (as a restarted node does) */
extern void fake_server_forget_prepared(fake_server *srv);

/*
 * Send a SCHEMA_CHANGE event (target "TABLE", or "KEYSPACE" when table is
 * NULL) to every connection that registered for events; returns how many.
 */
extern int	fake_server_schema_event(fake_server *srv, const char *change,
									 const char *keyspace, const char *table);

/* a TOPOLOGY_CHANGE or STATUS_CHANGE event, likewise */
extern int	fake_server_topology_event(fake_server *srv, const char *type,
									   const char *change, const char *address,
									   int port);

/* close everything; the caller then runs the loop until open_handles == 0 */
extern void fake_server_stop(fake_server *srv);

/* byte i of SELECT noise */
extern uint8_t fake_noise(size_t i);

/* a port on 127.0.0.1 that nothing listens on */
extern int	fake_closed_port(uv_loop_t *loop);

#endif							/* UNIT_FAKE_SERVER_H */
