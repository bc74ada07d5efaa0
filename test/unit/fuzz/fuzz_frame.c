/*-------------------------------------------------------------------------
 *
 * fuzz_frame.c
 *		  libFuzzer target: the input is a byte stream from a server.  It is
 *		  cut into frames by the framer three ways (all at once, in 7-byte
 *		  pieces, and with bodies read through the direct-read path), which
 *		  must agree; each frame is decoded with cql__response_decode, and
 *		  whatever decoded is walked: types, rows, cells, errors, options.
 *
 * IDENTIFICATION
 *		  test/unit/fuzz/fuzz_frame.c
 *
 *-------------------------------------------------------------------------
 */
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (1 << 20)
#define MAX_FRAMES 32

typedef struct seen
{
	int			n;
	int			rc;				/* the framer's last code */
	cql_frame_header h[MAX_FRAMES];
	uint64_t	sum[MAX_FRAMES];
} seen;

static uint64_t
checksum(const uint8_t *p, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static volatile size_t sink;

static void
walk_type(const cql_type *t, int depth)
{
	if (t == NULL || depth > CQL_MAX_TYPE_DEPTH + 1)
		__builtin_trap();
	sink += strlen(cql_type_name(t->id));
	if (t->custom_class)
		sink += strlen(t->custom_class);
	if (t->id == CQL_TYPE_UDT)
		sink += strlen(t->keyspace) + strlen(t->name);
	for (int i = 0; i < t->nsub; i++)
	{
		if (t->field_names)
			sink += strlen(t->field_names[i]);
		walk_type(t->sub[i], depth + 1);
	}
}

static void
decode_cell(const cql_type *t, cql_slice v)
{
	union
	{
		bool		b;
		int8_t		i8;
		int16_t		i16;
		int32_t		i32;
		int64_t		i64;
		float		f;
		double		d;
		uint32_t	u32;
		uint8_t		uuid[16];
	}			out;

	if (v.len < 0)
		return;
	for (int i = 0; i < v.len; i++)
		sink += v.data[i];
	if (t == NULL)
		return;
	switch (t->id)
	{
		case CQL_TYPE_BOOLEAN:
			(void) cql_decode_boolean(v, &out.b);
			break;
		case CQL_TYPE_TINYINT:
			(void) cql_decode_tinyint(v, &out.i8);
			break;
		case CQL_TYPE_SMALLINT:
			(void) cql_decode_smallint(v, &out.i16);
			break;
		case CQL_TYPE_INT:
			(void) cql_decode_int(v, &out.i32);
			break;
		case CQL_TYPE_BIGINT:
		case CQL_TYPE_COUNTER:
		case CQL_TYPE_TIMESTAMP:
		case CQL_TYPE_TIME:
			(void) cql_decode_bigint(v, &out.i64);
			break;
		case CQL_TYPE_FLOAT:
			(void) cql_decode_float(v, &out.f);
			break;
		case CQL_TYPE_DOUBLE:
			(void) cql_decode_double(v, &out.d);
			break;
		case CQL_TYPE_UUID:
		case CQL_TYPE_TIMEUUID:
			(void) cql_decode_uuid(v, out.uuid);
			break;
		case CQL_TYPE_DATE:
			(void) cql_decode_date(v, &out.u32);
			break;
		default:
			break;
	}
}

static void
walk_response(cql_response *r)
{
	if (r->has_tracing_id)
		sink += r->tracing_id[15];
	for (int i = 0; i < r->nwarnings; i++)
		sink += strlen(r->warnings[i]);
	for (int i = 0; i < r->npayload; i++)
	{
		sink += strlen(r->payload_keys[i]);
		if (r->payload_values[i].len > 0)
			sink += r->payload_values[i].data[r->payload_values[i].len - 1];
	}
	switch (r->header.opcode)
	{
		case CQL_OP_ERROR:
			if (r->error == NULL || strlen(r->error->message) >= sizeof(r->error->message))
				__builtin_trap();
			sink += strlen(r->error->write_type) + strlen(r->error->keyspace) + strlen(r->error->table);
			break;
		case CQL_OP_AUTHENTICATE:
			sink += strlen(r->authenticator);
			break;
		case CQL_OP_SUPPORTED:
			for (int i = 0; i < r->nsupported; i++)
			{
				sink += strlen(r->supported[i].key);
				for (int j = 0; j < r->supported[i].nvalues; j++)
					sink += strlen(r->supported[i].values[j]);
			}
			(void) cql__supported_find(r, "COMPRESSION");
			break;
		case CQL_OP_AUTH_CHALLENGE:
		case CQL_OP_AUTH_SUCCESS:
			if (r->token.len > 0)
				sink += r->token.data[r->token.len - 1];
			break;
		case CQL_OP_RESULT:
			{
				const char *target = NULL;
				const char *ks = NULL;
				const char *name = NULL;
				const char *change = cql_result_schema_change(r, &target, &ks, &name);

				if (change)
					sink += strlen(change) + strlen(target) + strlen(ks) + (name ? strlen(name) : 0);
				if (cql_result_keyspace(r))
					sink += strlen(cql_result_keyspace(r));
				if (cql_result_kind(r) == CQL_RESULT_ROWS)
				{
					int			ncols = cql_result_column_count(r);
					cql_row_cursor cur;
					cql_slice  *cells;
					cql_slice	ps = cql_result_paging_state(r);

					if (ps.len > 0)
						sink += ps.data[ps.len - 1];
					/* No_metadata: a column count, no columns */
					for (int i = 0; i < ncols && cql_result_column(r, 0); i++)
					{
						const cql_column *c = cql_result_column(r, i);

						if (c)
						{
							sink += strlen(c->keyspace) + strlen(c->table) + strlen(c->name);
							walk_type(c->type, 0);
						}
					}
					if (cql_result_row_count(r) == 0)
						break;
					cells = malloc(sizeof(cql_slice) * (size_t) ncols);
					if (cells == NULL)
						__builtin_trap();
					cql_result_rows(r, &cur);
					while (cql_row_next(&cur, cells))
						for (int i = 0; i < ncols; i++)
						{
							const cql_column *c = cql_result_column(r, i);

							decode_cell(c ? c->type : NULL, cells[i]);
						}
					free(cells);
				}
				break;
			}
		default:
			break;
	}
}

/* a whole frame: decode it, walk it, free it */
static void
handle_frame(const cql_frame_header *h, uint8_t *body)
{
	cql_response r;
	cql_error	err;

	if (cql__response_decode(&r, h, body, &err) == CQL_OK)
	{
		walk_response(&r);
		cql__response_free(&r);
	}
	else
	{
		if (err.message[0] == '\0' || strlen(err.message) >= sizeof(err.message))
			__builtin_trap();
		free(body);
	}
}

static void
took(cql__framer *f, seen *s, bool decode)
{
	cql_frame_header h;
	uint8_t    *body;

	cql__framer_take(f, &h, &body);
	if (s->n < MAX_FRAMES)
	{
		s->h[s->n] = h;
		s->sum[s->n] = checksum(body, h.length);
	}
	s->n++;
	if (decode)
		handle_frame(&h, body);
	else
		free(body);
}

/* mode 0: all at once; 1: 7-byte pieces; 2: bodies through direct reads */
static void
run(const uint8_t *data, size_t size, int mode, seen *s)
{
	cql__framer f;
	size_t		off = 0;

	memset(s, 0, sizeof(*s));
	cql__framer_init(&f, MAX_BODY);
	while (off < size)
	{
		size_t		n = size - off;
		size_t		used = 0;
		uint8_t    *p;
		size_t		room;
		int			rc;

		if (mode == 2 && cql__framer_direct(&f, 1, &p, &room))
		{
			size_t		take = room < n ? room : n;

			memcpy(p, data + off, take);
			off += take;
			if (cql__framer_direct_done(&f, take))
				took(&f, s, false);
			continue;
		}
		if (mode == 1 && n > 7)
			n = 7;
		if (mode == 2 && !f.in_body && n > CQL_HEADER_SIZE - f.hdr_have)
			n = CQL_HEADER_SIZE - f.hdr_have;	/* the body goes direct */
		rc = cql__framer_feed(&f, data + off, n, &used);
		if (used > n)
			__builtin_trap();
		off += used;
		if (rc == CQL_OK)
			took(&f, s, mode == 0);
		else if (rc != CQL_EAGAIN)
		{
			s->rc = rc;
			break;
		}
	}
	cql__framer_reset(&f);
}

static bool
same_header(const cql_frame_header *x, const cql_frame_header *y)
{
	return x->version == y->version && x->flags == y->flags &&
		x->stream == y->stream && x->opcode == y->opcode && x->length == y->length;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seen		a;
	seen		b;
	seen		c;

	run(data, size, 0, &a);
	run(data, size, 1, &b);
	run(data, size, 2, &c);
	/* however the bytes arrive, the same frames come out */
	if (a.n != b.n || a.n != c.n || a.rc != b.rc || a.rc != c.rc)
		__builtin_trap();
	for (int i = 0; i < a.n && i < MAX_FRAMES; i++)
		if (!same_header(&a.h[i], &b.h[i]) || !same_header(&a.h[i], &c.h[i]) ||
			a.sum[i] != b.sum[i] || a.sum[i] != c.sum[i])
			__builtin_trap();
	return 0;
}
