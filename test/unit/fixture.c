/*-------------------------------------------------------------------------
 *
 * fixture.c
 *		  The byte builder and the response fixtures, from the v4 spec.
 *
 * Section numbers refer to native_protocol_v4.spec.
 *
 * IDENTIFICATION
 *		  test/unit/fixture.c
 *
 *-------------------------------------------------------------------------
 */
#include "fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- builder ---------- */

void
fx_init(fx *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
fx_free(fx *b)
{
	free(b->data);
	fx_init(b);
}

void
fx_raw(fx *b, const void *p, size_t n)
{
	if (b->len + n > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 64;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
		{
			fprintf(stderr, "fixture: out of memory\n");
			abort();
		}
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
fx_u8(fx *b, uint8_t v)
{
	fx_raw(b, &v, 1);
}

void
fx_u16(fx *b, uint16_t v)
{
	fx_u8(b, (uint8_t) (v >> 8));
	fx_u8(b, (uint8_t) (v & 0xFF));
}

void
fx_i32(fx *b, int32_t v)
{
	uint32_t	u = (uint32_t) v;

	fx_u16(b, (uint16_t) (u >> 16));
	fx_u16(b, (uint16_t) (u & 0xFFFF));
}

void
fx_i64(fx *b, int64_t v)
{
	uint64_t	u = (uint64_t) v;

	fx_i32(b, (int32_t) (uint32_t) (u >> 32));
	fx_i32(b, (int32_t) (uint32_t) (u & 0xFFFFFFFFu));
}

void
fx_f32(fx *b, uint32_t bits)
{
	fx_i32(b, (int32_t) bits);
}

void
fx_str(fx *b, const char *s)
{
	fx_u16(b, (uint16_t) strlen(s));
	fx_raw(b, s, strlen(s));
}

void
fx_lstr(fx *b, const char *s)
{
	fx_i32(b, (int32_t) strlen(s));
	fx_raw(b, s, strlen(s));
}

void
fx_bytes(fx *b, const void *p, int32_t n)
{
	fx_i32(b, n);
	if (n > 0)
		fx_raw(b, p, (size_t) n);
}

void
fx_sbytes(fx *b, const void *p, uint16_t n)
{
	fx_u16(b, n);
	fx_raw(b, p, n);
}

void
fx_strlist(fx *b, int n,...)
{
	va_list		ap;

	fx_u16(b, (uint16_t) n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		fx_str(b, va_arg(ap, const char *));
	va_end(ap);
}

void
fx_cell_i32(fx *b, int32_t v)
{
	fx_i32(b, 4);
	fx_i32(b, v);
}

uint8_t *
fx_dup(const void *p, size_t n)
{
	uint8_t    *d = malloc(n);

	if (d == NULL && n > 0)
	{
		fprintf(stderr, "fixture: out of memory\n");
		abort();
	}
	if (n)
		memcpy(d, p, n);
	return d;
}

void
fx_frame(fx *out, uint8_t version, uint8_t flags, int16_t stream,
		 uint8_t opcode, const void *body, size_t n)
{
	fx_u8(out, version);
	fx_u8(out, flags);
	fx_u16(out, (uint16_t) stream);
	fx_u8(out, opcode);
	fx_i32(out, (int32_t) (uint32_t) n);
	fx_raw(out, body, n);
}

/* ---------- response fixtures ---------- */

/* opcodes, section 2.4 */
#define OP_ERROR		0x00
#define OP_READY		0x02
#define OP_AUTHENTICATE	0x03
#define OP_SUPPORTED	0x06
#define OP_RESULT		0x08
#define OP_EVENT		0x0C
#define OP_AUTH_CHALLENGE 0x0E
#define OP_AUTH_SUCCESS	0x10

/* 4.2.2: empty */
static void
b_ready(fx *b)
{
	(void) b;
}

/* 4.2.3: [string] authenticator class */
static void
b_authenticate(fx *b)
{
	fx_str(b, "org.apache.cassandra.auth.PasswordAuthenticator");
}

/* 4.2.4: [string multimap] */
static void
b_supported(fx *b)
{
	fx_u16(b, 2);
	fx_str(b, "COMPRESSION");
	fx_strlist(b, 2, "snappy", "lz4");
	fx_str(b, "CQL_VERSION");
	fx_strlist(b, 1, "3.4.5");
}

/* 4.2.7: [bytes] token */
static void
b_auth_challenge(fx *b)
{
	fx_bytes(b, "\x01\x02\x03", 3);
}

/* 4.2.8: [bytes] token, here null as PasswordAuthenticator sends it */
static void
b_auth_success(fx *b)
{
	fx_bytes(b, NULL, -1);
}

/* 9: errors */
static void
b_error_unavailable(fx *b)
{
	fx_i32(b, 0x1000);
	fx_str(b, "Cannot achieve consistency level QUORUM");
	fx_u16(b, 0x0004);			/* <cl> QUORUM */
	fx_i32(b, 3);				/* <required> */
	fx_i32(b, 1);				/* <alive> */
}

static void
b_error_write_timeout(fx *b)
{
	fx_i32(b, 0x1100);
	fx_str(b, "Operation timed out - received only 1 responses.");
	fx_u16(b, 0x0006);			/* LOCAL_QUORUM */
	fx_i32(b, 1);				/* <received> */
	fx_i32(b, 2);				/* <blockfor> */
	fx_str(b, "BATCH_LOG");		/* <writeType> */
}

static void
b_error_read_timeout(fx *b)
{
	fx_i32(b, 0x1200);
	fx_str(b, "Operation timed out - received only 1 responses.");
	fx_u16(b, 0x0004);			/* QUORUM */
	fx_i32(b, 1);
	fx_i32(b, 2);
	fx_u8(b, 1);				/* <data_present> */
}

static void
b_error_read_failure(fx *b)
{
	fx_i32(b, 0x1300);
	fx_str(b, "Operation failed - received 2 responses and 1 failures");
	fx_u16(b, 0x0005);			/* ALL */
	fx_i32(b, 2);				/* <received> */
	fx_i32(b, 3);				/* <blockfor> */
	fx_i32(b, 1);				/* <numfailures> */
	fx_u8(b, 0);				/* <data_present> */
}

static void
b_error_write_failure(fx *b)
{
	fx_i32(b, 0x1500);
	fx_str(b, "Operation failed - received 0 responses and 1 failures");
	fx_u16(b, 0x000A);			/* LOCAL_ONE */
	fx_i32(b, 0);
	fx_i32(b, 1);
	fx_i32(b, 1);				/* <numfailures> */
	fx_str(b, "SIMPLE");		/* <write_type> */
}

static void
b_error_function_failure(fx *b)
{
	fx_i32(b, 0x1400);
	fx_str(b, "execution of 'ks1.myfn[int, text]' failed");
	fx_str(b, "ks1");			/* <keyspace> */
	fx_str(b, "myfn");			/* <function> */
	fx_strlist(b, 2, "int", "text");	/* <arg_types> */
}

static void
b_error_already_exists(fx *b)
{
	fx_i32(b, 0x2400);
	fx_str(b, "Cannot add already existing table \"t1\" to keyspace \"ks1\"");
	fx_str(b, "ks1");
	fx_str(b, "t1");
}

static void
b_error_already_exists_ks(fx *b)
{
	fx_i32(b, 0x2400);
	fx_str(b, "Cannot add existing keyspace \"ks1\"");
	fx_str(b, "ks1");
	fx_str(b, "");				/* a keyspace: the table is "" */
}

static void
b_error_unprepared(fx *b)
{
	static const uint8_t id[16] = {0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	fx_i32(b, 0x2500);
	fx_str(b, "Prepared query with ID cafebabe not found");
	fx_sbytes(b, id, 16);
}

static void
b_error_syntax(fx *b)
{
	fx_i32(b, 0x2000);
	fx_str(b, "line 1:0 no viable alternative at input 'SELEC'");
}

static void
b_error_invalid(fx *b)
{
	fx_i32(b, 0x2200);
	fx_str(b, "unconfigured table t9");
}

static void
b_error_bad_credentials(fx *b)
{
	fx_i32(b, 0x0100);
	fx_str(b, "Provided username cassandra and/or password are incorrect");
}

/* 4.2.5.1 */
static void
b_result_void(fx *b)
{
	fx_i32(b, 0x0001);
}

/* 4.2.5.3 */
static void
b_result_set_keyspace(fx *b)
{
	fx_i32(b, 0x0003);
	fx_str(b, "ks1");
}

/* 4.2.5.5 and 4.2.6 SCHEMA_CHANGE */
static void
b_schema_keyspace(fx *b)
{
	fx_i32(b, 0x0005);
	fx_str(b, "CREATED");
	fx_str(b, "KEYSPACE");
	fx_str(b, "ks1");
}

static void
b_schema_table(fx *b)
{
	fx_i32(b, 0x0005);
	fx_str(b, "UPDATED");
	fx_str(b, "TABLE");
	fx_str(b, "ks1");
	fx_str(b, "t1");
}

static void
b_schema_function(fx *b)
{
	fx_i32(b, 0x0005);
	fx_str(b, "CREATED");
	fx_str(b, "FUNCTION");
	fx_str(b, "ks1");
	fx_str(b, "myfn");
	fx_strlist(b, 2, "int", "text");
}

/* 4.2.5.2 Rows, with <global_table_spec> */
static void
b_rows_global(fx *b)
{
	fx_i32(b, 0x0002);			/* kind */
	fx_i32(b, 0x0001);			/* flags: Global_tables_spec */
	fx_i32(b, 3);				/* columns_count */
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "id");
	fx_u16(b, 0x0009);			/* int */
	fx_str(b, "name");
	fx_u16(b, 0x000D);			/* varchar */
	fx_str(b, "score");
	fx_u16(b, 0x0007);			/* double */
	fx_i32(b, 3);				/* rows_count */
	/* row 1: 1, 'alice', 1.5 */
	fx_cell_i32(b, 1);
	fx_bytes(b, "alice", 5);
	fx_bytes(b, "\x3f\xf8\x00\x00\x00\x00\x00\x00", 8);
	/* row 2: 2, null, -0.25 */
	fx_cell_i32(b, 2);
	fx_bytes(b, NULL, -1);
	fx_bytes(b, "\xbf\xd0\x00\x00\x00\x00\x00\x00", 8);
	/* row 3: 3, '', null */
	fx_cell_i32(b, 3);
	fx_bytes(b, "", 0);
	fx_bytes(b, NULL, -1);
}

/* Rows with a table spec per column */
static void
b_rows_no_global(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0000);
	fx_i32(b, 2);
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "a");
	fx_u16(b, 0x0002);			/* bigint */
	fx_str(b, "ks2");
	fx_str(b, "t2");
	fx_str(b, "b");
	fx_u16(b, 0x0004);			/* boolean */
	fx_i32(b, 1);
	fx_bytes(b, "\xff\xff\xff\xff\xff\xff\xff\xfe", 8);	/* -2 */
	fx_bytes(b, "\x01", 1);
}

/* Has_more_pages: <paging_state> right after columns_count */
static void
b_rows_paging(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0003);			/* Global_tables_spec | Has_more_pages */
	fx_i32(b, 1);
	fx_bytes(b, "\xde\xad\xbe\xef\x00\x01", 6);
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "id");
	fx_u16(b, 0x0009);
	fx_i32(b, 1);
	fx_cell_i32(b, 7);
}

/* No_metadata: flags, columns_count, rows */
static void
b_rows_no_metadata(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0004);
	fx_i32(b, 2);
	fx_i32(b, 2);
	fx_cell_i32(b, 1);
	fx_bytes(b, "hi", 2);
	fx_bytes(b, NULL, -1);
	fx_bytes(b, "", 0);
}

/* the last, empty page of a skip_metadata query on a wide table */
static void
b_rows_no_metadata_empty(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0004);
	fx_i32(b, 5);
	fx_i32(b, 0);
}

static void
b_rows_no_metadata_paging(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0006);			/* Has_more_pages | No_metadata */
	fx_i32(b, 3);
	fx_bytes(b, "\x01\x02", 2);
	fx_i32(b, 1);
	fx_cell_i32(b, 10);
	fx_cell_i32(b, 20);
	fx_bytes(b, NULL, -1);
}

/* every native type id of 4.2.5.2 */
const uint16_t fixture_simple_ids[] = {
	0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009,
	0x000B, 0x000C, 0x000D, 0x000E, 0x000F, 0x0010, 0x0011, 0x0012, 0x0013,
	0x0014
};
const int	fixture_nsimple = sizeof(fixture_simple_ids) / sizeof(fixture_simple_ids[0]);

static void
b_rows_all_types(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0001);
	fx_i32(b, fixture_nsimple);
	fx_str(b, "ks1");
	fx_str(b, "all_types");
	for (int i = 0; i < fixture_nsimple; i++)
	{
		char		name[8];

		snprintf(name, sizeof(name), "c%02x", fixture_simple_ids[i]);
		fx_str(b, name);
		fx_u16(b, fixture_simple_ids[i]);
	}
	fx_i32(b, 1);
	for (int i = 0; i < fixture_nsimple; i++)
		fx_bytes(b, NULL, -1);
}

/* list, set, map, tuple, UDT, nested */
static void
b_rows_nested(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0001);
	fx_i32(b, 6);
	fx_str(b, "ks1");
	fx_str(b, "nested");
	/* l list<int> */
	fx_str(b, "l");
	fx_u16(b, 0x0020);
	fx_u16(b, 0x0009);
	/* s set<text> */
	fx_str(b, "s");
	fx_u16(b, 0x0022);
	fx_u16(b, 0x000D);
	/* m map<text, frozen<list<bigint>>> */
	fx_str(b, "m");
	fx_u16(b, 0x0021);
	fx_u16(b, 0x000D);
	fx_u16(b, 0x0020);
	fx_u16(b, 0x0002);
	/* t tuple<int, text, map<int, boolean>> */
	fx_str(b, "t");
	fx_u16(b, 0x0031);
	fx_u16(b, 3);
	fx_u16(b, 0x0009);
	fx_u16(b, 0x000D);
	fx_u16(b, 0x0021);
	fx_u16(b, 0x0009);
	fx_u16(b, 0x0004);
	/* u ks1.address {street text, zip int, tags set<text>} */
	fx_str(b, "u");
	fx_u16(b, 0x0030);
	fx_str(b, "ks1");
	fx_str(b, "address");
	fx_u16(b, 3);
	fx_str(b, "street");
	fx_u16(b, 0x000D);
	fx_str(b, "zip");
	fx_u16(b, 0x0009);
	fx_str(b, "tags");
	fx_u16(b, 0x0022);
	fx_u16(b, 0x000D);
	/* lu list<frozen<ks1.pt {x double, y double}>> */
	fx_str(b, "lu");
	fx_u16(b, 0x0020);
	fx_u16(b, 0x0030);
	fx_str(b, "ks1");
	fx_str(b, "pt");
	fx_u16(b, 2);
	fx_str(b, "x");
	fx_u16(b, 0x0007);
	fx_str(b, "y");
	fx_u16(b, 0x0007);

	fx_i32(b, 1);
	/* l = [1, 2] (6.11: [int] n, n [bytes]) */
	fx_i32(b, 4 + 8 + 8);
	fx_i32(b, 2);
	fx_cell_i32(b, 1);
	fx_cell_i32(b, 2);
	for (int i = 1; i < 6; i++)
		fx_bytes(b, NULL, -1);
}

#define MARSHAL "org.apache.cassandra.db.marshal."

/* custom types carried by class name */
static void
b_rows_custom(fx *b)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0001);
	fx_i32(b, 5);
	fx_str(b, "ks1");
	fx_str(b, "custom");
	fx_str(b, "d");
	fx_u16(b, 0x0000);
	fx_str(b, MARSHAL "DurationType");
	fx_str(b, "v");
	fx_u16(b, 0x0000);
	fx_str(b, MARSHAL "VectorType(" MARSHAL "FloatType , 3)");
	fx_str(b, "x");
	fx_u16(b, 0x0000);
	fx_str(b, "com.example.cassandra.MyType");
	fx_str(b, "vv");
	fx_u16(b, 0x0000);
	fx_str(b, MARSHAL "VectorType(" MARSHAL "VectorType(" MARSHAL "Int32Type , 2) , 4)");
	fx_str(b, "lv");
	fx_u16(b, 0x0020);
	fx_u16(b, 0x0000);
	fx_str(b, MARSHAL "VectorType(" MARSHAL "DoubleType , 2)");
	fx_i32(b, 1);
	/* duration: vint months 1, days 2, nanos 3 (zigzag: 2, 4, 6) */
	fx_bytes(b, "\x02\x04\x06", 3);
	/* vector<float, 3> [1.0, 2.0, 3.0] */
	fx_bytes(b, "\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00", 12);
	fx_bytes(b, "\x00\x01", 2);
	fx_bytes(b, NULL, -1);
	fx_bytes(b, NULL, -1);
}

/* 4.2.5.4: <id><metadata><result_metadata>, metadata with <pk_count> */
static void
b_prepared(fx *b)
{
	fx_i32(b, 0x0004);
	fx_sbytes(b, "\x8a\x2c\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f", 16);
	fx_i32(b, 0x0001);			/* Global_tables_spec */
	fx_i32(b, 2);				/* two bind markers */
	fx_i32(b, 1);				/* <pk_count> */
	fx_u16(b, 0);				/* the partition key is marker 0 */
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "k");
	fx_u16(b, 0x0009);
	fx_str(b, "v");
	fx_u16(b, 0x000D);
	/* <result_metadata>: as in Rows */
	fx_i32(b, 0x0001);
	fx_i32(b, 1);
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "v");
	fx_u16(b, 0x000D);
}

/* an INSERT: no result metadata (No_metadata, 0 columns) */
static void
b_prepared_no_result(fx *b)
{
	fx_i32(b, 0x0004);
	fx_sbytes(b, "\x01\x02\x03\x04", 4);
	fx_i32(b, 0x0000);
	fx_i32(b, 1);
	fx_i32(b, 0);				/* no partition key markers */
	fx_str(b, "ks1");
	fx_str(b, "t1");
	fx_str(b, "k");
	fx_u16(b, 0x0002);
	fx_i32(b, 0x0004);
	fx_i32(b, 0);
}

/* 4.2.6 EVENT */
static void
b_event_status(fx *b)
{
	fx_str(b, "STATUS_CHANGE");
	fx_str(b, "UP");
	fx_u8(b, 4);				/* [inet]: size, address, [int] port */
	fx_raw(b, "\x7f\x00\x00\x01", 4);
	fx_i32(b, 9042);
}

static void
b_event_topology(fx *b)
{
	fx_str(b, "TOPOLOGY_CHANGE");
	fx_str(b, "NEW_NODE");
	fx_u8(b, 16);
	fx_raw(b, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
	fx_i32(b, 9043);
}

static void
b_event_schema_table(fx *b)
{
	fx_str(b, "SCHEMA_CHANGE");
	fx_str(b, "CREATED");
	fx_str(b, "TABLE");
	fx_str(b, "ks1");
	fx_str(b, "t1");
}

static void
b_event_schema_function(fx *b)
{
	fx_str(b, "SCHEMA_CHANGE");
	fx_str(b, "DROPPED");
	fx_str(b, "FUNCTION");
	fx_str(b, "ks1");
	fx_str(b, "myfn");
	fx_strlist(b, 2, "int", "text");
}

/* 2.2: tracing id, then warnings, then custom payload, then the body */
static const uint8_t tracing_id[16] = {
	0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x11, 0xee,
	0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
};

static void
b_flags_all(fx *b)
{
	fx_raw(b, tracing_id, 16);
	fx_strlist(b, 2, "w1", "Aggregation query used without partition key");
	fx_u16(b, 2);				/* [bytes map] */
	fx_str(b, "k1");
	fx_bytes(b, "v1", 2);
	fx_str(b, "k2");
	fx_bytes(b, NULL, -1);
	fx_i32(b, 0x0001);			/* Void */
}

static void
b_flags_tracing(fx *b)
{
	fx_raw(b, tracing_id, 16);
	fx_i32(b, 0x0003);
	fx_str(b, "ks1");
}

static void
b_flags_warning(fx *b)
{
	fx_strlist(b, 1, "Read 100 live rows and 5000 tombstone cells");
	b_rows_global(b);
}

static void
b_flags_payload(fx *b)
{
	fx_u16(b, 1);
	fx_str(b, "key");
	fx_bytes(b, "\x00\xff", 2);
	fx_i32(b, 0x0001);
}

const fixture fixtures[] = {
	{"ready", OP_READY, 0, b_ready, true, true},
	{"authenticate", OP_AUTHENTICATE, 0, b_authenticate, true, true},
	{"supported", OP_SUPPORTED, 0, b_supported, true, true},
	{"auth_challenge", OP_AUTH_CHALLENGE, 0, b_auth_challenge, true, true},
	{"auth_success", OP_AUTH_SUCCESS, 0, b_auth_success, true, true},
	{"error_unavailable", OP_ERROR, 0, b_error_unavailable, true, true},
	{"error_write_timeout", OP_ERROR, 0, b_error_write_timeout, true, true},
	{"error_read_timeout", OP_ERROR, 0, b_error_read_timeout, true, true},
	{"error_read_failure", OP_ERROR, 0, b_error_read_failure, true, true},
	{"error_write_failure", OP_ERROR, 0, b_error_write_failure, true, true},
	/* the trailing <arg_types> and Unprepared id are not needed */
	{"error_function_failure", OP_ERROR, 0, b_error_function_failure, true, false},
	{"error_already_exists", OP_ERROR, 0, b_error_already_exists, true, true},
	{"error_already_exists_ks", OP_ERROR, 0, b_error_already_exists_ks, true, true},
	{"error_unprepared", OP_ERROR, 0, b_error_unprepared, true, false},
	{"error_syntax", OP_ERROR, 0, b_error_syntax, true, true},
	{"error_invalid", OP_ERROR, 0, b_error_invalid, true, true},
	{"error_bad_credentials", OP_ERROR, 0, b_error_bad_credentials, true, true},
	{"result_void", OP_RESULT, 0, b_result_void, true, true},
	{"result_set_keyspace", OP_RESULT, 0, b_result_set_keyspace, true, true},
	{"schema_keyspace", OP_RESULT, 0, b_schema_keyspace, true, true},
	{"schema_table", OP_RESULT, 0, b_schema_table, true, true},
	{"schema_function", OP_RESULT, 0, b_schema_function, true, true},
	{"rows_global", OP_RESULT, 0, b_rows_global, true, true},
	{"rows_no_global", OP_RESULT, 0, b_rows_no_global, true, true},
	{"rows_paging", OP_RESULT, 0, b_rows_paging, true, true},
	{"rows_no_metadata", OP_RESULT, 0, b_rows_no_metadata, true, true},
	{"rows_no_metadata_empty", OP_RESULT, 0, b_rows_no_metadata_empty, true, true},
	{"rows_no_metadata_paging", OP_RESULT, 0, b_rows_no_metadata_paging, true, true},
	{"rows_all_types", OP_RESULT, 0, b_rows_all_types, true, true},
	{"rows_nested", OP_RESULT, 0, b_rows_nested, true, true},
	{"rows_custom", OP_RESULT, 0, b_rows_custom, true, true},
	{"prepared", OP_RESULT, 0, b_prepared, true, true},
	{"prepared_no_result", OP_RESULT, 0, b_prepared_no_result, true, true},
	{"event_status", OP_EVENT, 0, b_event_status, true, true},
	{"event_topology", OP_EVENT, 0, b_event_topology, true, true},
	{"event_schema_table", OP_EVENT, 0, b_event_schema_table, true, true},
	{"event_schema_function", OP_EVENT, 0, b_event_schema_function, true, true},
	{"flags_all", OP_RESULT, 0x02 | 0x04 | 0x08, b_flags_all, true, true},
	{"flags_tracing", OP_RESULT, 0x02, b_flags_tracing, true, true},
	{"flags_warning", OP_RESULT, 0x08, b_flags_warning, true, true},
	{"flags_payload", OP_RESULT, 0x04, b_flags_payload, true, true},
};
const int	nfixtures = sizeof(fixtures) / sizeof(fixtures[0]);

const fixture *
fixture_find(const char *name)
{
	for (int i = 0; i < nfixtures; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	fprintf(stderr, "fixture: no fixture \"%s\"\n", name);
	abort();
}

void
fixture_rows_nested_lists(fx *b, int depth)
{
	fx_i32(b, 0x0002);
	fx_i32(b, 0x0001);
	fx_i32(b, 1);
	fx_str(b, "ks1");
	fx_str(b, "deep");
	fx_str(b, "c");
	for (int i = 0; i < depth; i++)
		fx_u16(b, 0x0020);
	fx_u16(b, 0x0009);
	fx_i32(b, 0);
}
