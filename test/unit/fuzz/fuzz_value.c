/*-------------------------------------------------------------------------
 *
 * fuzz_value.c
 *		  libFuzzer target for values.  Input: one shape byte, then bytes.
 *
 *		  The bytes are decoded as each scalar type (value.c), and are the
 *		  <rows_count><rows_content> of a Rows result whose metadata is one
 *		  of a few fixed shapes (chosen by the first byte); the result is
 *		  decoded, its rows iterated, and each cell decoded by its column's
 *		  type (collections and vectors walked element by element).
 *
 * Shapes (see shape_metadata):
 *   0  global ks1.t: v int
 *   1  global ks1.t: a bigint, b text, c boolean
 *   2  No_metadata, 2 columns
 *   3  global ks1.t: float, double, uuid, date, smallint, tinyint,
 *      timestamp, time, timeuuid
 *   4  Has_more_pages (paging state 01 02), global: list<int>, map<text, int>
 *   5  global: vector<float, 3> (custom VectorType), duration (custom)
 *
 * IDENTIFICATION
 *		  test/unit/fuzz/fuzz_value.c
 *
 *-------------------------------------------------------------------------
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#define NSHAPES 6

static volatile size_t sink;

/* ---------- a tiny builder (the metadata is fixed, built once) ---------- */

typedef struct mbuf
{
	uint8_t		d[512];
	size_t		n;
} mbuf;

static void
m_u16(mbuf *b, uint16_t v)
{
	b->d[b->n++] = (uint8_t) (v >> 8);
	b->d[b->n++] = (uint8_t) v;
}

static void
m_i32(mbuf *b, int32_t v)
{
	m_u16(b, (uint16_t) ((uint32_t) v >> 16));
	m_u16(b, (uint16_t) v);
}

static void
m_str(mbuf *b, const char *s)
{
	m_u16(b, (uint16_t) strlen(s));
	memcpy(b->d + b->n, s, strlen(s));
	b->n += strlen(s);
}

static void
m_col(mbuf *b, const char *name, uint16_t id)
{
	m_str(b, name);
	m_u16(b, id);
}

#define MARSHAL "org.apache.cassandra.db.marshal."

/* kind and <metadata> of a Rows body, up to <rows_count> */
static void
shape_metadata(int shape, mbuf *b)
{
	b->n = 0;
	m_i32(b, 2);
	switch (shape)
	{
		case 0:
			m_i32(b, 1);
			m_i32(b, 1);
			m_str(b, "ks1");
			m_str(b, "t");
			m_col(b, "v", 0x0009);
			break;
		case 1:
			m_i32(b, 1);
			m_i32(b, 3);
			m_str(b, "ks1");
			m_str(b, "t");
			m_col(b, "a", 0x0002);
			m_col(b, "b", 0x000D);
			m_col(b, "c", 0x0004);
			break;
		case 2:
			m_i32(b, 4);
			m_i32(b, 2);
			break;
		case 3:
			{
				static const uint16_t ids[] = {0x0008, 0x0007, 0x000C, 0x0011, 0x0013,
				0x0014, 0x000B, 0x0012, 0x000F};

				m_i32(b, 1);
				m_i32(b, 9);
				m_str(b, "ks1");
				m_str(b, "t");
				for (int i = 0; i < 9; i++)
				{
					char		name[2] = {(char) ('a' + i), 0};

					m_col(b, name, ids[i]);
				}
				break;
			}
		case 4:
			m_i32(b, 3);
			m_i32(b, 2);
			m_i32(b, 2);
			b->d[b->n++] = 1;
			b->d[b->n++] = 2;
			m_str(b, "ks1");
			m_str(b, "t");
			m_str(b, "l");
			m_u16(b, 0x0020);
			m_u16(b, 0x0009);
			m_str(b, "m");
			m_u16(b, 0x0021);
			m_u16(b, 0x000D);
			m_u16(b, 0x0009);
			break;
		default:
			m_i32(b, 1);
			m_i32(b, 2);
			m_str(b, "ks1");
			m_str(b, "t");
			m_str(b, "v");
			m_u16(b, 0x0000);
			m_str(b, MARSHAL "VectorType(" MARSHAL "FloatType , 3)");
			m_str(b, "d");
			m_u16(b, 0x0000);
			m_str(b, MARSHAL "DurationType");
			break;
	}
}

/* ---------- values ---------- */

static void
decode_scalars(cql_slice v)
{
	bool		b;
	int8_t		i8;
	int16_t		i16;
	int32_t		i32;
	int64_t		i64;
	float		f;
	double		d;
	uint8_t		u[16];
	uint32_t	u32;
	int			rc = 0;

	rc += cql_decode_boolean(v, &b);
	rc += cql_decode_tinyint(v, &i8);
	rc += cql_decode_smallint(v, &i16);
	rc += cql_decode_int(v, &i32);
	rc += cql_decode_bigint(v, &i64);
	rc += cql_decode_float(v, &f);
	rc += cql_decode_double(v, &d);
	rc += cql_decode_uuid(v, u);
	rc += cql_decode_date(v, &u32);
	sink += (size_t) rc;
}

static void decode_value(const cql_type *t, cql_slice v, int depth);

/* [int] n, then n (or 2n for a map) [bytes] */
static void
walk_collection(const cql_type *t, cql_slice v, int depth)
{
	cql__reader r;
	int32_t		n;

	cql__reader_init(&r, v.data, (size_t) v.len);
	if (cql__read_i32(&r, &n) != CQL_OK || n < 0)
		return;
	for (int32_t i = 0; i < n; i++)
		for (int k = 0; k < (t->id == CQL_TYPE_MAP ? 2 : 1); k++)
		{
			cql_slice	e;

			if (cql__read_bytes(&r, &e) != CQL_OK)
				return;
			decode_value(t->sub[t->id == CQL_TYPE_MAP ? k : 0], e, depth + 1);
		}
}

static void
decode_value(const cql_type *t, cql_slice v, int depth)
{
	if (v.len < 0 || depth > 8)
		return;
	if (v.len > 0)
		sink += v.data[v.len - 1];
	if (t == NULL)
	{
		decode_scalars(v);
		return;
	}
	switch (t->id)
	{
		case CQL_TYPE_LIST:
		case CQL_TYPE_SET:
		case CQL_TYPE_MAP:
			walk_collection(t, v, depth);
			break;
		case CQL_TYPE_VECTOR:
			/* fixed-size elements, back to back */
			if (t->sub[0]->id == CQL_TYPE_FLOAT && v.len == 4 * t->dimension)
				for (int i = 0; i < t->dimension; i++)
				{
					float		f;

					if (cql_decode_float((cql_slice) {v.data + 4 * i, 4}, &f) != CQL_OK)
						__builtin_trap();
				}
			break;
		default:
			decode_scalars(v);
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbuf		meta;
	cql_frame_header h;
	cql_response r;
	cql_error	err;
	uint8_t    *body;
	int			shape;

	if (size == 0)
		return 0;
	shape = data[0] % NSHAPES;

	/* the bytes as one value of each scalar type: exactly sized */
	{
		uint8_t    *v = malloc(size - 1 ? size - 1 : 1);

		memcpy(v, data + 1, size - 1);
		decode_scalars((cql_slice) {v, (int32_t) (size - 1)});
		free(v);
	}

	/* the bytes as the rows of a Rows result */
	shape_metadata(shape, &meta);
	body = malloc(meta.n + size - 1);
	memcpy(body, meta.d, meta.n);
	memcpy(body + meta.n, data + 1, size - 1);
	memset(&h, 0, sizeof(h));
	h.version = CQL_VERSION_RESPONSE;
	h.opcode = CQL_OP_RESULT;
	h.length = (uint32_t) (meta.n + size - 1);
	if (cql__response_decode(&r, &h, body, &err) != CQL_OK)
	{
		free(body);
		return 0;
	}
	{
		int			ncols = cql_result_column_count(&r);
		cql_row_cursor cur;
		cql_slice  *cells = malloc(sizeof(cql_slice) * (size_t) (ncols ? ncols : 1));
		int32_t		rows = 0;

		cql_result_rows(&r, &cur);
		while (cql_row_next(&cur, cells))
		{
			rows++;
			for (int i = 0; i < ncols; i++)
			{
				const cql_column *c = cql_result_column(&r, i);

				decode_value(c ? c->type : NULL, cells[i], 0);
			}
		}
		if (rows != cql_result_row_count(&r))
			__builtin_trap();
		free(cells);
	}
	cql__response_free(&r);
	return 0;
}
