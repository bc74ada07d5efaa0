/*-------------------------------------------------------------------------
 *
 * tls.h
 *		  TLS over memory BIOs for the connections (internal).
 *
 * IDENTIFICATION
 *		  src/driver/tls.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_TLS_H
#define CQL_TLS_H

#include "cql.h"

typedef struct cql__tls_ctx cql__tls_ctx;
typedef struct cql__tls cql__tls;

extern cql__tls_ctx *cql__tls_ctx_new(const cql_tls_config *cfg, cql_error *err);
extern void cql__tls_ctx_free(cql__tls_ctx *t);

/* server_name: the host name (or address) to verify and send as SNI */
extern cql__tls *cql__tls_new(cql__tls_ctx *ctx, const char *server_name,
							  cql_error *err);
extern void cql__tls_free(cql__tls *t);

/* CQL_OK when the handshake is done, CQL_EAGAIN while it needs input */
extern int	cql__tls_handshake(cql__tls *t, cql_error *err);

/* ciphertext from the network */
extern int	cql__tls_feed(cql__tls *t, const uint8_t *p, size_t n, cql_error *err);

/* plaintext out: CQL_OK with *got > 0, CQL_EAGAIN when none is ready */
extern int	cql__tls_read(cql__tls *t, uint8_t *buf, size_t cap, size_t *got,
						  cql_error *err);

/* plaintext in */
extern int	cql__tls_write(cql__tls *t, const uint8_t *p, size_t n, cql_error *err);

/* ciphertext to the network */
extern size_t cql__tls_pending(cql__tls *t);
extern size_t cql__tls_take(cql__tls *t, uint8_t *buf, size_t cap);

#endif							/* CQL_TLS_H */
