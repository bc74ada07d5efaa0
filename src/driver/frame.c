/*-------------------------------------------------------------------------
 *
 * frame.c
 *		  Encoders of requests and decoders of responses, protocol v4.
 *
 * Decoders check every length against what is left of the body before they
 * touch a byte; a malformed body yields CQL_EPROTO with a message naming the
 * part that was wrong, never an over-read.
 *
 * IDENTIFICATION
 *		  src/driver/frame.c
 *
 *-------------------------------------------------------------------------
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#define DURATION_CLASS "org.apache.cassandra.db.marshal.DurationType"
#define VECTOR_CLASS "org.apache.cassandra.db.marshal.VectorType"

static int	decode_type(cql__reader *r, cql__arena *a, int depth,
						const cql_type **out, cql_error *err);
static int	type_from_class(const char *cls, size_t n, cql__arena *a, int depth,
							const cql_type **out, cql_error *err);

/* ---------- header ---------- */

int
cql__header_decode(const uint8_t *p, size_t n, size_t max_body,
				   cql_frame_header *h)
{
	if (n < CQL_HEADER_SIZE)
		return CQL_EAGAIN;
	h->version = p[0];
	h->flags = p[1];
	h->stream = (int16_t) (uint16_t) ((p[2] << 8) | p[3]);
	h->opcode = p[4];
	h->length = ((uint32_t) p[5] << 24) | ((uint32_t) p[6] << 16) |
		((uint32_t) p[7] << 8) | (uint32_t) p[8];
	if (h->version != CQL_VERSION_RESPONSE)
		return CQL_EPROTO;
	if (h->length > max_body)
		return CQL_ETOOBIG;
	return CQL_OK;
}

/* ---------- framer ---------- */

void
cql__framer_init(cql__framer *f, size_t max_body)
{
	memset(f, 0, sizeof(*f));
	f->max_body = max_body;
}

void
cql__framer_reset(cql__framer *f)
{
	free(f->body);
	cql__framer_init(f, f->max_body);
}

int
cql__framer_feed(cql__framer *f, const uint8_t *p, size_t n, size_t *used)
{
	size_t		off = 0;

	*used = 0;
	if (f->complete)
		return CQL_OK;
	while (off < n || (f->in_body && f->body_have == f->cur.length))
	{
		if (!f->in_body)
		{
			size_t		take = CQL_HEADER_SIZE - f->hdr_have;
			int			rc;

			if (take > n - off)
				take = n - off;
			memcpy(f->hdr + f->hdr_have, p + off, take);
			f->hdr_have += take;
			off += take;
			if (f->hdr_have < CQL_HEADER_SIZE)
				break;
			rc = cql__header_decode(f->hdr, CQL_HEADER_SIZE, f->max_body, &f->cur);
			if (rc != CQL_OK)
			{
				*used = off;
				return rc;
			}
			f->body = malloc(f->cur.length ? f->cur.length : 1);
			if (f->body == NULL)
			{
				*used = off;
				return CQL_ENOMEM;
			}
			f->body_have = 0;
			f->in_body = true;
		}
		else
		{
			size_t		take = f->cur.length - f->body_have;

			if (take > n - off)
				take = n - off;
			if (take)
				memcpy(f->body + f->body_have, p + off, take);
			f->body_have += take;
			off += take;
		}
		if (f->in_body && f->body_have == f->cur.length)
		{
			f->complete = true;
			*used = off;
			return CQL_OK;
		}
	}
	*used = off;
	return CQL_EAGAIN;
}

void
cql__framer_take(cql__framer *f, cql_frame_header *h, uint8_t **body)
{
	*h = f->cur;
	*body = f->body;
	f->body = NULL;
	f->body_have = 0;
	f->hdr_have = 0;
	f->in_body = false;
	f->complete = false;
}

bool
cql__framer_direct(cql__framer *f, size_t min, uint8_t **p, size_t *n)
{
	if (!f->in_body || f->complete || f->cur.length - f->body_have < min)
		return false;
	*p = f->body + f->body_have;
	*n = f->cur.length - f->body_have;
	return true;
}

bool
cql__framer_direct_done(cql__framer *f, size_t n)
{
	f->body_have += n;
	if (f->body_have == f->cur.length)
		f->complete = true;
	return f->complete;
}

/* ---------- requests ---------- */

static size_t
begin_frame(cql__buf *b, int16_t stream, uint8_t opcode)
{
	size_t		start = b->len;

	cql__buf_u8(b, CQL_VERSION_REQUEST);
	cql__buf_u8(b, 0);
	cql__buf_u16(b, (uint16_t) stream);
	cql__buf_u8(b, opcode);
	cql__buf_u32(b, 0);			/* length, patched by end_frame */
	return start;
}

static void
end_frame(cql__buf *b, size_t start)
{
	size_t		body = b->len - start - CQL_HEADER_SIZE;

	if (body > CQL_MAX_FRAME_BODY)
	{
		b->failed = true;
		return;
	}
	cql__buf_patch_u32(b, start + 5, (uint32_t) body);
}

void
cql__encode_startup(cql__buf *b, int16_t stream, const char *compression)
{
	size_t		start = begin_frame(b, stream, CQL_OP_STARTUP);

	cql__buf_u16(b, compression ? 2 : 1);
	cql__buf_string(b, "CQL_VERSION");
	cql__buf_string(b, "3.0.0");
	if (compression)
	{
		cql__buf_string(b, "COMPRESSION");
		cql__buf_string(b, compression);
	}
	end_frame(b, start);
}

void
cql__encode_options(cql__buf *b, int16_t stream)
{
	end_frame(b, begin_frame(b, stream, CQL_OP_OPTIONS));
}

/* The <query_parameters> shared by QUERY and EXECUTE. */
static void
encode_query_params(cql__buf *b, const cql_query_params *p)
{
	uint8_t		flags = 0;

	if (p->nvalues > 0)
		flags |= CQL_QF_VALUES;
	if (p->nvalues > 0 && p->names)
		flags |= CQL_QF_NAMES;
	if (p->skip_metadata)
		flags |= CQL_QF_SKIP_METADATA;
	if (p->page_size > 0)
		flags |= CQL_QF_PAGE_SIZE;
	if (p->paging_state.len > 0)
		flags |= CQL_QF_PAGING_STATE;
	if (p->serial_consistency)
		flags |= CQL_QF_SERIAL;
	if (p->has_timestamp)
		flags |= CQL_QF_TIMESTAMP;

	cql__buf_u16(b, (uint16_t) p->consistency);
	cql__buf_u8(b, flags);
	if (flags & CQL_QF_VALUES)
	{
		if (p->nvalues > UINT16_MAX)
		{
			b->failed = true;
			return;
		}
		cql__buf_u16(b, (uint16_t) p->nvalues);
		for (int i = 0; i < p->nvalues; i++)
		{
			if (flags & CQL_QF_NAMES)
				cql__buf_string(b, p->names[i]);
			cql__buf_bytes(b, p->values[i]);
		}
	}
	if (flags & CQL_QF_PAGE_SIZE)
		cql__buf_u32(b, (uint32_t) p->page_size);
	if (flags & CQL_QF_PAGING_STATE)
		cql__buf_bytes(b, p->paging_state);
	if (flags & CQL_QF_SERIAL)
		cql__buf_u16(b, (uint16_t) p->serial_consistency);
	if (flags & CQL_QF_TIMESTAMP)
		cql__buf_u64(b, (uint64_t) p->timestamp);
}

void
cql__encode_query(cql__buf *b, int16_t stream, const char *cql,
				  const cql_query_params *p)
{
	size_t		start = begin_frame(b, stream, CQL_OP_QUERY);

	cql__buf_long_string(b, cql, strlen(cql));
	encode_query_params(b, p);
	end_frame(b, start);
}

void
cql__encode_auth_response(cql__buf *b, int16_t stream,
						  const uint8_t *token, size_t n)
{
	size_t		start = begin_frame(b, stream, CQL_OP_AUTH_RESPONSE);

	cql__buf_bytes(b, (cql_slice) {token, (int32_t) n});
	end_frame(b, start);
}

void
cql__encode_prepare(cql__buf *b, int16_t stream, const char *cql)
{
	size_t		start = begin_frame(b, stream, CQL_OP_PREPARE);

	cql__buf_long_string(b, cql, strlen(cql));
	end_frame(b, start);
}

void
cql__encode_execute(cql__buf *b, int16_t stream, cql_slice id,
					const cql_query_params *p)
{
	size_t		start = begin_frame(b, stream, CQL_OP_EXECUTE);

	if (id.len <= 0)
		b->failed = true;
	else
		cql__buf_short_bytes(b, id.data, (size_t) id.len);
	encode_query_params(b, p);
	end_frame(b, start);
}

/*
 * BATCH: <type><n><query>...<consistency><flags>[<serial>][<timestamp>].
 * Named values are not sent: the flag is broken in BATCH under v4.
 */
void
cql__encode_batch(cql__buf *b, int16_t stream, int type,
				  const cql_batch_statement *stmts, int n,
				  const cql_query_params *p)
{
	size_t		start = begin_frame(b, stream, CQL_OP_BATCH);
	uint8_t		flags = 0;

	if (n < 0 || n > UINT16_MAX || type < 0 || type > 2)
	{
		b->failed = true;
		return;
	}
	cql__buf_u8(b, (uint8_t) type);
	cql__buf_u16(b, (uint16_t) n);
	for (int i = 0; i < n; i++)
	{
		const cql_batch_statement *st = &stmts[i];

		if (st->id.len > 0)
		{
			cql__buf_u8(b, 1);
			cql__buf_short_bytes(b, st->id.data, (size_t) st->id.len);
		}
		else if (st->cql)
		{
			cql__buf_u8(b, 0);
			cql__buf_long_string(b, st->cql, strlen(st->cql));
		}
		else
		{
			b->failed = true;
			return;
		}
		if (st->nvalues < 0 || st->nvalues > UINT16_MAX)
		{
			b->failed = true;
			return;
		}
		cql__buf_u16(b, (uint16_t) st->nvalues);
		for (int v = 0; v < st->nvalues; v++)
			cql__buf_bytes(b, st->values[v]);
	}
	if (p->serial_consistency)
		flags |= CQL_QF_SERIAL;
	if (p->has_timestamp)
		flags |= CQL_QF_TIMESTAMP;
	cql__buf_u16(b, (uint16_t) p->consistency);
	cql__buf_u8(b, flags);
	if (flags & CQL_QF_SERIAL)
		cql__buf_u16(b, (uint16_t) p->serial_consistency);
	if (flags & CQL_QF_TIMESTAMP)
		cql__buf_u64(b, (uint64_t) p->timestamp);
	end_frame(b, start);
}

void
cql__encode_register(cql__buf *b, int16_t stream, const char *const *events, int n)
{
	size_t		start = begin_frame(b, stream, CQL_OP_REGISTER);

	if (n < 0 || n > UINT16_MAX)
	{
		b->failed = true;
		return;
	}
	cql__buf_u16(b, (uint16_t) n);
	for (int i = 0; i < n; i++)
		cql__buf_string(b, events[i]);
	end_frame(b, start);
}

/* ---------- response helpers ---------- */

#define CHECK(expr, what) \
	do { \
		if ((expr) != CQL_OK) \
		{ \
			cql_error_set(err, CQL_EPROTO, "malformed %s", (what)); \
			return CQL_EPROTO; \
		} \
	} while (0)

#define CHECK_MEM(ptr) \
	do { \
		if ((ptr) == NULL) \
		{ \
			cql_error_set(err, CQL_ENOMEM, "out of memory decoding a response"); \
			return CQL_ENOMEM; \
		} \
	} while (0)

static int
read_cstring(cql__reader *r, cql__arena *a, const char **out, const char *what,
			 cql_error *err)
{
	const uint8_t *p;
	uint16_t	n;

	CHECK(cql__read_string(r, &p, &n), what);
	*out = cql__arena_strndup(a, p, n);
	CHECK_MEM(*out);
	return CQL_OK;
}

static int
read_string_list(cql__reader *r, cql__arena *a, int *count, const char ***out,
				 const char *what, cql_error *err)
{
	uint16_t	n;
	int			rc;

	CHECK(cql__read_u16(r, &n), what);
	*count = n;
	*out = cql__arena_alloc(a, sizeof(char *) * (n ? n : 1));
	CHECK_MEM(*out);
	for (int i = 0; i < n; i++)
		if ((rc = read_cstring(r, a, &(*out)[i], what, err)) != CQL_OK)
			return rc;
	return CQL_OK;
}

/* copy a [string] into a fixed buffer, truncating at a character boundary */
static void
copy_bounded(char *dst, size_t size, const uint8_t *p, size_t n)
{
	if (n >= size)
	{
		n = size - 1;
		/* do not cut a UTF-8 sequence in half */
		while (n > 0 && (p[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* ---------- ERROR ---------- */

static int
decode_error(cql_response *resp, cql__reader *r, cql_error *err)
{
	cql_error  *e = cql__arena_alloc(&resp->arena, sizeof(cql_error));
	int32_t		code;
	const uint8_t *p;
	uint16_t	n;
	uint16_t	cl;
	uint8_t		b;

	CHECK_MEM(e);
	cql_error_clear(e);
	e->code = CQL_ESERVER;
	CHECK(cql__read_i32(r, &code), "ERROR code");
	CHECK(cql__read_string(r, &p, &n), "ERROR message");
	e->server_code = code;
	copy_bounded(e->message, sizeof(e->message), p, n);

	switch (code)
	{
		case CQL_UNAVAILABLE:
			CHECK(cql__read_u16(r, &cl), "Unavailable consistency");
			CHECK(cql__read_i32(r, &e->required), "Unavailable required");
			CHECK(cql__read_i32(r, &e->alive), "Unavailable alive");
			e->consistency = cl;
			break;
		case CQL_WRITE_TIMEOUT:
		case CQL_READ_TIMEOUT:
		case CQL_READ_FAILURE:
		case CQL_WRITE_FAILURE:
			CHECK(cql__read_u16(r, &cl), "timeout consistency");
			CHECK(cql__read_i32(r, &e->received), "timeout received");
			CHECK(cql__read_i32(r, &e->required), "timeout blockfor");
			e->consistency = cl;
			if (code == CQL_READ_FAILURE || code == CQL_WRITE_FAILURE)
				CHECK(cql__read_i32(r, &e->num_failures), "failure count");
			if (code == CQL_READ_TIMEOUT || code == CQL_READ_FAILURE)
			{
				CHECK(cql__read_u8(r, &b), "data_present");
				e->data_present = b != 0;
			}
			else
			{
				CHECK(cql__read_string(r, &p, &n), "writeType");
				copy_bounded(e->write_type, sizeof(e->write_type), p, n);
			}
			break;
		case CQL_FUNCTION_FAILURE:
			CHECK(cql__read_string(r, &p, &n), "function keyspace");
			copy_bounded(e->keyspace, sizeof(e->keyspace), p, n);
			CHECK(cql__read_string(r, &p, &n), "function name");
			copy_bounded(e->table, sizeof(e->table), p, n);
			break;
		case CQL_ALREADY_EXISTS:
			CHECK(cql__read_string(r, &p, &n), "AlreadyExists keyspace");
			copy_bounded(e->keyspace, sizeof(e->keyspace), p, n);
			CHECK(cql__read_string(r, &p, &n), "AlreadyExists table");
			copy_bounded(e->table, sizeof(e->table), p, n);
			break;
		default:
			/* Unprepared carries the id; others nothing we need */
			break;
	}
	resp->error = e;
	return CQL_OK;
}

/* ---------- types ---------- */

static const cql_type *
simple_type(cql__arena *a, int id)
{
	cql_type   *t = cql__arena_alloc(a, sizeof(cql_type));

	if (t)
	{
		memset(t, 0, sizeof(*t));
		t->id = id;
	}
	return t;
}

static int
decode_type(cql__reader *r, cql__arena *a, int depth, const cql_type **out,
			cql_error *err)
{
	uint16_t	id;
	cql_type   *t;
	int			rc;

	if (depth > CQL_MAX_TYPE_DEPTH)
	{
		cql_error_set(err, CQL_EPROTO, "type nested more than %d deep",
					  CQL_MAX_TYPE_DEPTH);
		return CQL_EPROTO;
	}
	CHECK(cql__read_u16(r, &id), "type id");

	switch (id)
	{
		case CQL_TYPE_CUSTOM:
			{
				const uint8_t *p;
				uint16_t	n;

				CHECK(cql__read_string(r, &p, &n), "custom type class");
				return type_from_class((const char *) p, n, a, depth, out, err);
			}
		case CQL_TYPE_ASCII:
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_BLOB:
		case CQL_TYPE_BOOLEAN:
		case CQL_TYPE_COUNTER:
		case CQL_TYPE_DECIMAL:
		case CQL_TYPE_DOUBLE:
		case CQL_TYPE_FLOAT:
		case CQL_TYPE_INT:
		case CQL_TYPE_TIMESTAMP:
		case CQL_TYPE_UUID:
		case CQL_TYPE_VARCHAR:
		case CQL_TYPE_VARINT:
		case CQL_TYPE_TIMEUUID:
		case CQL_TYPE_INET:
		case CQL_TYPE_DATE:
		case CQL_TYPE_TIME:
		case CQL_TYPE_SMALLINT:
		case CQL_TYPE_TINYINT:
		case CQL_TYPE_DURATION:
			*out = simple_type(a, id);
			CHECK_MEM(*out);
			return CQL_OK;
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
			{
				int			nsub = id == CQL_TYPE_MAP ? 2 : 1;

				t = cql__arena_alloc(a, sizeof(cql_type));
				CHECK_MEM(t);
				memset(t, 0, sizeof(*t));
				t->id = id;
				t->nsub = nsub;
				t->sub = cql__arena_alloc(a, sizeof(cql_type *) * nsub);
				CHECK_MEM(t->sub);
				for (int i = 0; i < nsub; i++)
					if ((rc = decode_type(r, a, depth + 1, &t->sub[i], err)) != CQL_OK)
						return rc;
				*out = t;
				return CQL_OK;
			}
		case CQL_TYPE_UDT:
		case CQL_TYPE_TUPLE:
			{
				uint16_t	n;

				t = cql__arena_alloc(a, sizeof(cql_type));
				CHECK_MEM(t);
				memset(t, 0, sizeof(*t));
				t->id = id;
				if (id == CQL_TYPE_UDT)
				{
					if ((rc = read_cstring(r, a, &t->keyspace, "UDT keyspace", err)) != CQL_OK ||
						(rc = read_cstring(r, a, &t->name, "UDT name", err)) != CQL_OK)
						return rc;
				}
				CHECK(cql__read_u16(r, &n), "field count");
				t->nsub = n;
				t->sub = cql__arena_alloc(a, sizeof(cql_type *) * (n ? n : 1));
				CHECK_MEM(t->sub);
				if (id == CQL_TYPE_UDT)
				{
					t->field_names = cql__arena_alloc(a, sizeof(char *) * (n ? n : 1));
					CHECK_MEM(t->field_names);
				}
				for (int i = 0; i < n; i++)
				{
					if (id == CQL_TYPE_UDT &&
						(rc = read_cstring(r, a, &t->field_names[i], "UDT field name", err)) != CQL_OK)
						return rc;
					if ((rc = decode_type(r, a, depth + 1, &t->sub[i], err)) != CQL_OK)
						return rc;
				}
				*out = t;
				return CQL_OK;
			}
		default:
			cql_error_set(err, CQL_EPROTO, "unknown type id 0x%04x", id);
			return CQL_EPROTO;
	}
}

/*
 * Map the class names of marshal types to descriptors.  Cassandra writes
 * parameterised types as Class(param , param); this handles the ones that
 * appear as custom types under protocol v4 (duration, vector) and, inside a
 * vector, the element types by their marshal class names.
 */
static const struct
{
	const char *cls;
	int			id;
}			marshal_classes[] =
{
	{"AsciiType", CQL_TYPE_ASCII},
	{"LongType", CQL_TYPE_BIGINT},
	{"BytesType", CQL_TYPE_BLOB},
	{"BooleanType", CQL_TYPE_BOOLEAN},
	{"CounterColumnType", CQL_TYPE_COUNTER},
	{"DecimalType", CQL_TYPE_DECIMAL},
	{"DoubleType", CQL_TYPE_DOUBLE},
	{"FloatType", CQL_TYPE_FLOAT},
	{"Int32Type", CQL_TYPE_INT},
	{"TimestampType", CQL_TYPE_TIMESTAMP},
	{"UUIDType", CQL_TYPE_UUID},
	{"UTF8Type", CQL_TYPE_VARCHAR},
	{"IntegerType", CQL_TYPE_VARINT},
	{"TimeUUIDType", CQL_TYPE_TIMEUUID},
	{"InetAddressType", CQL_TYPE_INET},
	{"SimpleDateType", CQL_TYPE_DATE},
	{"TimeType", CQL_TYPE_TIME},
	{"ShortType", CQL_TYPE_SMALLINT},
	{"ByteType", CQL_TYPE_TINYINT},
	{"DurationType", CQL_TYPE_DURATION},
};

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t'))
	{
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* A UserType name or field name: hex-encoded UTF-8; NULL if it is not. */
static char *
hex_name(cql__arena *a, const char *p, size_t n)
{
	char	   *out;

	if (n % 2 != 0)
		return NULL;
	out = cql__arena_alloc(a, n / 2 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n / 2; i++)
	{
		int			v = 0;

		for (int j = 0; j < 2; j++)
		{
			char		c = p[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v |= c - 'A' + 10;
			else
				return NULL;
		}
		if (v == 0)
			return NULL;
		out[i] = (char) v;
	}
	out[n / 2] = '\0';
	return out;
}

static int
type_from_class(const char *cls, size_t n, cql__arena *a, int depth,
				const cql_type **out, cql_error *err)
{
	const char *prefix = "org.apache.cassandra.db.marshal.";
	size_t		plen = strlen(prefix);
	const char *name = cls;
	size_t		nlen = n;
	cql_type   *t;

	if (depth > CQL_MAX_TYPE_DEPTH)
	{
		cql_error_set(err, CQL_EPROTO, "type nested more than %d deep",
					  CQL_MAX_TYPE_DEPTH);
		return CQL_EPROTO;
	}
	trim(&name, &nlen);
	if (nlen > plen && memcmp(name, prefix, plen) == 0)
	{
		name += plen;
		nlen -= plen;
	}

	/*
	 * Parameterised collection classes, as they appear inside a vector's
	 * element class: FrozenType and ReversedType are transparent, the
	 * others become the descriptors their CQL ids would give.
	 */
	{
		static const struct
		{
			const char *cls;
			int			id;
		}			params[] = {
			{"FrozenType(", -1}, {"ReversedType(", -1}, {"ListType(", CQL_TYPE_LIST},
			{"SetType(", CQL_TYPE_SET}, {"MapType(", CQL_TYPE_MAP},
			{"TupleType(", CQL_TYPE_TUPLE}, {"UserType(", CQL_TYPE_UDT},
		};

		for (size_t k = 0; k < sizeof(params) / sizeof(params[0]); k++)
		{
			size_t		cl = strlen(params[k].cls);
			const char *args;
			size_t		alen;
			const char **part;
			size_t	   *plens;
			int			nparts = 0;
			int			maxparts = 1;
			int			level = 0;
			size_t		from = 0;
			int			rc;
			int			first;

			if (nlen <= cl || memcmp(name, params[k].cls, cl) != 0 || name[nlen - 1] != ')')
				continue;
			args = name + cl;
			alen = nlen - cl - 1;
			for (size_t i = 0; i < alen; i++)
				if (args[i] == ',')
					maxparts++;
			part = cql__arena_alloc(a, sizeof(char *) * (size_t) maxparts);
			plens = cql__arena_alloc(a, sizeof(size_t) * (size_t) maxparts);
			CHECK_MEM(part);
			CHECK_MEM(plens);
			/* split at top-level commas */
			for (size_t i = 0; i <= alen; i++)
			{
				if (i < alen && args[i] == '(')
					level++;
				else if (i < alen && args[i] == ')')
					level--;
				else if (i == alen || (args[i] == ',' && level == 0))
				{
					if (nparts == maxparts)
						goto bad;
					part[nparts] = args + from;
					plens[nparts] = i - from;
					trim(&part[nparts], &plens[nparts]);
					nparts++;
					from = i + 1;
				}
			}
			if (level != 0)
				goto bad;
			if (params[k].id == -1)
			{
				if (nparts != 1)
					goto bad;
				return type_from_class(part[0], plens[0], a, depth + 1, out, err);
			}
			if ((params[k].id == CQL_TYPE_LIST || params[k].id == CQL_TYPE_SET) && nparts != 1)
				goto bad;
			if (params[k].id == CQL_TYPE_MAP && nparts != 2)
				goto bad;
			/* UserType(keyspace, hex name, hex field:class, ...) */
			first = params[k].id == CQL_TYPE_UDT ? 2 : 0;
			if (nparts < first)
				goto bad;
			t = cql__arena_alloc(a, sizeof(cql_type));
			CHECK_MEM(t);
			memset(t, 0, sizeof(*t));
			t->id = params[k].id;
			t->nsub = nparts - first;
			t->sub = cql__arena_alloc(a, sizeof(cql_type *) * (t->nsub ? t->nsub : 1));
			CHECK_MEM(t->sub);
			t->custom_class = cql__arena_strndup(a, (const uint8_t *) cls, n);
			CHECK_MEM(t->custom_class);
			if (t->id == CQL_TYPE_UDT)
			{
				t->keyspace = cql__arena_strndup(a, (const uint8_t *) part[0], plens[0]);
				t->name = hex_name(a, part[1], plens[1]);
				t->field_names = cql__arena_alloc(a, sizeof(char *) * (t->nsub ? t->nsub : 1));
				if (!t->keyspace || !t->name || !t->field_names)
					goto bad;
			}
			for (int i = 0; i < t->nsub; i++)
			{
				const char *p = part[first + i];
				size_t		pl = plens[first + i];

				if (t->id == CQL_TYPE_UDT)
				{
					const char *colon = memchr(p, ':', pl);

					if (colon == NULL)
						goto bad;
					t->field_names[i] = hex_name(a, p, (size_t) (colon - p));
					if (t->field_names[i] == NULL)
						goto bad;
					pl -= (size_t) (colon - p) + 1;
					p = colon + 1;
				}
				if ((rc = type_from_class(p, pl, a, depth + 1, &t->sub[i], err)) != CQL_OK)
					return rc;
			}
			*out = t;
			return CQL_OK;
		}
	}

	/* VectorType(<element class> , <dimension>) */
	if (nlen > 11 && memcmp(name, "VectorType(", 11) == 0 && name[nlen - 1] == ')')
	{
		const char *args = name + 11;
		size_t		alen = nlen - 12;
		size_t		comma = alen;
		int			level = 0;
		long		dim = 0;
		const char *d;
		size_t		dlen;
		int			rc;

		/* the last top-level comma separates the element type from the size */
		for (size_t i = 0; i < alen; i++)
		{
			if (args[i] == '(')
				level++;
			else if (args[i] == ')')
				level--;
			else if (args[i] == ',' && level == 0)
				comma = i;
		}
		if (comma == alen)
			goto bad;
		d = args + comma + 1;
		dlen = alen - comma - 1;
		trim(&d, &dlen);
		if (dlen == 0 || dlen > 9)
			goto bad;
		for (size_t i = 0; i < dlen; i++)
		{
			if (d[i] < '0' || d[i] > '9')
				goto bad;
			dim = dim * 10 + (d[i] - '0');
		}
		if (dim <= 0)
			goto bad;
		t = cql__arena_alloc(a, sizeof(cql_type));
		CHECK_MEM(t);
		memset(t, 0, sizeof(*t));
		t->id = CQL_TYPE_VECTOR;
		t->dimension = (int) dim;
		t->nsub = 1;
		t->sub = cql__arena_alloc(a, sizeof(cql_type *));
		CHECK_MEM(t->sub);
		t->custom_class = cql__arena_strndup(a, (const uint8_t *) cls, n);
		CHECK_MEM(t->custom_class);
		if ((rc = type_from_class(args, comma, a, depth + 1, &t->sub[0], err)) != CQL_OK)
			return rc;
		*out = t;
		return CQL_OK;
	}

	for (size_t i = 0; i < sizeof(marshal_classes) / sizeof(marshal_classes[0]); i++)
	{
		if (strlen(marshal_classes[i].cls) == nlen &&
			memcmp(marshal_classes[i].cls, name, nlen) == 0)
		{
			t = cql__arena_alloc(a, sizeof(cql_type));
			CHECK_MEM(t);
			memset(t, 0, sizeof(*t));
			t->id = marshal_classes[i].id;
			t->custom_class = cql__arena_strndup(a, (const uint8_t *) cls, n);
			CHECK_MEM(t->custom_class);
			*out = t;
			return CQL_OK;
		}
	}

	/* some other custom type: its values pass through as bytes */
	t = cql__arena_alloc(a, sizeof(cql_type));
	CHECK_MEM(t);
	memset(t, 0, sizeof(*t));
	t->id = CQL_TYPE_CUSTOM;
	t->custom_class = cql__arena_strndup(a, (const uint8_t *) cls, n);
	CHECK_MEM(t->custom_class);
	*out = t;
	return CQL_OK;

bad:
	cql_error_set(err, CQL_EPROTO, "malformed vector type \"%.*s\"",
				  (int) (n > 200 ? 200 : n), cls);
	return CQL_EPROTO;
}

/* ---------- RESULT ---------- */

/*
 * Rows metadata (of a Rows result or of a prepared statement's results), or
 * with 'prepared' the bind-variable metadata of a Prepared result, which
 * also carries the partition key indexes and no paging state.
 */
static int
decode_metadata(cql_response *resp, cql__reader *r, bool prepared,
				int32_t *flags_out, int *ncols_out, cql_column **cols_out,
				cql_error *err)
{
	int32_t		flags;
	int32_t		ncols;
	const char *gks = NULL;
	const char *gtable = NULL;
	cql_column *cols;
	int			rc;

	CHECK(cql__read_i32(r, &flags), "metadata flags");
	CHECK(cql__read_i32(r, &ncols), "column count");
	/*
	 * Each column spec takes at least 4 bytes; without metadata there are
	 * none, and the rows (checked later) bound the count.
	 */
	if (ncols < 0 || ncols > UINT16_MAX ||
		(!(flags & CQL_RF_NO_METADATA) && (size_t) ncols > r->left / 4))
	{
		cql_error_set(err, CQL_EPROTO, "invalid column count %d", ncols);
		return CQL_EPROTO;
	}
	*flags_out = flags;
	*ncols_out = ncols;
	*cols_out = NULL;
	if (prepared)
	{
		int32_t		pk_count;

		CHECK(cql__read_i32(r, &pk_count), "partition key count");
		if (pk_count < 0 || (size_t) pk_count > r->left / 2)
		{
			cql_error_set(err, CQL_EPROTO, "invalid partition key count %d", pk_count);
			return CQL_EPROTO;
		}
		resp->npk = pk_count;
		resp->pk_index = cql__arena_alloc(&resp->arena, sizeof(uint16_t) * (pk_count ? pk_count : 1));
		CHECK_MEM(resp->pk_index);
		for (int i = 0; i < pk_count; i++)
		{
			CHECK(cql__read_u16(r, &resp->pk_index[i]), "partition key index");
			if (resp->pk_index[i] >= ncols)
			{
				cql_error_set(err, CQL_EPROTO, "partition key index %d out of %d bind variables",
							  resp->pk_index[i], (int) ncols);
				return CQL_EPROTO;
			}
		}
	}
	else if (flags & CQL_RF_HAS_MORE_PAGES)
		CHECK(cql__read_bytes(r, &resp->paging_state), "paging state");
	if (flags & CQL_RF_NO_METADATA)
		return CQL_OK;
	if (flags & CQL_RF_GLOBAL_TABLES)
	{
		if ((rc = read_cstring(r, &resp->arena, &gks, "keyspace", err)) != CQL_OK ||
			(rc = read_cstring(r, &resp->arena, &gtable, "table", err)) != CQL_OK)
			return rc;
	}
	cols = cql__arena_alloc(&resp->arena, sizeof(cql_column) * (ncols ? ncols : 1));
	CHECK_MEM(cols);
	for (int i = 0; i < ncols; i++)
	{
		cql_column *c = &cols[i];

		if (flags & CQL_RF_GLOBAL_TABLES)
		{
			c->keyspace = gks;
			c->table = gtable;
		}
		else if ((rc = read_cstring(r, &resp->arena, &c->keyspace, "keyspace", err)) != CQL_OK ||
				 (rc = read_cstring(r, &resp->arena, &c->table, "table", err)) != CQL_OK)
			return rc;
		if ((rc = read_cstring(r, &resp->arena, &c->name, "column name", err)) != CQL_OK)
			return rc;
		if ((rc = decode_type(r, &resp->arena, 0, &c->type, err)) != CQL_OK)
			return rc;
	}
	*cols_out = cols;
	return CQL_OK;
}

static int
decode_rows_metadata(cql_response *resp, cql__reader *r, cql_error *err)
{
	return decode_metadata(resp, r, false, &resp->rows_flags, &resp->ncolumns,
						   &resp->columns, err);
}

/* <change_type><target><options> of a Schema_change result or event */
static int
decode_schema_change(cql_response *resp, cql__reader *r, cql_error *err)
{
	int			rc;

	if ((rc = read_cstring(r, &resp->arena, &resp->change, "change type", err)) != CQL_OK ||
		(rc = read_cstring(r, &resp->arena, &resp->target, "change target", err)) != CQL_OK ||
		(rc = read_cstring(r, &resp->arena, &resp->sc_keyspace, "keyspace", err)) != CQL_OK)
		return rc;
	if (strcmp(resp->target, "KEYSPACE") == 0)
		return CQL_OK;
	if ((rc = read_cstring(r, &resp->arena, &resp->sc_name, "name", err)) != CQL_OK)
		return rc;
	if (strcmp(resp->target, "FUNCTION") == 0 || strcmp(resp->target, "AGGREGATE") == 0)
		return read_string_list(r, &resp->arena, &resp->sc_nargs, &resp->sc_args,
								"argument types", err);
	return CQL_OK;
}

static int
decode_event(cql_response *resp, cql__reader *r, cql_error *err)
{
	int			rc;

	if ((rc = read_cstring(r, &resp->arena, &resp->event_type, "event type", err)) != CQL_OK)
		return rc;
	if (strcmp(resp->event_type, "SCHEMA_CHANGE") == 0)
	{
		rc = decode_schema_change(resp, r, err);
		resp->event_change = resp->change;
		return rc;
	}
	if (strcmp(resp->event_type, "TOPOLOGY_CHANGE") == 0 ||
		strcmp(resp->event_type, "STATUS_CHANGE") == 0)
	{
		uint8_t		n;
		const uint8_t *p;

		if ((rc = read_cstring(r, &resp->arena, &resp->event_change, "event change", err)) != CQL_OK)
			return rc;
		CHECK(cql__read_u8(r, &n), "event address");
		if (n != 4 && n != 16)
		{
			cql_error_set(err, CQL_EPROTO, "event address of %d bytes", n);
			return CQL_EPROTO;
		}
		CHECK(cql__read_raw(r, n, &p), "event address");
		memcpy(resp->event_addr, p, n);
		resp->event_addrlen = n;
		CHECK(cql__read_i32(r, &resp->event_port), "event port");
		return CQL_OK;
	}
	cql_error_set(err, CQL_EPROTO, "unknown event type \"%s\"", resp->event_type);
	return CQL_EPROTO;
}

/*
 * Walk every cell of every row once, so that iteration can trust lengths.
 * A cell is a [bytes]: -1 is null; other negative lengths are corrupt.
 */
static int
validate_rows(cql_response *resp, cql__reader *r, cql_error *err)
{
	const uint8_t *start = r->p;

	for (int32_t i = 0; i < resp->nrows; i++)
	{
		for (int c = 0; c < resp->ncolumns; c++)
		{
			int32_t		len;

			/* any negative length is null, as in every [bytes] */
			if (cql__read_i32(r, &len) != CQL_OK ||
				(len > 0 && (size_t) len > r->left))
			{
				cql_error_set(err, CQL_EPROTO,
							  "malformed cell %d of row %d", c, (int) i);
				return CQL_EPROTO;
			}
			if (len > 0)
			{
				r->p += len;
				r->left -= (size_t) len;
			}
		}
	}
	resp->rows_data = start;
	resp->rows_len = (size_t) (r->p - start);
	return CQL_OK;
}

static int
decode_result(cql_response *resp, cql__reader *r, cql_error *err)
{
	int32_t		kind;
	int			rc;

	CHECK(cql__read_i32(r, &kind), "RESULT kind");
	resp->kind = kind;
	switch (kind)
	{
		case CQL_RESULT_VOID:
			return CQL_OK;
		case CQL_RESULT_ROWS:
			if ((rc = decode_rows_metadata(resp, r, err)) != CQL_OK)
				return rc;
			CHECK(cql__read_i32(r, &resp->nrows), "row count");
			if (resp->nrows < 0 ||
				(resp->ncolumns == 0 && resp->nrows > 0) ||
				(resp->ncolumns > 0 && (size_t) resp->nrows > r->left / 4 / (size_t) resp->ncolumns))
			{
				cql_error_set(err, CQL_EPROTO, "invalid row count %d", (int) resp->nrows);
				return CQL_EPROTO;
			}
			return validate_rows(resp, r, err);
		case CQL_RESULT_SET_KEYSPACE:
			return read_cstring(r, &resp->arena, &resp->keyspace, "keyspace", err);
		case CQL_RESULT_SCHEMA_CHANGE:
			return decode_schema_change(resp, r, err);
		case CQL_RESULT_PREPARED:
			CHECK(cql__read_short_bytes(r, &resp->prepared_id), "prepared id");
			if (resp->prepared_id.len == 0)
			{
				cql_error_set(err, CQL_EPROTO, "empty prepared statement id");
				return CQL_EPROTO;
			}
			if ((rc = decode_metadata(resp, r, true, &resp->bind_flags, &resp->nbind,
									  &resp->bind, err)) != CQL_OK)
				return rc;
			return decode_rows_metadata(resp, r, err);
		default:
			cql_error_set(err, CQL_EPROTO, "unknown RESULT kind %d", (int) kind);
			return CQL_EPROTO;
	}
}

/* ---------- response ---------- */

int
cql__response_decode(cql_response *resp, const cql_frame_header *h,
					 uint8_t *body, cql_error *err)
{
	cql__reader r;
	int			rc = CQL_OK;

	memset(resp, 0, sizeof(*resp));
	resp->header = *h;
	cql__arena_init(&resp->arena);
	cql__reader_init(&r, body, h->length);

	if (h->flags & CQL_FLAG_COMPRESSION)
	{
		cql_error_set(err, CQL_EPROTO, "compressed frame on an uncompressed connection");
		rc = CQL_EPROTO;
		goto fail;
	}
	if (h->flags & CQL_FLAG_TRACING)
	{
		const uint8_t *p;

		if (cql__read_raw(&r, 16, &p) != CQL_OK)
		{
			cql_error_set(err, CQL_EPROTO, "malformed tracing id");
			rc = CQL_EPROTO;
			goto fail;
		}
		memcpy(resp->tracing_id, p, 16);
		resp->has_tracing_id = true;
	}
	if (h->flags & CQL_FLAG_WARNING)
	{
		if ((rc = read_string_list(&r, &resp->arena, &resp->nwarnings,
								   &resp->warnings, "warnings", err)) != CQL_OK)
			goto fail;
	}
	if (h->flags & CQL_FLAG_CUSTOM_PAYLOAD)
	{
		uint16_t	n;

		if (cql__read_u16(&r, &n) != CQL_OK)
		{
			cql_error_set(err, CQL_EPROTO, "malformed custom payload");
			rc = CQL_EPROTO;
			goto fail;
		}
		resp->npayload = n;
		resp->payload_keys = cql__arena_alloc(&resp->arena, sizeof(char *) * (n ? n : 1));
		resp->payload_values = cql__arena_alloc(&resp->arena, sizeof(cql_slice) * (n ? n : 1));
		if (!resp->payload_keys || !resp->payload_values)
		{
			cql_error_set(err, CQL_ENOMEM, "out of memory decoding a response");
			rc = CQL_ENOMEM;
			goto fail;
		}
		for (int i = 0; i < n; i++)
		{
			if ((rc = read_cstring(&r, &resp->arena, &resp->payload_keys[i],
								   "custom payload", err)) != CQL_OK)
				goto fail;
			if (cql__read_bytes(&r, &resp->payload_values[i]) != CQL_OK)
			{
				cql_error_set(err, CQL_EPROTO, "malformed custom payload");
				rc = CQL_EPROTO;
				goto fail;
			}
		}
	}

	switch (h->opcode)
	{
		case CQL_OP_ERROR:
			rc = decode_error(resp, &r, err);
			break;
		case CQL_OP_READY:
			break;
		case CQL_OP_AUTHENTICATE:
			rc = read_cstring(&r, &resp->arena, &resp->authenticator,
							  "authenticator", err);
			break;
		case CQL_OP_SUPPORTED:
			{
				uint16_t	n;

				if (cql__read_u16(&r, &n) != CQL_OK)
				{
					cql_error_set(err, CQL_EPROTO, "malformed SUPPORTED");
					rc = CQL_EPROTO;
					break;
				}
				resp->nsupported = n;
				resp->supported = cql__arena_alloc(&resp->arena,
												   sizeof(cql_string_multimap_entry) * (n ? n : 1));
				if (resp->supported == NULL)
				{
					cql_error_set(err, CQL_ENOMEM, "out of memory decoding a response");
					rc = CQL_ENOMEM;
					break;
				}
				for (int i = 0; i < n && rc == CQL_OK; i++)
				{
					rc = read_cstring(&r, &resp->arena, &resp->supported[i].key,
									  "SUPPORTED", err);
					if (rc == CQL_OK)
						rc = read_string_list(&r, &resp->arena,
											  &resp->supported[i].nvalues,
											  &resp->supported[i].values,
											  "SUPPORTED", err);
				}
				break;
			}
		case CQL_OP_AUTH_CHALLENGE:
		case CQL_OP_AUTH_SUCCESS:
			if (cql__read_bytes(&r, &resp->token) != CQL_OK)
			{
				cql_error_set(err, CQL_EPROTO, "malformed authentication token");
				rc = CQL_EPROTO;
			}
			break;
		case CQL_OP_RESULT:
			rc = decode_result(resp, &r, err);
			break;
		case CQL_OP_EVENT:
			rc = decode_event(resp, &r, err);
			break;
		default:
			cql_error_set(err, CQL_EPROTO, "unexpected opcode 0x%02x in a response",
						  h->opcode);
			rc = CQL_EPROTO;
			break;
	}
	if (rc != CQL_OK)
		goto fail;
	resp->body = body;
	return CQL_OK;

fail:
	cql__arena_free(&resp->arena);
	return rc;
}

void
cql__response_free(cql_response *resp)
{
	if (resp->metadata_owner)
	{
		cql_prepared_release(resp->metadata_owner);
		resp->metadata_owner = NULL;
	}
	cql__arena_free(&resp->arena);
	free(resp->body);
	resp->body = NULL;
}

const cql_string_multimap_entry *
cql__supported_find(const cql_response *resp, const char *key)
{
	for (int i = 0; i < resp->nsupported; i++)
		if (strcmp(resp->supported[i].key, key) == 0)
			return &resp->supported[i];
	return NULL;
}

/* ---------- public result accessors ---------- */

int
cql_result_kind(const cql_result *res)
{
	return res->kind;
}

void
cql_result_free(cql_result *res)
{
	if (res == NULL)
		return;
	cql__response_free(res);
	free(res);
}

int
cql_result_column_count(const cql_result *res)
{
	return res->ncolumns;
}

const cql_column *
cql_result_column(const cql_result *res, int i)
{
	if (res->columns == NULL || i < 0 || i >= res->ncolumns)
		return NULL;
	return &res->columns[i];
}

int32_t
cql_result_row_count(const cql_result *res)
{
	return res->kind == CQL_RESULT_ROWS ? res->nrows : 0;
}

bool
cql_result_has_more_pages(const cql_result *res)
{
	return (res->rows_flags & CQL_RF_HAS_MORE_PAGES) != 0 &&
		res->paging_state.len > 0;
}

cql_slice
cql_result_paging_state(const cql_result *res)
{
	if (!cql_result_has_more_pages(res))
		return (cql_slice) {NULL, CQL_NULL};
	return res->paging_state;
}

void
cql_result_rows(const cql_result *res, cql_row_cursor *cur)
{
	cur->pos = res->rows_data;
	cur->remaining = res->kind == CQL_RESULT_ROWS ? res->nrows : 0;
	cur->ncolumns = res->ncolumns;
}

int
cql_row_next(cql_row_cursor *cur, cql_slice *cells)
{
	const uint8_t *p = cur->pos;

	if (cur->remaining <= 0)
		return 0;
	for (int c = 0; c < cur->ncolumns; c++)
	{
		int32_t		len = (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
									 ((uint32_t) p[2] << 8) | (uint32_t) p[3]);

		p += 4;
		if (len < 0)
		{
			cells[c].data = NULL;
			cells[c].len = CQL_NULL;
		}
		else
		{
			cells[c].data = p;
			cells[c].len = len;
			p += len;
		}
	}
	cur->pos = p;
	cur->remaining--;
	return 1;
}

const char *
cql_result_schema_change(const cql_result *res, const char **target,
						 const char **keyspace, const char **name)
{
	if (res->kind != CQL_RESULT_SCHEMA_CHANGE)
		return NULL;
	if (target)
		*target = res->target;
	if (keyspace)
		*keyspace = res->sc_keyspace;
	if (name)
		*name = res->sc_name;
	return res->change;
}

const char *
cql_result_keyspace(const cql_result *res)
{
	return res->kind == CQL_RESULT_SET_KEYSPACE ? res->keyspace : NULL;
}

cql_slice
cql_result_prepared_id(const cql_result *res)
{
	if (res->kind != CQL_RESULT_PREPARED)
		return (cql_slice) {NULL, CQL_NULL};
	return res->prepared_id;
}

int
cql_result_bind_count(const cql_result *res)
{
	return res->kind == CQL_RESULT_PREPARED ? res->nbind : 0;
}

const cql_column *
cql_result_bind(const cql_result *res, int i)
{
	if (res->kind != CQL_RESULT_PREPARED || res->bind == NULL || i < 0 || i >= res->nbind)
		return NULL;
	return &res->bind[i];
}

int
cql_result_pk_count(const cql_result *res)
{
	return res->kind == CQL_RESULT_PREPARED ? res->npk : 0;
}

int
cql_result_pk_index(const cql_result *res, int i)
{
	if (res->kind != CQL_RESULT_PREPARED || i < 0 || i >= res->npk)
		return -1;
	return res->pk_index[i];
}

const char *
cql_result_coordinator(const cql_result *res)
{
	return res->coordinator ? res->coordinator : "";
}

int
cql_result_attempts(const cql_result *res)
{
	return res->attempts;
}

int
cql_result_warning_count(const cql_result *res)
{
	return res->nwarnings;
}

const char *
cql_result_warning(const cql_result *res, int i)
{
	return i >= 0 && i < res->nwarnings ? res->warnings[i] : NULL;
}
