/*-------------------------------------------------------------------------
 *
 * frame.h
 *		  The pure codec of protocol v4: bytes to messages and back, no I/O.
 *
 * Like hiredis' reader, the decoder is fed bytes and yields messages; it can
 * be tested with byte fixtures, split input and corrupt input, no server.
 *
 * IDENTIFICATION
 *		  src/driver/frame.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_FRAME_H
#define CQL_FRAME_H

#include "cql.h"
#include "wire.h"

#define CQL_HEADER_SIZE		9
#define CQL_VERSION_REQUEST	0x04
#define CQL_VERSION_RESPONSE 0x84

#define CQL_FLAG_COMPRESSION	0x01
#define CQL_FLAG_TRACING		0x02
#define CQL_FLAG_CUSTOM_PAYLOAD 0x04
#define CQL_FLAG_WARNING		0x08

/* QUERY / EXECUTE flags */
#define CQL_QF_VALUES			0x01
#define CQL_QF_SKIP_METADATA	0x02
#define CQL_QF_PAGE_SIZE		0x04
#define CQL_QF_PAGING_STATE		0x08
#define CQL_QF_SERIAL			0x10
#define CQL_QF_TIMESTAMP		0x20
#define CQL_QF_NAMES			0x40

/* Rows metadata flags */
#define CQL_RF_GLOBAL_TABLES	0x0001
#define CQL_RF_HAS_MORE_PAGES	0x0002
#define CQL_RF_NO_METADATA		0x0004

typedef struct cql_frame_header
{
	uint8_t		version;
	uint8_t		flags;
	int16_t		stream;
	uint8_t		opcode;
	uint32_t	length;
} cql_frame_header;

/*
 * Decode a header from the first CQL_HEADER_SIZE bytes of p.  Returns
 * CQL_EAGAIN when fewer bytes are there, CQL_EPROTO for a version that is
 * not a v4 response, CQL_ETOOBIG for a body over max_body.
 */
extern int	cql__header_decode(const uint8_t *p, size_t n, size_t max_body,
							   cql_frame_header *h);

/*
 * The framer cuts a byte stream into frames: feed it whatever arrived, in
 * pieces of any size, and take each whole frame (header and malloc'd body)
 * when it says one is complete.  Large bodies can be read straight into
 * place: cql__framer_direct() gives the free part of the body being filled.
 */
typedef struct cql__framer
{
	size_t		max_body;
	uint8_t		hdr[CQL_HEADER_SIZE];
	size_t		hdr_have;
	bool		in_body;
	bool		complete;
	cql_frame_header cur;
	uint8_t    *body;
	size_t		body_have;
} cql__framer;

extern void cql__framer_init(cql__framer *f, size_t max_body);
extern void cql__framer_reset(cql__framer *f);	/* frees a partial body */

/*
 * Consume up to n bytes.  Returns CQL_OK with *used set when a frame is
 * complete (take it before feeding more), CQL_EAGAIN when all n bytes were
 * used and the frame is still incomplete, CQL_EPROTO / CQL_ETOOBIG for a
 * bad header, CQL_ENOMEM.
 */
extern int	cql__framer_feed(cql__framer *f, const uint8_t *p, size_t n, size_t *used);

/* Take the complete frame; the caller owns body (free()). */
extern void cql__framer_take(cql__framer *f, cql_frame_header *h, uint8_t **body);

/* Where to read the rest of the current body directly, if min bytes or more are missing. */
extern bool cql__framer_direct(cql__framer *f, size_t min, uint8_t **p, size_t *n);

/* n bytes were read into the place cql__framer_direct gave; true if complete */
extern bool cql__framer_direct_done(cql__framer *f, size_t n);

/* ---------- requests ---------- */

/* Each encoder appends one whole frame (header and body) to b. */
extern void cql__encode_startup(cql__buf *b, int16_t stream,
								const char *compression);
extern void cql__encode_options(cql__buf *b, int16_t stream);
extern void cql__encode_query(cql__buf *b, int16_t stream, const char *cql,
							  const cql_query_params *p);
extern void cql__encode_auth_response(cql__buf *b, int16_t stream,
									  const uint8_t *token, size_t n);
extern void cql__encode_prepare(cql__buf *b, int16_t stream, const char *cql);
extern void cql__encode_execute(cql__buf *b, int16_t stream, cql_slice id,
								const cql_query_params *p);
extern void cql__encode_batch(cql__buf *b, int16_t stream, int type,
							  const cql_batch_statement *stmts, int n,
							  const cql_query_params *p);
extern void cql__encode_register(cql__buf *b, int16_t stream,
								 const char *const *events, int n);

/* ---------- responses ---------- */

typedef struct cql_string_multimap_entry
{
	const char *key;
	int			nvalues;
	const char **values;
} cql_string_multimap_entry;

/*
 * A decoded response.  It owns 'body' (malloc'd) and every pointer in it
 * points into the body or into the arena.  The public cql_result is the
 * same object when the opcode is RESULT.
 */
typedef struct cql_result cql_response;
struct cql_result
{
	cql_frame_header header;
	bool		has_tracing_id;
	uint8_t		tracing_id[16];
	int			nwarnings;
	const char **warnings;
	int			npayload;		/* custom payload */
	const char **payload_keys;
	cql_slice  *payload_values;

	/* ERROR */
	cql_error  *error;
	/* AUTHENTICATE */
	const char *authenticator;
	/* SUPPORTED */
	int			nsupported;
	cql_string_multimap_entry *supported;
	/* AUTH_CHALLENGE, AUTH_SUCCESS */
	cql_slice	token;

	/* RESULT */
	int			kind;
	/* rows (and the result metadata of a prepared statement) */
	int32_t		rows_flags;
	int			ncolumns;
	cql_column *columns;
	cql_slice	paging_state;
	int32_t		nrows;
	const uint8_t *rows_data;
	size_t		rows_len;
	/* prepared: the id, the bind variables and the partition key indexes */
	cql_slice	prepared_id;
	int32_t		bind_flags;
	int			nbind;
	cql_column *bind;
	int			npk;
	uint16_t   *pk_index;
	/* set_keyspace */
	const char *keyspace;
	/* schema_change */
	const char *change;
	const char *target;
	const char *sc_keyspace;
	const char *sc_name;
	int			sc_nargs;		/* FUNCTION / AGGREGATE argument types */
	const char **sc_args;
	/* EVENT */
	const char *event_type;		/* TOPOLOGY_CHANGE, STATUS_CHANGE, SCHEMA_CHANGE */
	const char *event_change;	/* NEW_NODE, UP, DOWN, ...; for schema: as above */
	uint8_t		event_addr[16];
	int			event_addrlen;	/* 4 or 16 */
	int32_t		event_port;

	cql__arena	arena;
	uint8_t    *body;
	/* with skip_metadata: the statement whose metadata 'columns' points into */
	struct cql_prepared *metadata_owner;
	/* set by the session: the node that answered, and the attempts it took */
	const char *coordinator;
	int			attempts;
};

/*
 * Decode a whole frame body.  On success the response owns body (malloc'd);
 * on failure the caller still owns it and err says what was wrong.
 * Type descriptors nest at most CQL_MAX_TYPE_DEPTH deep.
 */
#define CQL_MAX_TYPE_DEPTH 64
extern int	cql__response_decode(cql_response *resp, const cql_frame_header *h,
								 uint8_t *body, cql_error *err);
extern void cql__response_free(cql_response *resp);

/* Find a SUPPORTED option value, or NULL. */
extern const cql_string_multimap_entry *cql__supported_find(const cql_response *resp,
															 const char *key);

#endif							/* CQL_FRAME_H */
