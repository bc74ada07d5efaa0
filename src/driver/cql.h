/*-------------------------------------------------------------------------
 *
 * cql.h
 *		  Public interface of the embedded CQL native protocol v4 driver.
 *
 * The driver never includes PostgreSQL headers, never allocates with palloc
 * and never longjmps: every entry point returns a code (CQL_OK or a negative
 * CQL_E*) and keeps the details in a cql_error.  The FDW side maps those
 * codes to SQLSTATEs in one place (src/fdw/error.c).
 *
 * Values travel as cql_slice: a pointer into a received frame body and a
 * length, where a negative length means null (-1) or unset (-2).  Nothing is
 * copied between the socket and the caller's conversion code.
 *
 * IDENTIFICATION
 *		  src/driver/cql.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_H
#define CQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------- return codes ---------- */

#define CQL_OK				0
#define CQL_EMPTY			1		/* a zero-length value of a fixed-size type */
#define CQL_EAGAIN			(-1)	/* decoder: need more bytes */
#define CQL_EPROTO			(-2)	/* malformed or corrupt protocol data */
#define CQL_ETOOBIG			(-3)	/* a frame over the maximum size */
#define CQL_ENOMEM			(-4)
#define CQL_EINVAL			(-5)	/* bad argument from the caller */
#define CQL_ESERVER			(-6)	/* the server answered with ERROR */
#define CQL_ECONN			(-7)	/* connection refused, closed or defunct */
#define CQL_ETIMEDOUT		(-8)	/* connect or request deadline passed */
#define CQL_EAUTH			(-9)	/* authentication failed or unsupported */
#define CQL_ETLS			(-10)
#define CQL_ECANCELED		(-11)	/* request abandoned or session closed */
#define CQL_ERANGE			(-12)	/* value outside the range of the target */
#define CQL_ETYPE			(-13)	/* value does not fit the CQL type */
#define CQL_EBUSY			(-14)	/* no stream id free on the connection */

extern const char *cql_strerror(int rc);

/* ---------- protocol constants ---------- */

#define CQL_PROTOCOL_VERSION	4
#define CQL_MAX_FRAME_BODY		(256 * 1024 * 1024)

enum cql_opcode
{
	CQL_OP_ERROR = 0x00,
	CQL_OP_STARTUP = 0x01,
	CQL_OP_READY = 0x02,
	CQL_OP_AUTHENTICATE = 0x03,
	CQL_OP_OPTIONS = 0x05,
	CQL_OP_SUPPORTED = 0x06,
	CQL_OP_QUERY = 0x07,
	CQL_OP_RESULT = 0x08,
	CQL_OP_PREPARE = 0x09,
	CQL_OP_EXECUTE = 0x0A,
	CQL_OP_REGISTER = 0x0B,
	CQL_OP_EVENT = 0x0C,
	CQL_OP_BATCH = 0x0D,
	CQL_OP_AUTH_CHALLENGE = 0x0E,
	CQL_OP_AUTH_RESPONSE = 0x0F,
	CQL_OP_AUTH_SUCCESS = 0x10
};

enum cql_consistency
{
	CQL_CONSISTENCY_ANY = 0x0000,
	CQL_CONSISTENCY_ONE = 0x0001,
	CQL_CONSISTENCY_TWO = 0x0002,
	CQL_CONSISTENCY_THREE = 0x0003,
	CQL_CONSISTENCY_QUORUM = 0x0004,
	CQL_CONSISTENCY_ALL = 0x0005,
	CQL_CONSISTENCY_LOCAL_QUORUM = 0x0006,
	CQL_CONSISTENCY_EACH_QUORUM = 0x0007,
	CQL_CONSISTENCY_SERIAL = 0x0008,
	CQL_CONSISTENCY_LOCAL_SERIAL = 0x0009,
	CQL_CONSISTENCY_LOCAL_ONE = 0x000A
};

extern const char *cql_consistency_name(int consistency);
/* -1 if the name is not a consistency level (case-insensitive) */
extern int	cql_consistency_from_name(const char *name);

/* Server error codes (ERROR message body) */
enum cql_server_error
{
	CQL_SERVER_ERROR = 0x0000,
	CQL_PROTOCOL_ERROR = 0x000A,
	CQL_BAD_CREDENTIALS = 0x0100,
	CQL_UNAVAILABLE = 0x1000,
	CQL_OVERLOADED = 0x1001,
	CQL_IS_BOOTSTRAPPING = 0x1002,
	CQL_TRUNCATE_ERROR = 0x1003,
	CQL_WRITE_TIMEOUT = 0x1100,
	CQL_READ_TIMEOUT = 0x1200,
	CQL_READ_FAILURE = 0x1300,
	CQL_FUNCTION_FAILURE = 0x1400,
	CQL_WRITE_FAILURE = 0x1500,
	CQL_SYNTAX_ERROR = 0x2000,
	CQL_UNAUTHORIZED = 0x2100,
	CQL_INVALID = 0x2200,
	CQL_CONFIG_ERROR = 0x2300,
	CQL_ALREADY_EXISTS = 0x2400,
	CQL_UNPREPARED = 0x2500
};

extern const char *cql_server_error_name(int server_code);

/* ---------- types ---------- */

enum cql_type_id
{
	CQL_TYPE_CUSTOM = 0x0000,
	CQL_TYPE_ASCII = 0x0001,
	CQL_TYPE_BIGINT = 0x0002,
	CQL_TYPE_BLOB = 0x0003,
	CQL_TYPE_BOOLEAN = 0x0004,
	CQL_TYPE_COUNTER = 0x0005,
	CQL_TYPE_DECIMAL = 0x0006,
	CQL_TYPE_DOUBLE = 0x0007,
	CQL_TYPE_FLOAT = 0x0008,
	CQL_TYPE_INT = 0x0009,
	CQL_TYPE_TIMESTAMP = 0x000B,
	CQL_TYPE_UUID = 0x000C,
	CQL_TYPE_VARCHAR = 0x000D,
	CQL_TYPE_VARINT = 0x000E,
	CQL_TYPE_TIMEUUID = 0x000F,
	CQL_TYPE_INET = 0x0010,
	CQL_TYPE_DATE = 0x0011,
	CQL_TYPE_TIME = 0x0012,
	CQL_TYPE_SMALLINT = 0x0013,
	CQL_TYPE_TINYINT = 0x0014,
	CQL_TYPE_DURATION = 0x0015,
	CQL_TYPE_LIST = 0x0020,
	CQL_TYPE_MAP = 0x0021,
	CQL_TYPE_SET = 0x0022,
	CQL_TYPE_UDT = 0x0030,
	CQL_TYPE_TUPLE = 0x0031,
	/* not wire ids: custom types the driver recognises by class name */
	CQL_TYPE_VECTOR = 0x0100
};

/*
 * A type descriptor.  Descriptors are immutable once decoded and live in the
 * arena of whatever carried them (a result, a prepared statement's metadata).
 * A custom DurationType arrives as id CQL_TYPE_DURATION, a custom VectorType
 * as CQL_TYPE_VECTOR with sub[0] and dimension set; other custom types keep
 * CQL_TYPE_CUSTOM and their class name.
 */
typedef struct cql_type cql_type;
struct cql_type
{
	int			id;
	int			nsub;			/* list/set/vector 1, map 2, tuple/UDT n */
	const cql_type **sub;
	const char **field_names;	/* UDT: nsub names */
	const char *keyspace;		/* UDT */
	const char *name;			/* UDT */
	const char *custom_class;	/* CUSTOM (and the original of a recognised one) */
	int			dimension;		/* VECTOR */
};

extern const char *cql_type_name(int type_id);

/* A value on the wire: len >= 0 bytes at data, or CQL_NULL / CQL_UNSET. */
#define CQL_NULL	(-1)
#define CQL_UNSET	(-2)

typedef struct cql_slice
{
	const uint8_t *data;
	int32_t		len;
} cql_slice;

/* ---------- errors ---------- */

/*
 * Everything known about a failure.  'code' is the CQL_E* return code; when
 * it is CQL_ESERVER the server_* fields hold the ERROR body.
 */
typedef struct cql_error
{
	int			code;
	int			server_code;	/* enum cql_server_error, when code == CQL_ESERVER */
	char		message[1024];	/* the server's or the driver's message */
	char		host[72];		/* address:port the failure came from, or "" */
	int			consistency;	/* -1 when not applicable */
	int			received;
	int			required;		/* blockfor / required */
	int			alive;
	int			num_failures;
	bool		data_present;
	char		write_type[32];
	char		keyspace[64];	/* ALREADY_EXISTS, FUNCTION_FAILURE */
	char		table[64];
} cql_error;

extern void cql_error_clear(cql_error *err);
extern void cql_error_set(cql_error *err, int code, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* ---------- value decoding (value.c) ---------- */

/*
 * Decoders read a non-null slice.  They return CQL_OK, CQL_EMPTY for a
 * zero-length value of a fixed-size type (which reads as null everywhere in
 * cql_fdw), or CQL_EPROTO when the length is wrong for the type.
 */
extern int	cql_decode_boolean(cql_slice v, bool *out);
extern int	cql_decode_tinyint(cql_slice v, int8_t *out);
extern int	cql_decode_smallint(cql_slice v, int16_t *out);
extern int	cql_decode_int(cql_slice v, int32_t *out);
extern int	cql_decode_bigint(cql_slice v, int64_t *out);	/* bigint, counter, timestamp, time */
extern int	cql_decode_float(cql_slice v, float *out);
extern int	cql_decode_double(cql_slice v, double *out);
extern int	cql_decode_uuid(cql_slice v, uint8_t out[16]);
extern int	cql_decode_date(cql_slice v, uint32_t *out);	/* days, 2^31 = epoch */
extern int	cql_decode_duration(cql_slice v, int32_t *months, int32_t *days,
								int64_t *nanos);
/* decimal: scale and the varint unscaled value (a slice into v) */
extern int	cql_decode_decimal(cql_slice v, int32_t *scale, cql_slice *unscaled);
extern int	cql_decode_inet(cql_slice v, uint8_t addr[16], int *addrlen);
/* the decimal text of a varint; buf needs cql_varint_text_size(v) bytes */
extern size_t cql_varint_text_size(cql_slice v);
extern int	cql_varint_to_text(cql_slice v, char *buf, size_t size);
/* a varint that fits an int64_t, else CQL_ERANGE */
extern int	cql_decode_varint_int64(cql_slice v, int64_t *out);

/*
 * The text of a decimal, as Java's BigDecimal.toString() writes it ("1.50",
 * "0.000123", "1.23E+5", "-1E-10"), which PostgreSQL's numeric input reads.
 * buf needs cql_decimal_text_size(v) bytes.
 */
extern size_t cql_decimal_text_size(cql_slice v);
extern int	cql_decimal_to_text(cql_slice v, char *buf, size_t size);

/*
 * Collections, tuples, UDTs and vectors, read in place: nothing is copied
 * or allocated.  cql_iter_begin() checks the header of a non-null value of
 * container type t (list, set, map, tuple, UDT, vector) and returns CQL_OK,
 * CQL_EMPTY for a zero-length value (read as null by cql_fdw, like an empty
 * scalar; iterating it still works: no elements, or all fields null),
 * CQL_EPROTO for a malformed header, CQL_EINVAL when t is no container or v
 * is null.  cql_iter_next() returns 1 with the next element (a slice into v,
 * CQL_NULL for a null element), 0 after the last one, or CQL_EPROTO when the
 * value is malformed (a length past the end, trailing bytes).
 *
 *   list/set   n elements; a map yields key, value, key, value ...
 *   tuple/UDT  one element per field of the type; fields missing at the end
 *              of the value (a UDT read before a field was added) are null
 *   vector     dimension elements, never null; a fixed-size element type
 *              (cql_type_fixed_size() >= 0) is packed with no lengths, a
 *              variable-size one has an unsigned vint length before each
 *
 * The element's type is cql_iter_elem_type(); decode it with the scalar
 * decoders, or recurse with another iterator.
 */
typedef struct cql_iter
{
	const cql_type *type;		/* the container */
	const uint8_t *pos;
	const uint8_t *end;
	int32_t		count;			/* elements to yield (a map: 2 per entry) */
	int32_t		index;			/* elements yielded so far */
	int32_t		elem_size;		/* vector: the fixed element size, or -1 */
} cql_iter;

extern int	cql_iter_begin(cql_slice v, const cql_type *t, cql_iter *it);
extern int	cql_iter_next(cql_iter *it, cql_slice *elem);
/* the type of the element the last cql_iter_next() returned */
extern const cql_type *cql_iter_elem_type(const cql_iter *it);
/* list/set elements, map entries, tuple/UDT fields, vector dimension */
extern int32_t cql_iter_size(const cql_iter *it);

/*
 * The size of every value of t when it is an element of a vector (Cassandra's
 * valueLengthIfFixed): boolean 1, int and float 4, bigint, counter, double
 * and timestamp 8, uuid and timeuuid 16, a vector of those dimension times
 * that (at most INT32_MAX); -1 for every other type, which is variable-size
 * (tinyint, smallint, date and time included).
 */
extern int	cql_type_fixed_size(const cql_type *t);

/*
 * Walk a whole value of type t, containers recursively (at most
 * CQL_MAX_VALUE_DEPTH levels): CQL_OK when every length is consistent and
 * every scalar has a legal size (empty values included), text is UTF-8,
 * ascii is 7-bit and a duration's parts have one sign; CQL_EPROTO
 * otherwise.  A null value is valid.
 */
#define CQL_MAX_VALUE_DEPTH 64
extern int	cql_value_validate(cql_slice v, const cql_type *t);

/* ---------- value encoding (encode.c) ---------- */

/*
 * A growable output buffer (the driver's own, opaque here).  A failed
 * allocation makes it "failed" for good; every encoder then returns
 * CQL_ENOMEM.  Slices into the buffer are invalidated by the next append:
 * keep offsets.
 */
typedef struct cql__buf cql_buf;

extern cql_buf *cql_buf_new(void);	/* NULL when out of memory */
extern void cql_buf_free(cql_buf *b);
extern void cql_buf_reset(cql_buf *b);	/* empty, and no longer failed */
extern const uint8_t *cql_buf_data(const cql_buf *b);
extern size_t cql_buf_len(const cql_buf *b);
extern bool cql_buf_failed(const cql_buf *b);
/* drop everything after the first len bytes */
extern void cql_buf_truncate(cql_buf *b, size_t len);
/* bytes [from, len) as a value slice (CQL_NULL if failed or too long) */
extern cql_slice cql_buf_slice(const cql_buf *b, size_t from);

/*
 * Encoders append the bytes of one value, without the [bytes] length, and
 * return CQL_OK; on error they append nothing: CQL_ERANGE for a value the
 * CQL type cannot hold, CQL_EINVAL for malformed input, CQL_ETYPE for a
 * timeuuid that is not a version 1 UUID, CQL_ENOMEM.
 */
extern int	cql_encode_boolean(cql_buf *b, bool v);
extern int	cql_encode_tinyint(cql_buf *b, int64_t v);
extern int	cql_encode_smallint(cql_buf *b, int64_t v);
extern int	cql_encode_int(cql_buf *b, int64_t v);
extern int	cql_encode_bigint(cql_buf *b, int64_t v);	/* bigint, counter */
extern int	cql_encode_float(cql_buf *b, float v);
extern int	cql_encode_double(cql_buf *b, double v);
extern int	cql_encode_timestamp(cql_buf *b, int64_t ms);	/* ms since the epoch */
extern int	cql_encode_time(cql_buf *b, int64_t ns);	/* 0 .. 86399999999999 */
extern int	cql_encode_date(cql_buf *b, uint32_t days);	/* 2^31 = 1970-01-01 */
extern int	cql_encode_uuid(cql_buf *b, const uint8_t uuid[16]);
extern int	cql_encode_timeuuid(cql_buf *b, const uint8_t uuid[16]);
extern int	cql_encode_inet(cql_buf *b, const uint8_t *addr, int addrlen);	/* 4 or 16 */
extern int	cql_encode_text(cql_buf *b, const char *s, size_t n);	/* UTF-8 */
extern int	cql_encode_ascii(cql_buf *b, const char *s, size_t n);	/* 7-bit */
extern int	cql_encode_blob(cql_buf *b, const void *p, size_t n);
/* months and days int32, nanoseconds int64, all >= 0 or all <= 0 */
extern int	cql_encode_duration(cql_buf *b, int32_t months, int32_t days,
								int64_t nanos);
/* varint: minimal two's complement of [+-]digits, any length */
extern int	cql_encode_varint(cql_buf *b, const char *digits, size_t n);
extern int	cql_encode_varint_int64(cql_buf *b, int64_t v);
/* decimal: unscaled * 10^-scale, unscaled as [+-]digits */
extern int	cql_encode_decimal(cql_buf *b, int32_t scale, const char *unscaled,
							   size_t n);
/* decimal from numeric text: [+-]digits[.digits][e[+-]digits] */
extern int	cql_encode_decimal_text(cql_buf *b, const char *s, size_t n);

/*
 * Build a list, set, map, tuple, UDT or vector value of type t at the end of
 * b.  Each element is either a whole encoded value (cql_builder_value, a
 * slice that does not point into b), or encoded in place between
 * cql_builder_elem_begin() and cql_builder_elem_end() with the encoders or
 * a nested builder on the same buffer.  A map takes key, value, key, value.
 * Nulls are refused (CQL_EINVAL) but in tuples and UDTs; cql_builder_end()
 * writes the count, pads a tuple or UDT with null fields, and checks that a
 * vector has its dimension and a map whole entries.  The first error sticks
 * and every later call returns it; cql_builder_abort() drops the value.
 * The finished value is b's bytes from bld->start to the end.
 */
typedef struct cql_builder
{
	cql_buf    *buf;
	const cql_type *type;
	size_t		start;			/* where the value begins in buf */
	size_t		elem;			/* where the open element begins */
	int32_t		count;			/* elements written */
	int32_t		limit;			/* the most elements the type takes */
	int32_t		elem_size;		/* vector: fixed element size, or -1 */
	bool		open;			/* an element is being written */
	int			rc;				/* first error */
} cql_builder;

extern int	cql_builder_begin(cql_builder *bld, cql_buf *b, const cql_type *t);
/* the type of the next element */
extern const cql_type *cql_builder_elem_type(const cql_builder *bld);
extern int	cql_builder_value(cql_builder *bld, cql_slice v);
extern int	cql_builder_null(cql_builder *bld);
extern int	cql_builder_elem_begin(cql_builder *bld);
extern int	cql_builder_elem_end(cql_builder *bld);
extern int	cql_builder_end(cql_builder *bld);
extern void cql_builder_abort(cql_builder *bld);

/* ---------- tokens (token.c) ---------- */

/*
 * The Murmur3Partitioner token of a routing key: h1 of MurmurHash3_x64_128
 * with seed 0 and Cassandra's sign-extended tail bytes; INT64_MIN for an
 * empty key, and INT64_MAX where h1 is INT64_MIN.
 */
extern int64_t cql_murmur3_token(const uint8_t *key, size_t n);

/*
 * Append the routing key of a partition key's serialized column values to
 * out: one part as it is; several as [2-byte length][bytes][0x00] each.
 * CQL_EINVAL for n < 1 or a null part, CQL_ERANGE for a part over 65535
 * bytes in a composite key, CQL_ENOMEM.
 */
extern int	cql_routing_key(const cql_slice *parts, int n, cql_buf *out);

/* ---------- the reactor: one libuv loop per backend ---------- */

typedef struct cql_reactor cql_reactor;

extern cql_reactor *cql_reactor_new(void);
extern void cql_reactor_free(cql_reactor *r);

/* A descriptor that becomes readable when the driver has I/O to do. */
extern int	cql_reactor_fd(cql_reactor *r);

/* Milliseconds until the next driver timer is due, or -1 for none. */
extern int	cql_reactor_timeout(cql_reactor *r);

/* Run due callbacks and pending I/O once, never blocking. */
extern void cql_reactor_run(cql_reactor *r);

/*
 * Hooks called before a connection opens a socket and after it closed it,
 * so the host process can count sockets against its descriptor budget.
 * acquire returns false to refuse (the connection then fails with
 * CQL_ECONN, "no file descriptor available").
 */
extern void cql_reactor_set_fd_hooks(cql_reactor *r, bool (*acquire) (void),
									 void (*release) (void));

/* ---------- futures ---------- */

/*
 * A future is the handle of one request.  It completes inside a driver
 * callback (from cql_reactor_run); the caller polls cql_future_done().
 * cql_future_release() frees a done future, or abandons a pending one (the
 * driver frees it when its response arrives or its connection dies), so a
 * caller unwinding from an error never has to wait for the server.
 */
typedef struct cql_future cql_future;
typedef struct cql_result cql_result;

extern bool cql_future_done(const cql_future *f);
extern int	cql_future_rc(const cql_future *f);
extern const cql_error *cql_future_error(const cql_future *f);

/* The result of a done, successful future; still owned by the future. */
extern cql_result *cql_future_result(cql_future *f);

/* Take ownership of the result, so it outlives the future. */
extern cql_result *cql_future_take_result(cql_future *f);
extern void cql_future_release(cql_future *f);

/* ---------- results ---------- */

enum cql_result_kind
{
	CQL_RESULT_VOID = 0x0001,
	CQL_RESULT_ROWS = 0x0002,
	CQL_RESULT_SET_KEYSPACE = 0x0003,
	CQL_RESULT_PREPARED = 0x0004,
	CQL_RESULT_SCHEMA_CHANGE = 0x0005
};

typedef struct cql_column
{
	const char *keyspace;
	const char *table;
	const char *name;
	const cql_type *type;
} cql_column;

extern int	cql_result_kind(const cql_result *res);
extern void cql_result_free(cql_result *res);

/* Rows results */
extern int	cql_result_column_count(const cql_result *res);
extern const cql_column *cql_result_column(const cql_result *res, int i);
extern int32_t cql_result_row_count(const cql_result *res);
extern bool cql_result_has_more_pages(const cql_result *res);
extern cql_slice cql_result_paging_state(const cql_result *res);

/*
 * Iterate the rows of a page: each call fills cells[0..ncolumns-1] with
 * slices into the page and returns 1, or returns 0 after the last row.
 * The rows were bounds-checked when the page was decoded.
 */
typedef struct cql_row_cursor
{
	const uint8_t *pos;
	int32_t		remaining;
	int			ncolumns;
} cql_row_cursor;

extern void cql_result_rows(const cql_result *res, cql_row_cursor *cur);
extern int	cql_row_next(cql_row_cursor *cur, cql_slice *cells);

/* Schema_change results: change ("CREATED"...), target ("TABLE"...), names */
extern const char *cql_result_schema_change(const cql_result *res,
											const char **target,
											const char **keyspace,
											const char **name);
extern const char *cql_result_keyspace(const cql_result *res);	/* SET_KEYSPACE */

/* Prepared results: the id, the bind variables, the partition key indexes */
extern cql_slice cql_result_prepared_id(const cql_result *res);
extern int	cql_result_bind_count(const cql_result *res);
extern const cql_column *cql_result_bind(const cql_result *res, int i);
extern int	cql_result_pk_count(const cql_result *res);
extern int	cql_result_pk_index(const cql_result *res, int i);

/*
 * The node ("address:port") that answered, and the attempts it took: 1, plus
 * one for each retry, each host that could not be reached first, and each
 * speculative attempt.
 */
extern const char *cql_result_coordinator(const cql_result *res);
extern int	cql_result_attempts(const cql_result *res);

/* Warnings the server attached to the response */
extern int	cql_result_warning_count(const cql_result *res);
extern const char *cql_result_warning(const cql_result *res, int i);

/* ---------- sessions ---------- */

typedef struct cql_session cql_session;

typedef struct cql_tls_config
{
	bool		enabled;
	const char *ca_file;		/* PEM; NULL: the system's CA certificates */
	const char *cert_file;		/* client certificate (PEM), or NULL */
	const char *key_file;		/* its key (PEM); NULL: in cert_file */
	bool		verify_peer;	/* verify the server's certificate chain */
	bool		verify_hostname;	/* and that it names the host */
} cql_tls_config;

typedef struct cql_session_config
{
	const char *const *hosts;	/* numeric IPv4/IPv6 addresses */
	const char *const *host_names;	/* names to verify with TLS (NULL: the addresses) */
	int			nhosts;
	int			port;
	const char *username;		/* NULL: no authentication offered */
	const char *password;
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			heartbeat_interval_ms;	/* 0: no heartbeats */
	bool		compression;	/* LZ4, when the server offers it */
	const char *local_dc;		/* NULL: the data centre of the first node */
	/*
	 * Speculative execution of idempotent requests: after this many ms
	 * without an answer, the request is also sent to the next node of its
	 * plan, at most speculative_max times; the first answer wins.
	 */
	int			speculative_delay_ms;	/* 0: off */
	int			speculative_max;
	cql_tls_config tls;
} cql_session_config;

/* The statement-level options of QUERY and EXECUTE. */
typedef struct cql_query_params
{
	int			consistency;
	int			serial_consistency;	/* 0: not sent */
	int32_t		page_size;		/* <= 0: not sent (server default) */
	cql_slice	paging_state;	/* len <= 0: not sent */
	const cql_slice *values;	/* bound values */
	int			nvalues;
	const char *const *names;	/* named values, or NULL */
	bool		skip_metadata;
	bool		has_timestamp;
	int64_t		timestamp;		/* microseconds since the epoch */
	/*
	 * Routing: an explicit routing key (len >= 0) with its keyspace; for a
	 * prepared statement with bound key values the session computes it.
	 */
	cql_slice	routing_key;
	const char *keyspace;
	/*
	 * Or routing by a token (a token range read, whose statement binds no
	 * partition key): the replicas of routing_token in keyspace.
	 */
	bool		has_routing_token;
	int64_t		routing_token;
	/* may be sent again after a failure (reads are; counters, LWTs... not) */
	bool		idempotent;
	/* send to the control connection's node only (schema agreement checks) */
	bool		on_control;
	/*
	 * Coalesce: the request may wait until the event loop next turns, and
	 * go out in one write with the others sent meanwhile (bulk writes: one
	 * system call and one read on the node per burst, not per request).
	 * The caller must turn the loop (cql_reactor_run, or any wait) for it
	 * to leave; cql_reactor_timeout is 0 while something waits.
	 */
	bool		coalesce;
	/*
	 * Or to this node only, "address:port" as cql_session_host_at() writes
	 * it (tables every node keeps for itself: system.size_estimates); no
	 * other node is tried.  NULL: the usual plan.
	 */
	const char *host;
} cql_query_params;

/* One statement of a BATCH: CQL text, or a prepared id (id.len > 0). */
typedef struct cql_batch_statement
{
	const char *cql;
	cql_slice	id;
	const cql_slice *values;
	int			nvalues;
} cql_batch_statement;

enum cql_batch_type
{
	CQL_BATCH_LOGGED = 0,
	CQL_BATCH_UNLOGGED = 1,
	CQL_BATCH_COUNTER = 2
};

extern cql_session *cql_session_new(cql_reactor *r, const cql_session_config *cfg,
									cql_error *err);
extern void cql_session_free(cql_session *s);

/* True when the session has a connection ready for requests. */
extern bool cql_session_ready(cql_session *s);

/* Start connecting (if not connected); the future completes when ready. */
extern cql_future *cql_session_connect(cql_session *s);

extern cql_future *cql_session_query(cql_session *s, const char *cql,
									 const cql_query_params *params);

/*
 * Prepared statements through the session's cache.  The future of
 * cql_session_prepare_cached completes at once when the statement is
 * cached; cql_future_take_prepared then hands out a reference, which
 * cql_prepared_release gives back.  EXECUTE through the cache skips result
 * metadata (the cached metadata describes the rows), and a statement the
 * node forgot (UNPREPARED) is prepared again there and re-sent.
 */
typedef struct cql_prepared cql_prepared;

extern cql_future *cql_session_prepare_cached(cql_session *s, const char *cql);
extern cql_prepared *cql_future_take_prepared(cql_future *f);
extern void cql_prepared_release(cql_prepared *p);
/* the PREPARED result: use the cql_result_bind*, pk* and column accessors */
extern const cql_result *cql_prepared_result(const cql_prepared *p);
extern const char *cql_prepared_cql(const cql_prepared *p);
extern cql_future *cql_session_execute_prepared(cql_session *s, cql_prepared *p,
												const cql_query_params *params);
/* statements cached, and lookups that found / missed them */
extern void cql_session_prepared_stats(cql_session *s, int *count,
									   uint64_t *hits, uint64_t *misses);
/* forget cached statements on keyspace (and table, unless NULL) */
extern int	cql_session_forget_prepared(cql_session *s, const char *keyspace,
										const char *table);

/* PREPARE: the result is of kind CQL_RESULT_PREPARED */
extern cql_future *cql_session_prepare(cql_session *s, const char *cql);
extern cql_future *cql_session_execute(cql_session *s, cql_slice id,
									   const cql_query_params *params);
extern cql_future *cql_session_batch(cql_session *s, int type,
									 const cql_batch_statement *stmts, int n,
									 const cql_query_params *params);

/* "address:port" of the connection requests go to, or "" */
extern const char *cql_session_host(cql_session *s);

/* Requests sent whose responses have not arrived, abandoned ones included. */
extern int	cql_session_in_flight(cql_session *s);

/* Hosts in the cluster (and up among them), and the local data centre. */
extern int	cql_session_host_count(cql_session *s, int *up);

/*
 * "address:port" of the i-th host in the cluster (0 <= i <
 * cql_session_host_count()) into buf, and whether it is up; CQL_OK, or
 * CQL_EINVAL for no such host or a buffer too small.
 */
extern int	cql_session_host_at(cql_session *s, int i, char *buf, size_t size,
								bool *up);
extern const char *cql_session_local_dc(cql_session *s);

/*
 * What the session knows of the node at an address (4 or 16 bytes, as an
 * inet value decodes): 1 up, 0 down (its last connection attempt failed or
 * the cluster said so), -1 not one of the session's hosts.
 */
extern int	cql_session_host_state(cql_session *s, const uint8_t *addr, int addrlen);

/*
 * A counter bumped by every schema change event the control connection
 * receives: metadata cached with an older value may be stale.  Values are
 * unique within the process: no two sessions ever report the same epoch.
 */
extern uint64_t cql_session_schema_epoch(cql_session *s);

/*
 * The UDT registry: every keyspace's user-defined types as
 * system_schema.types describes them (field types as CQL text), kept
 * current by schema events.  Pointers stay valid until the reactor runs.
 */
typedef struct cql_udt_info
{
	const char *keyspace;
	const char *name;
	int			nfields;
	const char *const *field_names;
	const char *const *field_types;
} cql_udt_info;

extern int	cql_session_udt_count(cql_session *s);
extern const cql_udt_info *cql_session_udt(cql_session *s, int i);
extern const cql_udt_info *cql_session_udt_find(cql_session *s, const char *keyspace,
												const char *name);

/* Read the topology, keyspaces and types again; the future completes when done. */
extern cql_future *cql_session_refresh(cql_session *s);

/* ---------- the token ring (ring.c) ---------- */

/*
 * A range of Murmur3 tokens (start, end]: start excluded, end included.
 * Every token in it has the same replicas ("address:port", placement
 * order: the primary first; none when the keyspace's replication is not
 * known or is LocalStrategy).
 */
typedef struct cql_token_range
{
	int64_t		start;
	int64_t		end;
	int			nreplicas;
	const char *const *replicas;
} cql_token_range;

typedef struct cql_token_ring cql_token_ring;

/*
 * The ring of the session's current token map as ranges, in token order,
 * covering every token but INT64_MIN (the partitioner's minimum, which no
 * key has): (INT64_MIN, t0], (t0, t1], ..., (tn-1, INT64_MAX], the range
 * that wraps around the ring cut in two at the minimum (empty parts left
 * out).  A session without a token map answers one range (INT64_MIN,
 * INT64_MAX] without replicas.  The ring is a snapshot the caller frees;
 * later topology changes do not touch it.  CQL_OK, CQL_EINVAL (NULL
 * arguments), CQL_ENOMEM; *out is NULL on error.
 */
extern int	cql_session_token_ring(cql_session *s, const char *keyspace,
								   cql_token_ring **out, cql_error *err);
extern int	cql_token_ring_count(const cql_token_ring *ring);
extern const cql_token_range *cql_token_ring_range(const cql_token_ring *ring, int i);
/* distinct replicas of all the ranges */
extern int	cql_token_ring_host_count(const cql_token_ring *ring);
extern void cql_token_ring_free(cql_token_ring *ring);

/*
 * Cut (start, end], start < end, into n parts as even as can be: part i is
 * (bounds[i], bounds[i + 1]], bounds[0] = start, bounds[n] = end.  Fewer
 * parts when the range holds fewer than n tokens (no part is empty).
 * bounds needs n + 1 entries.  Returns the number of parts, or CQL_EINVAL
 * (start >= end, n < 1, no bounds).
 */
extern int	cql_token_range_split(int64_t start, int64_t end, int n, int64_t *bounds);

/* Whether the live connection compresses frames, and uses TLS. */
extern bool cql_session_compressed(cql_session *s);
extern bool cql_session_tls(cql_session *s);

#endif							/* CQL_H */
