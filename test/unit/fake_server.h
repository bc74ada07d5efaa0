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
 *   SELECT <n>     one int column "v", one row holding n
 *   HOLD <n>       kept unanswered until fake_server_flush() (then as SELECT <n>)
 *   EVENT <n>      an EVENT frame on stream -1, then SELECT <n>
 *   USE <ks>       Set_keyspace
 *   FAIL           ERROR 0x2200 Invalid
 *   CLOSE          closes the connection
 *   BADSTREAM      a RESULT on a stream no request used
 *   BADVERSION     a frame with version byte 0x04
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

#define FAKE_BIG_CELL (300 * 1000)
#define FAKE_MAX_STREAMS 256

typedef struct fake_client fake_client;
typedef struct fake_held fake_held;

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

	/* what it saw */
	int			connections;
	int			options;
	int			registers;		/* REGISTER requests (session control connections) */
	int			startups;
	int			auth_responses;
	int			queries;
	int			bad_requests;	/* frames that were not v4 requests */
	char		cql_version[32];
	uint8_t		token[256];
	size_t		token_len;
	int16_t		streams[FAKE_MAX_STREAMS];	/* of the QUERY frames, in order */
	int			nstreams;

	fake_client *clients;
	fake_held  *held;
	int			nheld;
} fake_server;

/* listen on 127.0.0.1:0; returns 0 or a libuv error */
extern int	fake_server_start(fake_server *srv, uv_loop_t *loop);

/* answer the held queries, in arrival order or reversed */
extern void fake_server_flush(fake_server *srv, bool reverse);

/* close every client connection (the server keeps listening) */
extern void fake_server_drop_clients(fake_server *srv);

/* close everything; the caller then runs the loop until open_handles == 0 */
extern void fake_server_stop(fake_server *srv);

/* a port on 127.0.0.1 that nothing listens on */
extern int	fake_closed_port(uv_loop_t *loop);

#endif							/* UNIT_FAKE_SERVER_H */
