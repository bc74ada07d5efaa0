/*-------------------------------------------------------------------------
 *
 * test_response.c
 *		  frame.c response decoding (cql__response_decode) and the public
 *		  result accessors, from fixtures written from the v4 spec, and
 *		  corrupt input: truncations, bad counts and lengths.
 *
 * Bodies are exactly sized malloc'd copies, as the framer hands them over.
 *
 * IDENTIFICATION
 *		  test/unit/test_response.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "fixture.h"
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>

#define MARSHAL "org.apache.cassandra.db.marshal."

/* decode a copy of p[0..n); on failure the copy is freed here */
static int
decode_raw(cql_response *resp, uint8_t opcode, uint8_t flags,
		   const uint8_t *p, size_t n, cql_error *err)
{
	cql_frame_header h;
	uint8_t    *body = fx_dup(p, n);
	int			rc;

	h.version = 0x84;
	h.flags = flags;
	h.stream = 0;
	h.opcode = opcode;
	h.length = (uint32_t) n;
	cql_error_clear(err);
	rc = cql__response_decode(resp, &h, body, err);
	if (rc != CQL_OK)
		free(body);
	return rc;
}

static int
decode_fx(cql_response *resp, uint8_t opcode, uint8_t flags, const fx *body,
		  cql_error *err)
{
	return decode_raw(resp, opcode, flags, body->data, body->len, err);
}

static int
decode_fixture(cql_response *resp, const char *name, cql_error *err)
{
	const fixture *f = fixture_find(name);
	fx			body;
	int			rc;

	fx_init(&body);
	f->build(&body);
	rc = decode_fx(resp, f->opcode, f->flags, &body, err);
	fx_free(&body);
	return rc;
}

/* decode a fixture that must decode; REQUIRE-style: returns from the test */
#define DECODE_OK(resp, name) \
	do { \
		cql_error _e; \
		int _rc = decode_fixture(&(resp), name, &_e); \
		if (_rc != CQL_OK) \
		{ \
			test_fail(__FILE__, __LINE__, "fixture %s: rc %d (%s)", name, _rc, _e.message); \
			return; \
		} \
	} while (0)

#define CHECK_SLICE(s, lit) \
	do { \
		cql_slice _s = (s); \
		if (_s.len < 0) \
			test_fail(__FILE__, __LINE__, "%s is null (%d), expected %zu bytes", #s, _s.len, sizeof(lit) - 1); \
		else \
			CHECK_MEM(_s.data, (size_t) _s.len, lit, sizeof(lit) - 1); \
	} while (0)

#define CHECK_NULL_CELL(s) CHECK_INT((s).len, CQL_NULL)

/* ---------- non-RESULT responses ---------- */

TEST(resp_ready)
{
	cql_response r;

	DECODE_OK(r, "ready");
	CHECK_UINT(r.header.opcode, CQL_OP_READY);
	CHECK(r.error == NULL);
	CHECK(!r.has_tracing_id);
	CHECK_INT(r.nwarnings, 0);
	cql__response_free(&r);
}

TEST(resp_authenticate)
{
	cql_response r;

	DECODE_OK(r, "authenticate");
	CHECK_STR(r.authenticator, "org.apache.cassandra.auth.PasswordAuthenticator");
	cql__response_free(&r);
}

TEST(resp_supported)
{
	cql_response r;
	const cql_string_multimap_entry *e;

	DECODE_OK(r, "supported");
	CHECK_INT(r.nsupported, 2);
	e = cql__supported_find(&r, "COMPRESSION");
	REQUIRE(e != NULL);
	CHECK_INT(e->nvalues, 2);
	if (e->nvalues == 2)
	{
		CHECK_STR(e->values[0], "snappy");
		CHECK_STR(e->values[1], "lz4");
	}
	e = cql__supported_find(&r, "CQL_VERSION");
	REQUIRE(e != NULL);
	CHECK_INT(e->nvalues, 1);
	CHECK_STR(e->values[0], "3.4.5");
	CHECK(cql__supported_find(&r, "PROTOCOL_VERSIONS") == NULL);
	cql__response_free(&r);
}

TEST(resp_supported_empty)
{
	cql_response r;
	cql_error	err;

	/* an empty multimap, and a key with an empty list */
	REQUIRE(decode_raw(&r, CQL_OP_SUPPORTED, 0, (const uint8_t *) "\x00\x00", 2, &err) == CQL_OK);
	CHECK_INT(r.nsupported, 0);
	CHECK(cql__supported_find(&r, "COMPRESSION") == NULL);
	cql__response_free(&r);
	REQUIRE(decode_raw(&r, CQL_OP_SUPPORTED, 0,
					   (const uint8_t *) "\x00\x01\x00\x01" "K" "\x00\x00", 7, &err) == CQL_OK);
	REQUIRE(cql__supported_find(&r, "K") != NULL);
	CHECK_INT(cql__supported_find(&r, "K")->nvalues, 0);
	cql__response_free(&r);
}

TEST(resp_auth_tokens)
{
	cql_response r;
	cql_error	err;

	DECODE_OK(r, "auth_challenge");
	CHECK_UINT(r.header.opcode, CQL_OP_AUTH_CHALLENGE);
	CHECK_SLICE(r.token, "\x01\x02\x03");
	cql__response_free(&r);

	DECODE_OK(r, "auth_success");
	CHECK_UINT(r.header.opcode, CQL_OP_AUTH_SUCCESS);
	CHECK_INT(r.token.len, CQL_NULL);
	cql__response_free(&r);

	/* an empty token is not null */
	REQUIRE(decode_raw(&r, CQL_OP_AUTH_SUCCESS, 0, (const uint8_t *) "\x00\x00\x00\x00", 4, &err) == CQL_OK);
	CHECK_INT(r.token.len, 0);
	cql__response_free(&r);
}

/* ---------- ERROR ---------- */

TEST(resp_error_unavailable)
{
	cql_response r;

	DECODE_OK(r, "error_unavailable");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->code, CQL_ESERVER);
	CHECK_INT(r.error->server_code, CQL_UNAVAILABLE);
	CHECK_STR(r.error->message, "Cannot achieve consistency level QUORUM");
	CHECK_INT(r.error->consistency, CQL_CONSISTENCY_QUORUM);
	CHECK_INT(r.error->required, 3);
	CHECK_INT(r.error->alive, 1);
	cql__response_free(&r);
}

TEST(resp_error_write_timeout)
{
	cql_response r;

	DECODE_OK(r, "error_write_timeout");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_WRITE_TIMEOUT);
	CHECK_INT(r.error->consistency, CQL_CONSISTENCY_LOCAL_QUORUM);
	CHECK_INT(r.error->received, 1);
	CHECK_INT(r.error->required, 2);
	CHECK_STR(r.error->write_type, "BATCH_LOG");
	cql__response_free(&r);
}

TEST(resp_error_read_timeout)
{
	cql_response r;

	DECODE_OK(r, "error_read_timeout");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_READ_TIMEOUT);
	CHECK_INT(r.error->consistency, CQL_CONSISTENCY_QUORUM);
	CHECK_INT(r.error->received, 1);
	CHECK_INT(r.error->required, 2);
	CHECK(r.error->data_present);
	cql__response_free(&r);
}

TEST(resp_error_read_failure)
{
	cql_response r;

	DECODE_OK(r, "error_read_failure");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_READ_FAILURE);
	CHECK_INT(r.error->consistency, CQL_CONSISTENCY_ALL);
	CHECK_INT(r.error->received, 2);
	CHECK_INT(r.error->required, 3);
	CHECK_INT(r.error->num_failures, 1);
	CHECK(!r.error->data_present);
	cql__response_free(&r);
}

TEST(resp_error_write_failure)
{
	cql_response r;

	DECODE_OK(r, "error_write_failure");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_WRITE_FAILURE);
	CHECK_INT(r.error->consistency, CQL_CONSISTENCY_LOCAL_ONE);
	CHECK_INT(r.error->received, 0);
	CHECK_INT(r.error->required, 1);
	CHECK_INT(r.error->num_failures, 1);
	CHECK_STR(r.error->write_type, "SIMPLE");
	cql__response_free(&r);
}

TEST(resp_error_function_failure)
{
	cql_response r;

	DECODE_OK(r, "error_function_failure");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_FUNCTION_FAILURE);
	CHECK_STR(r.error->message, "execution of 'ks1.myfn[int, text]' failed");
	CHECK_STR(r.error->keyspace, "ks1");
	CHECK_STR(r.error->table, "myfn");
	cql__response_free(&r);
}

TEST(resp_error_already_exists)
{
	cql_response r;

	DECODE_OK(r, "error_already_exists");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_ALREADY_EXISTS);
	CHECK_STR(r.error->keyspace, "ks1");
	CHECK_STR(r.error->table, "t1");
	cql__response_free(&r);

	DECODE_OK(r, "error_already_exists_ks");
	REQUIRE(r.error != NULL);
	CHECK_STR(r.error->keyspace, "ks1");
	CHECK_STR(r.error->table, "");
	cql__response_free(&r);
}

TEST(resp_error_plain)
{
	cql_response r;

	DECODE_OK(r, "error_unprepared");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_UNPREPARED);
	CHECK_STR(r.error->message, "Prepared query with ID cafebabe not found");
	cql__response_free(&r);

	DECODE_OK(r, "error_syntax");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->code, CQL_ESERVER);
	CHECK_INT(r.error->server_code, CQL_SYNTAX_ERROR);
	CHECK_STR(r.error->message, "line 1:0 no viable alternative at input 'SELEC'");
	CHECK_INT(r.error->consistency, -1);
	cql__response_free(&r);

	DECODE_OK(r, "error_invalid");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_INVALID);
	CHECK_STR(r.error->message, "unconfigured table t9");
	cql__response_free(&r);

	DECODE_OK(r, "error_bad_credentials");
	REQUIRE(r.error != NULL);
	CHECK_INT(r.error->server_code, CQL_BAD_CREDENTIALS);
	cql__response_free(&r);
}

/* a message longer than cql_error.message is cut at a character boundary */
TEST(resp_error_long_message)
{
	cql_response r;
	cql_error	err;
	fx			b;
	char		msg[1101];

	/* "é" is 0xC3 0xA9: 550 of them */
	for (int i = 0; i < 1100; i += 2)
	{
		msg[i] = (char) 0xC3;
		msg[i + 1] = (char) 0xA9;
	}
	msg[1100] = '\0';
	fx_init(&b);
	fx_i32(&b, 0x2200);
	fx_str(&b, msg);
	fx_str(&b, "ignored");
	REQUIRE(decode_fx(&r, CQL_OP_ERROR, 0, &b, &err) == CQL_OK);
	REQUIRE(r.error != NULL);
	CHECK_UINT(strlen(r.error->message), 1022);
	CHECK_MEM(r.error->message, 1022, msg, 1022);
	cql__response_free(&r);
	fx_free(&b);

	/* a write type longer than its field */
	fx_init(&b);
	fx_i32(&b, 0x1100);
	fx_str(&b, "m");
	fx_u16(&b, 1);
	fx_i32(&b, 0);
	fx_i32(&b, 1);
	fx_str(&b, "A_VERY_LONG_WRITE_TYPE_NAME_THAT_DOES_NOT_FIT");
	REQUIRE(decode_fx(&r, CQL_OP_ERROR, 0, &b, &err) == CQL_OK);
	CHECK_STR(r.error->write_type, "A_VERY_LONG_WRITE_TYPE_NAME_THA");
	cql__response_free(&r);
	fx_free(&b);
}

/* ---------- RESULT: Void, Set_keyspace, Schema_change ---------- */

TEST(resp_result_void)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	cells[1];

	DECODE_OK(r, "result_void");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_VOID);
	CHECK_INT(cql_result_row_count(&r), 0);
	CHECK_INT(cql_result_column_count(&r), 0);
	CHECK(cql_result_column(&r, 0) == NULL);
	CHECK(!cql_result_has_more_pages(&r));
	CHECK_INT(cql_result_paging_state(&r).len, CQL_NULL);
	CHECK(cql_result_keyspace(&r) == NULL);
	CHECK(cql_result_schema_change(&r, NULL, NULL, NULL) == NULL);
	cql_result_rows(&r, &cur);
	CHECK_INT(cql_row_next(&cur, cells), 0);
	cql__response_free(&r);
}

TEST(resp_result_set_keyspace)
{
	cql_response r;

	DECODE_OK(r, "result_set_keyspace");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_SET_KEYSPACE);
	CHECK_STR(cql_result_keyspace(&r), "ks1");
	cql__response_free(&r);
}

TEST(resp_result_schema_change)
{
	cql_response r;
	const char *target = "x";
	const char *ks = "x";
	const char *name = "x";

	DECODE_OK(r, "schema_keyspace");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_SCHEMA_CHANGE);
	CHECK_STR(cql_result_schema_change(&r, &target, &ks, &name), "CREATED");
	CHECK_STR(target, "KEYSPACE");
	CHECK_STR(ks, "ks1");
	CHECK(name == NULL);
	cql__response_free(&r);

	DECODE_OK(r, "schema_table");
	CHECK_STR(cql_result_schema_change(&r, &target, &ks, &name), "UPDATED");
	CHECK_STR(target, "TABLE");
	CHECK_STR(ks, "ks1");
	CHECK_STR(name, "t1");
	cql__response_free(&r);

	DECODE_OK(r, "schema_function");
	CHECK_STR(cql_result_schema_change(&r, &target, &ks, &name), "CREATED");
	CHECK_STR(target, "FUNCTION");
	CHECK_STR(name, "myfn");
	cql__response_free(&r);
}

/* ---------- RESULT: Prepared; EVENT ---------- */

TEST(resp_result_prepared)
{
	cql_response r;
	cql_slice	id;

	DECODE_OK(r, "prepared");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_PREPARED);
	id = cql_result_prepared_id(&r);
	CHECK_SLICE(id, "\x8a\x2c\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f");
	REQUIRE(cql_result_bind_count(&r) == 2);
	CHECK_STR(cql_result_bind(&r, 0)->name, "k");
	CHECK_STR(cql_result_bind(&r, 0)->keyspace, "ks1");
	CHECK_INT(cql_result_bind(&r, 0)->type->id, CQL_TYPE_INT);
	CHECK_STR(cql_result_bind(&r, 1)->name, "v");
	CHECK_INT(cql_result_bind(&r, 1)->type->id, CQL_TYPE_VARCHAR);
	CHECK(cql_result_bind(&r, 2) == NULL);
	REQUIRE(cql_result_pk_count(&r) == 1);
	CHECK_INT(cql_result_pk_index(&r, 0), 0);
	CHECK_INT(cql_result_pk_index(&r, 1), -1);
	/* the result metadata, as for Rows */
	REQUIRE(cql_result_column_count(&r) == 1);
	CHECK_STR(cql_result_column(&r, 0)->name, "v");
	CHECK_INT(cql_result_column(&r, 0)->type->id, CQL_TYPE_VARCHAR);
	CHECK_INT(cql_result_row_count(&r), 0);
	cql__response_free(&r);

	DECODE_OK(r, "prepared_no_result");
	CHECK_SLICE(cql_result_prepared_id(&r), "\x01\x02\x03\x04");
	CHECK_INT(cql_result_bind_count(&r), 1);
	CHECK_STR(cql_result_bind(&r, 0)->table, "t1");
	CHECK_INT(cql_result_pk_count(&r), 0);
	CHECK_INT(cql_result_column_count(&r), 0);
	cql__response_free(&r);
}

/* a partition key index must name one of the bind markers */
TEST(resp_result_prepared_bad_pk_index)
{
	cql_response r;
	cql_error	err;
	fx			b;

	fx_init(&b);
	fixture_find("prepared")->build(&b);
	/* kind 4 + [short bytes] 18 + flags 4 + count 4 + pk_count 4 = 34 */
	REQUIRE(b.data[34] == 0 && b.data[35] == 0);
	b.data[35] = 2;
	CHECK_INT(decode_fx(&r, CQL_OP_RESULT, 0, &b, &err), CQL_EPROTO);
	/* more indexes than the body holds */
	b.data[35] = 0;
	b.data[33] = 0xFF;
	CHECK_INT(decode_fx(&r, CQL_OP_RESULT, 0, &b, &err), CQL_EPROTO);
	fx_free(&b);
}

TEST(resp_event)
{
	cql_response r;
	const char *target;
	const char *ks;
	const char *name;

	DECODE_OK(r, "event_status");
	CHECK_STR(r.event_type, "STATUS_CHANGE");
	CHECK_STR(r.event_change, "UP");
	CHECK_INT(r.event_addrlen, 4);
	CHECK_MEM(r.event_addr, 4, "\x7f\x00\x00\x01", 4);
	CHECK_INT(r.event_port, 9042);
	cql__response_free(&r);

	DECODE_OK(r, "event_topology");
	CHECK_STR(r.event_type, "TOPOLOGY_CHANGE");
	CHECK_STR(r.event_change, "NEW_NODE");
	CHECK_INT(r.event_addrlen, 16);
	CHECK_UINT(r.event_addr[15], 1);
	CHECK_INT(r.event_port, 9043);
	cql__response_free(&r);

	DECODE_OK(r, "event_schema_table");
	CHECK_STR(r.event_type, "SCHEMA_CHANGE");
	CHECK_STR(r.event_change, "CREATED");
	CHECK_STR(r.target, "TABLE");
	CHECK_STR(r.sc_keyspace, "ks1");
	CHECK_STR(r.sc_name, "t1");
	cql__response_free(&r);

	DECODE_OK(r, "event_schema_function");
	CHECK_STR(r.event_change, "DROPPED");
	CHECK_STR(r.target, "FUNCTION");
	CHECK_STR(r.sc_name, "myfn");
	REQUIRE(r.sc_nargs == 2);
	CHECK_STR(r.sc_args[1], "text");
	cql__response_free(&r);

	DECODE_OK(r, "schema_function");
	CHECK_STR(cql_result_schema_change(&r, &target, &ks, &name), "CREATED");
	CHECK_INT(r.sc_nargs, 2);
	cql__response_free(&r);
}

/* ---------- RESULT: Rows ---------- */

static void
check_column(const cql_response *r, int i, const char *ks, const char *table,
			 const char *name, int type_id, int line)
{
	const cql_column *c = cql_result_column(r, i);

	if (c == NULL)
	{
		test_fail(__FILE__, line, "column %d missing", i);
		return;
	}
	if (strcmp(c->keyspace, ks) != 0 || strcmp(c->table, table) != 0 ||
		strcmp(c->name, name) != 0 || c->type == NULL || c->type->id != type_id)
		test_fail(__FILE__, line, "column %d is %s.%s.%s type 0x%x, expected %s.%s.%s type 0x%x",
				  i, c->keyspace, c->table, c->name, c->type ? c->type->id : -1,
				  ks, table, name, type_id);
}

#define CHECK_COLUMN(r, i, ks, t, n, id) check_column(&(r), i, ks, t, n, id, __LINE__)

TEST(resp_rows_global)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	c[3];
	int32_t		i32;
	double		d;

	DECODE_OK(r, "rows_global");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_ROWS);
	CHECK_INT(cql_result_column_count(&r), 3);
	CHECK_INT(cql_result_row_count(&r), 3);
	CHECK(!cql_result_has_more_pages(&r));
	CHECK_INT(cql_result_paging_state(&r).len, CQL_NULL);
	CHECK_COLUMN(r, 0, "ks1", "t1", "id", CQL_TYPE_INT);
	CHECK_COLUMN(r, 1, "ks1", "t1", "name", CQL_TYPE_VARCHAR);
	CHECK_COLUMN(r, 2, "ks1", "t1", "score", CQL_TYPE_DOUBLE);
	CHECK(cql_result_column(&r, 3) == NULL);
	CHECK(cql_result_column(&r, -1) == NULL);

	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &i32), CQL_OK);
	CHECK_INT(i32, 1);
	CHECK_SLICE(c[1], "alice");
	CHECK_INT(cql_decode_double(c[2], &d), CQL_OK);
	CHECK(d == 1.5);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &i32), CQL_OK);
	CHECK_INT(i32, 2);
	CHECK_NULL_CELL(c[1]);
	CHECK(c[1].data == NULL);
	CHECK_INT(cql_decode_double(c[2], &d), CQL_OK);
	CHECK(d == -0.25);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &i32), CQL_OK);
	CHECK_INT(i32, 3);
	CHECK_INT(c[1].len, 0);		/* '' is not null */
	CHECK_NULL_CELL(c[2]);
	CHECK_INT(cql_row_next(&cur, c), 0);
	CHECK_INT(cql_row_next(&cur, c), 0);

	/* a second cursor starts over */
	cql_result_rows(&r, &cur);
	CHECK_INT(cql_row_next(&cur, c), 1);
	CHECK_INT(cql_decode_int(c[0], &i32), CQL_OK);
	CHECK_INT(i32, 1);
	cql__response_free(&r);
}

TEST(resp_rows_no_global)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	c[2];
	int64_t		i64;
	bool		b;

	DECODE_OK(r, "rows_no_global");
	CHECK_INT(cql_result_column_count(&r), 2);
	CHECK_COLUMN(r, 0, "ks1", "t1", "a", CQL_TYPE_BIGINT);
	CHECK_COLUMN(r, 1, "ks2", "t2", "b", CQL_TYPE_BOOLEAN);
	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_bigint(c[0], &i64), CQL_OK);
	CHECK_INT(i64, -2);
	CHECK_INT(cql_decode_boolean(c[1], &b), CQL_OK);
	CHECK(b);
	CHECK_INT(cql_row_next(&cur, c), 0);
	cql__response_free(&r);
}

TEST(resp_rows_paging)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	c[1];
	int32_t		v;

	DECODE_OK(r, "rows_paging");
	CHECK(cql_result_has_more_pages(&r));
	CHECK_SLICE(cql_result_paging_state(&r), "\xde\xad\xbe\xef\x00\x01");
	CHECK_COLUMN(r, 0, "ks1", "t1", "id", CQL_TYPE_INT);
	CHECK_INT(cql_result_row_count(&r), 1);
	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &v), CQL_OK);
	CHECK_INT(v, 7);
	cql__response_free(&r);
}

TEST(resp_rows_no_metadata)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	c[2];
	int32_t		v;

	DECODE_OK(r, "rows_no_metadata");
	CHECK_INT(cql_result_column_count(&r), 2);
	CHECK(cql_result_column(&r, 0) == NULL);
	CHECK_INT(cql_result_row_count(&r), 2);
	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_INT(cql_decode_int(c[0], &v), CQL_OK);
	CHECK_INT(v, 1);
	CHECK_SLICE(c[1], "hi");
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_NULL_CELL(c[0]);
	CHECK_INT(c[1].len, 0);
	CHECK_INT(cql_row_next(&cur, c), 0);
	cql__response_free(&r);

	DECODE_OK(r, "rows_no_metadata_paging");
	CHECK(cql_result_has_more_pages(&r));
	CHECK_SLICE(cql_result_paging_state(&r), "\x01\x02");
	CHECK_INT(cql_result_column_count(&r), 3);
	cql__response_free(&r);
}

/*
 * The last page of a skip_metadata query is often empty.  No_metadata has
 * no column specs, so the column count is not bounded by the bytes left:
 * 5 columns, 0 rows, 4 bytes after the count must decode.
 */
TEST(resp_rows_no_metadata_empty_page)
{
	cql_response r;
	cql_error	err;
	int			rc = decode_fixture(&r, "rows_no_metadata_empty", &err);

	if (rc != CQL_OK)
	{
		test_fail(__FILE__, __LINE__,
				  "an empty No_metadata page of 5 columns was rejected: rc %d (%s)",
				  rc, err.message);
		return;
	}
	CHECK_INT(cql_result_column_count(&r), 5);
	CHECK_INT(cql_result_row_count(&r), 0);
	cql__response_free(&r);
}

TEST(resp_rows_all_types)
{
	cql_response r;
	cql_row_cursor cur;
	cql_slice	c[32];

	DECODE_OK(r, "rows_all_types");
	REQUIRE(cql_result_column_count(&r) == fixture_nsimple);
	for (int i = 0; i < fixture_nsimple; i++)
	{
		const cql_column *col = cql_result_column(&r, i);
		char		name[8];

		snprintf(name, sizeof(name), "c%02x", fixture_simple_ids[i]);
		REQUIRE(col != NULL && col->type != NULL);
		CHECK_STR(col->name, name);
		CHECK_STR(col->table, "all_types");
		CHECK_INT(col->type->id, fixture_simple_ids[i]);
		CHECK_INT(col->type->nsub, 0);
		CHECK(col->type->custom_class == NULL);
	}
	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	for (int i = 0; i < fixture_nsimple; i++)
		CHECK_NULL_CELL(c[i]);
	CHECK_INT(cql_row_next(&cur, c), 0);
	cql__response_free(&r);
}

TEST(resp_rows_nested)
{
	cql_response r;
	const cql_type *t;
	cql_row_cursor cur;
	cql_slice	c[6];

	DECODE_OK(r, "rows_nested");
	REQUIRE(cql_result_column_count(&r) == 6);

	/* list<int> */
	t = cql_result_column(&r, 0)->type;
	CHECK_INT(t->id, CQL_TYPE_LIST);
	REQUIRE(t->nsub == 1);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_INT);
	/* set<text> */
	t = cql_result_column(&r, 1)->type;
	CHECK_INT(t->id, CQL_TYPE_SET);
	REQUIRE(t->nsub == 1);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_VARCHAR);
	/* map<text, list<bigint>> */
	t = cql_result_column(&r, 2)->type;
	CHECK_INT(t->id, CQL_TYPE_MAP);
	REQUIRE(t->nsub == 2);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_VARCHAR);
	CHECK_INT(t->sub[1]->id, CQL_TYPE_LIST);
	REQUIRE(t->sub[1]->nsub == 1);
	CHECK_INT(t->sub[1]->sub[0]->id, CQL_TYPE_BIGINT);
	/* tuple<int, text, map<int, boolean>> */
	t = cql_result_column(&r, 3)->type;
	CHECK_INT(t->id, CQL_TYPE_TUPLE);
	REQUIRE(t->nsub == 3);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_INT);
	CHECK_INT(t->sub[1]->id, CQL_TYPE_VARCHAR);
	CHECK_INT(t->sub[2]->id, CQL_TYPE_MAP);
	REQUIRE(t->sub[2]->nsub == 2);
	CHECK_INT(t->sub[2]->sub[0]->id, CQL_TYPE_INT);
	CHECK_INT(t->sub[2]->sub[1]->id, CQL_TYPE_BOOLEAN);
	CHECK(t->field_names == NULL);
	/* ks1.address {street text, zip int, tags set<text>} */
	t = cql_result_column(&r, 4)->type;
	CHECK_INT(t->id, CQL_TYPE_UDT);
	CHECK_STR(t->keyspace, "ks1");
	CHECK_STR(t->name, "address");
	REQUIRE(t->nsub == 3 && t->field_names != NULL);
	CHECK_STR(t->field_names[0], "street");
	CHECK_STR(t->field_names[1], "zip");
	CHECK_STR(t->field_names[2], "tags");
	CHECK_INT(t->sub[0]->id, CQL_TYPE_VARCHAR);
	CHECK_INT(t->sub[1]->id, CQL_TYPE_INT);
	CHECK_INT(t->sub[2]->id, CQL_TYPE_SET);
	CHECK_INT(t->sub[2]->sub[0]->id, CQL_TYPE_VARCHAR);
	/* list<frozen<ks1.pt>> */
	t = cql_result_column(&r, 5)->type;
	CHECK_INT(t->id, CQL_TYPE_LIST);
	REQUIRE(t->nsub == 1);
	t = t->sub[0];
	CHECK_INT(t->id, CQL_TYPE_UDT);
	CHECK_STR(t->name, "pt");
	REQUIRE(t->nsub == 2);
	CHECK_STR(t->field_names[1], "y");
	CHECK_INT(t->sub[1]->id, CQL_TYPE_DOUBLE);

	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	/* list<int> [1, 2]: [int] 2, then two [bytes] */
	CHECK_SLICE(c[0], "\x00\x00\x00\x02" "\x00\x00\x00\x04\x00\x00\x00\x01"
				"\x00\x00\x00\x04\x00\x00\x00\x02");
	for (int i = 1; i < 6; i++)
		CHECK_NULL_CELL(c[i]);
	cql__response_free(&r);
}

TEST(resp_rows_custom)
{
	cql_response r;
	const cql_type *t;
	cql_row_cursor cur;
	cql_slice	c[5];
	float		f;

	DECODE_OK(r, "rows_custom");
	REQUIRE(cql_result_column_count(&r) == 5);

	t = cql_result_column(&r, 0)->type;
	CHECK_INT(t->id, CQL_TYPE_DURATION);
	CHECK_STR(t->custom_class, MARSHAL "DurationType");

	t = cql_result_column(&r, 1)->type;
	CHECK_INT(t->id, CQL_TYPE_VECTOR);
	CHECK_INT(t->dimension, 3);
	REQUIRE(t->nsub == 1 && t->sub[0] != NULL);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_FLOAT);
	CHECK_STR(t->custom_class, MARSHAL "VectorType(" MARSHAL "FloatType , 3)");

	t = cql_result_column(&r, 2)->type;
	CHECK_INT(t->id, CQL_TYPE_CUSTOM);
	CHECK_STR(t->custom_class, "com.example.cassandra.MyType");

	/* vector<vector<int, 2>, 4> */
	t = cql_result_column(&r, 3)->type;
	CHECK_INT(t->id, CQL_TYPE_VECTOR);
	CHECK_INT(t->dimension, 4);
	REQUIRE(t->nsub == 1);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_VECTOR);
	CHECK_INT(t->sub[0]->dimension, 2);
	REQUIRE(t->sub[0]->nsub == 1);
	CHECK_INT(t->sub[0]->sub[0]->id, CQL_TYPE_INT);

	/* list<vector<double, 2>> */
	t = cql_result_column(&r, 4)->type;
	CHECK_INT(t->id, CQL_TYPE_LIST);
	REQUIRE(t->nsub == 1);
	CHECK_INT(t->sub[0]->id, CQL_TYPE_VECTOR);
	CHECK_INT(t->sub[0]->dimension, 2);
	CHECK_INT(t->sub[0]->sub[0]->id, CQL_TYPE_DOUBLE);

	cql_result_rows(&r, &cur);
	REQUIRE(cql_row_next(&cur, c) == 1);
	CHECK_SLICE(c[0], "\x02\x04\x06");
	REQUIRE(c[1].len == 12);
	CHECK_INT(cql_decode_float((cql_slice) {c[1].data + 8, 4}, &f), CQL_OK);
	CHECK(f == 3.0f);
	CHECK_SLICE(c[2], "\x00\x01");
	cql__response_free(&r);
}

/* a custom class body, decoded as the type of a one-column Rows result */
static int
decode_custom_class(const char *cls, cql_response *r, cql_error *err)
{
	fx			b;
	int			rc;

	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 1);
	fx_i32(&b, 1);
	fx_str(&b, "k");
	fx_str(&b, "t");
	fx_str(&b, "c");
	fx_u16(&b, 0);
	fx_str(&b, cls);
	fx_i32(&b, 0);
	rc = decode_fx(r, CQL_OP_RESULT, 0, &b, err);
	fx_free(&b);
	return rc;
}

TEST(resp_custom_class_forms)
{
	static const struct
	{
		const char *cls;
		int			id;
		int			dimension;
		int			sub_id;
	}			ok[] = {
		/* the class names of marshal types, with or without the package */
		{MARSHAL "DurationType", CQL_TYPE_DURATION, 0, -1},
		{"DurationType", CQL_TYPE_DURATION, 0, -1},
		{MARSHAL "VectorType(" MARSHAL "FloatType,3)", CQL_TYPE_VECTOR, 3, CQL_TYPE_FLOAT},
		{MARSHAL "VectorType(" MARSHAL "UTF8Type , 1024)", CQL_TYPE_VECTOR, 1024, CQL_TYPE_VARCHAR},
		{MARSHAL "VectorType(" MARSHAL "LongType , 2)", CQL_TYPE_VECTOR, 2, CQL_TYPE_BIGINT},
		{MARSHAL "VectorType(com.example.Foo , 2)", CQL_TYPE_VECTOR, 2, CQL_TYPE_CUSTOM},
		{MARSHAL "VectorType(" MARSHAL "ListType(" MARSHAL "Int32Type) , 5)", CQL_TYPE_VECTOR, 5, CQL_TYPE_LIST},
		{MARSHAL "VectorType(" MARSHAL "FrozenType(" MARSHAL "SetType(" MARSHAL "UTF8Type)) , 2)", CQL_TYPE_VECTOR, 2, CQL_TYPE_SET},
		{"com.example.Type", CQL_TYPE_CUSTOM, 0, -1},
		{"", CQL_TYPE_CUSTOM, 0, -1},
		{MARSHAL "VectorType", CQL_TYPE_CUSTOM, 0, -1},
	};
	static const char *const bad[] = {
		MARSHAL "VectorType(" MARSHAL "FloatType , 0)",
		MARSHAL "VectorType(" MARSHAL "FloatType , -3)",
		MARSHAL "VectorType(" MARSHAL "FloatType , x)",
		MARSHAL "VectorType(" MARSHAL "FloatType)",
		MARSHAL "VectorType(" MARSHAL "FloatType , )",
		MARSHAL "VectorType(" MARSHAL "FloatType , 99999999999)",
		MARSHAL "VectorType()",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
	{
		cql_response r;
		cql_error	err;
		const cql_type *t;

		if (decode_custom_class(ok[i].cls, &r, &err) != CQL_OK)
		{
			test_fail(__FILE__, __LINE__, "class \"%s\" rejected: %s", ok[i].cls, err.message);
			continue;
		}
		t = r.columns[0].type;
		if (t->id != ok[i].id || t->dimension != ok[i].dimension ||
			(ok[i].sub_id >= 0 && (t->nsub != 1 || t->sub[0]->id != ok[i].sub_id)) ||
			strcmp(t->custom_class, ok[i].cls) != 0)
			test_fail(__FILE__, __LINE__, "class \"%s\": id 0x%x dimension %d, expected 0x%x %d",
					  ok[i].cls, t->id, t->dimension, ok[i].id, ok[i].dimension);
		cql__response_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		cql_response r;
		cql_error	err;
		int			rc = decode_custom_class(bad[i], &r, &err);

		if (rc != CQL_EPROTO)
		{
			test_fail(__FILE__, __LINE__, "class \"%s\": rc %d, expected CQL_EPROTO", bad[i], rc);
			if (rc == CQL_OK)
				cql__response_free(&r);
		}
	}
}

/* collection classes inside a vector's element class, UserType included */
TEST(resp_custom_class_nested)
{
	cql_response r;
	cql_error	err;
	const cql_type *e;

	/* vector<frozen<map<text, tuple<int, frozen<address>>>>, 2> */
	REQUIRE(decode_custom_class(MARSHAL "VectorType(" MARSHAL "FrozenType(" MARSHAL "MapType("
								MARSHAL "UTF8Type," MARSHAL "TupleType(" MARSHAL "Int32Type,"
								MARSHAL "UserType(ks,61646472657373,"
								"737472656574:" MARSHAL "UTF8Type,"
								"5a697020436f6465:" MARSHAL "Int32Type)))) , 2)",
								&r, &err) == CQL_OK);
	e = r.columns[0].type->sub[0];
	CHECK_INT(e->id, CQL_TYPE_MAP);
	REQUIRE(e->nsub == 2);
	CHECK_INT(e->sub[0]->id, CQL_TYPE_VARCHAR);
	CHECK_INT(e->sub[1]->id, CQL_TYPE_TUPLE);
	REQUIRE(e->sub[1]->nsub == 2);
	CHECK_INT(e->sub[1]->sub[0]->id, CQL_TYPE_INT);
	e = e->sub[1]->sub[1];
	CHECK_INT(e->id, CQL_TYPE_UDT);
	CHECK_STR(e->keyspace, "ks");
	CHECK_STR(e->name, "address");
	REQUIRE(e->nsub == 2);
	CHECK_STR(e->field_names[0], "street");
	CHECK_STR(e->field_names[1], "Zip Code");
	CHECK_INT(e->sub[1]->id, CQL_TYPE_INT);
	cql__response_free(&r);

	/* malformed: a map of one parameter, a bad hex name, unbalanced parentheses */
	CHECK_INT(decode_custom_class(MARSHAL "VectorType(" MARSHAL "MapType(" MARSHAL "UTF8Type) , 2)",
								  &r, &err), CQL_EPROTO);
	CHECK_INT(decode_custom_class(MARSHAL "VectorType(" MARSHAL "UserType(ks,zz,"
								  "61:" MARSHAL "UTF8Type) , 2)", &r, &err), CQL_EPROTO);
	CHECK_INT(decode_custom_class(MARSHAL "VectorType(" MARSHAL "ListType(" MARSHAL "UTF8Type , 2)",
								  &r, &err), CQL_EPROTO);
}

/* list<list<...<int>...>>: 64 levels of nesting are accepted, 65 are not */
TEST(resp_type_depth)
{
	int			depths[] = {1, 10, CQL_MAX_TYPE_DEPTH, CQL_MAX_TYPE_DEPTH + 1, 200, 20000};

	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++)
	{
		cql_response r;
		cql_error	err;
		fx			b;
		int			rc;

		fx_init(&b);
		fixture_rows_nested_lists(&b, depths[i]);
		rc = decode_fx(&r, CQL_OP_RESULT, 0, &b, &err);
		if (depths[i] <= CQL_MAX_TYPE_DEPTH)
		{
			if (rc != CQL_OK)
				test_fail(__FILE__, __LINE__, "depth %d rejected: %s", depths[i], err.message);
			else
			{
				const cql_type *t = r.columns[0].type;
				int			n = 0;

				while (t->id == CQL_TYPE_LIST)
				{
					t = t->sub[0];
					n++;
				}
				CHECK_INT(n, depths[i]);
				CHECK_INT(t->id, CQL_TYPE_INT);
				cql__response_free(&r);
			}
		}
		else
		{
			if (rc != CQL_EPROTO)
				test_fail(__FILE__, __LINE__, "depth %d: rc %d, expected CQL_EPROTO", depths[i], rc);
			else
				CHECK_CONTAINS(err.message, "nested");
			if (rc == CQL_OK)
				cql__response_free(&r);
		}
		fx_free(&b);
	}

	/* the same through nested custom vector classes */
	{
		fx			cls;
		cql_response r;
		cql_error	err;
		int			rc;

		fx_init(&cls);
		for (int i = 0; i < 100; i++)
			fx_raw(&cls, "VectorType(", 11);
		fx_raw(&cls, "FloatType", 9);
		for (int i = 0; i < 100; i++)
			fx_raw(&cls, ",2)", 3);
		fx_u8(&cls, 0);
		rc = decode_custom_class((const char *) cls.data, &r, &err);
		CHECK_INT(rc, CQL_EPROTO);
		if (rc == CQL_OK)
			cql__response_free(&r);
		fx_free(&cls);
	}
}

/* ---------- frame flags: tracing, warnings, custom payload ---------- */

TEST(resp_flags)
{
	cql_response r;
	static const uint8_t id[16] = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x11, 0xee,
		0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
	};

	DECODE_OK(r, "flags_all");
	CHECK(r.has_tracing_id);
	CHECK_MEM(r.tracing_id, 16, id, 16);
	REQUIRE(r.nwarnings == 2);
	CHECK_STR(r.warnings[0], "w1");
	CHECK_STR(r.warnings[1], "Aggregation query used without partition key");
	REQUIRE(r.npayload == 2);
	CHECK_STR(r.payload_keys[0], "k1");
	CHECK_SLICE(r.payload_values[0], "v1");
	CHECK_STR(r.payload_keys[1], "k2");
	CHECK_INT(r.payload_values[1].len, CQL_NULL);
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_VOID);
	cql__response_free(&r);

	DECODE_OK(r, "flags_tracing");
	CHECK(r.has_tracing_id);
	CHECK_MEM(r.tracing_id, 16, id, 16);
	CHECK_INT(r.nwarnings, 0);
	CHECK_STR(cql_result_keyspace(&r), "ks1");
	cql__response_free(&r);

	DECODE_OK(r, "flags_warning");
	CHECK(!r.has_tracing_id);
	REQUIRE(r.nwarnings == 1);
	CHECK_STR(r.warnings[0], "Read 100 live rows and 5000 tombstone cells");
	CHECK_INT(cql_result_row_count(&r), 3);
	cql__response_free(&r);

	DECODE_OK(r, "flags_payload");
	REQUIRE(r.npayload == 1);
	CHECK_STR(r.payload_keys[0], "key");
	CHECK_SLICE(r.payload_values[0], "\x00\xff");
	CHECK_INT(cql_result_kind(&r), CQL_RESULT_VOID);
	cql__response_free(&r);
}

/* ---------- corrupt input ---------- */

/* Every fixture decodes; those that need every byte fail on every prefix. */
TEST(resp_every_truncation)
{
	for (int i = 0; i < nfixtures; i++)
	{
		const fixture *f = &fixtures[i];
		fx			b;
		cql_response r;
		cql_error	err;
		int			rc;

		fx_init(&b);
		f->build(&b);
		rc = decode_fx(&r, f->opcode, f->flags, &b, &err);
		if (rc == CQL_OK)
			cql__response_free(&r);
		else if (f->decodes && strcmp(f->name, "rows_no_metadata_empty") != 0)
			test_fail(__FILE__, __LINE__, "fixture %s: rc %d (%s)", f->name, rc, err.message);

		for (size_t len = 0; len < b.len; len++)
		{
			rc = decode_raw(&r, f->opcode, f->flags, b.data, len, &err);
			if (rc == CQL_OK)
			{
				cql__response_free(&r);
				if (f->every_byte)
					test_fail(__FILE__, __LINE__, "fixture %s cut to %zu of %zu bytes decoded",
							  f->name, len, b.len);
			}
			else if (rc != CQL_EPROTO)
				test_fail(__FILE__, __LINE__, "fixture %s cut to %zu bytes: rc %d, expected CQL_EPROTO",
						  f->name, len, rc);
			else if (err.message[0] == '\0' || err.code != CQL_EPROTO)
				test_fail(__FILE__, __LINE__, "fixture %s cut to %zu bytes: no error message",
						  f->name, len);
		}
		fx_free(&b);
	}
}

/* the rows_global body with the [int] at offset 'at' replaced */
static int
decode_rows_patched(size_t at, int32_t v, cql_error *err)
{
	fx			b;
	cql_response r;
	int			rc;

	fx_init(&b);
	fixture_find("rows_global")->build(&b);
	b.data[at] = (uint8_t) ((uint32_t) v >> 24);
	b.data[at + 1] = (uint8_t) ((uint32_t) v >> 16);
	b.data[at + 2] = (uint8_t) ((uint32_t) v >> 8);
	b.data[at + 3] = (uint8_t) v;
	rc = decode_fx(&r, CQL_OP_RESULT, 0, &b, err);
	if (rc == CQL_OK)
		cql__response_free(&r);
	fx_free(&b);
	return rc;
}

TEST(resp_bad_counts)
{
	cql_error	err;
	/* rows_global: kind @0, flags @4, columns_count @8, ... rows_count @44,
	 * first cell length @48 */
	static const int32_t bad_ncols[] = {-1, INT32_MIN, 4, 1000, INT32_MAX};
	static const int32_t bad_nrows[] = {-1, INT32_MIN, 4, 5, 1000, INT32_MAX};
	static const int32_t bad_cell[] = {5, 1000, INT32_MAX};

	CHECK_INT(decode_rows_patched(44, 3, &err), CQL_OK);
	for (size_t i = 0; i < sizeof(bad_ncols) / sizeof(bad_ncols[0]); i++)
		if (decode_rows_patched(8, bad_ncols[i], &err) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "columns_count %d accepted", bad_ncols[i]);
	for (size_t i = 0; i < sizeof(bad_nrows) / sizeof(bad_nrows[0]); i++)
		if (decode_rows_patched(44, bad_nrows[i], &err) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "rows_count %d accepted", bad_nrows[i]);
	for (size_t i = 0; i < sizeof(bad_cell) / sizeof(bad_cell[0]); i++)
		if (decode_rows_patched(48, bad_cell[i], &err) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "cell length %d accepted", bad_cell[i]);
	/* a result kind that does not exist */
	for (int32_t kind = -1; kind <= 8; kind++)
		if ((kind < 1 || kind > 5) && decode_rows_patched(0, kind, &err) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "RESULT kind %d accepted", kind);
}

/* a row count that does not match the rows in the body */
TEST(resp_row_count_inconsistent)
{
	cql_error	err;
	cql_response r;
	fx			b;
	cql_row_cursor cur;
	cql_slice	c[3];
	int			n = 0;

	/* 3 rows present; claiming 4 overruns */
	CHECK_INT(decode_rows_patched(44, 4, &err), CQL_EPROTO);
	CHECK_CONTAINS(err.message, "row");
	/* claiming 2: the rest is trailing data (section 1: ignorable) */
	fx_init(&b);
	fixture_find("rows_global")->build(&b);
	b.data[47] = 2;
	REQUIRE(decode_fx(&r, CQL_OP_RESULT, 0, &b, &err) == CQL_OK);
	CHECK_INT(cql_result_row_count(&r), 2);
	cql_result_rows(&r, &cur);
	while (cql_row_next(&cur, c))
		n++;
	CHECK_INT(n, 2);
	cql__response_free(&r);
	fx_free(&b);

	/* rows with no columns */
	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 0x0004);
	fx_i32(&b, 0);
	fx_i32(&b, 1000000);
	CHECK_INT(decode_fx(&r, CQL_OP_RESULT, 0, &b, &err), CQL_EPROTO);
	fx_free(&b);
	fx_init(&b);
	fx_i32(&b, 2);
	fx_i32(&b, 0x0004);
	fx_i32(&b, 0);
	fx_i32(&b, 0);
	REQUIRE(decode_fx(&r, CQL_OP_RESULT, 0, &b, &err) == CQL_OK);
	CHECK_INT(cql_result_row_count(&r), 0);
	cql__response_free(&r);
	fx_free(&b);
}

/* counts and lengths that claim more than the body holds */
TEST(resp_oversized_lengths)
{
	static const struct
	{
		uint8_t		opcode;
		uint8_t		flags;
		const char *body;
		size_t		n;
	}			cases[] = {
		/* SUPPORTED with 65535 entries */
		{CQL_OP_SUPPORTED, 0, "\xff\xff\x00\x01" "K\x00\x00", 7},
		/* a value list of 65535 strings */
		{CQL_OP_SUPPORTED, 0, "\x00\x01\x00\x01" "K\xff\xff\x00\x00", 9},
		/* AUTHENTICATE [string] of 65535 */
		{CQL_OP_AUTHENTICATE, 0, "\xff\xff" "abc", 5},
		/* [bytes] token of 2^31-1 */
		{CQL_OP_AUTH_CHALLENGE, 0, "\x7f\xff\xff\xff" "abc", 7},
		/* 65535 warnings */
		{CQL_OP_READY, 0x08, "\xff\xff\x00\x00", 4},
		/* custom payload of 65535 entries, and a value too long */
		{CQL_OP_READY, 0x04, "\xff\xff\x00\x01" "k\x00\x00\x00\x00", 9},
		{CQL_OP_READY, 0x04, "\x00\x01\x00\x01" "k\x00\x00\x01\x00", 9},
		/* tracing id cut short */
		{CQL_OP_READY, 0x02, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 15},
		/* ERROR message longer than the body */
		{CQL_OP_ERROR, 0, "\x00\x00\x22\x00\x10\x00" "short", 11},
		/* Set_keyspace name longer than the body */
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x03\x00\x09" "ks", 8},
		/* paging state of 2^31-1 */
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x02\x00\x00\x00\x06\x00\x00\x00\x01\x7f\xff\xff\xff\x00\x00\x00\x00", 20},
		/* tuple of 65535 types */
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x01"
			"\x00\x01k\x00\x01t\x00\x01" "c\x00\x31\xff\xff\x00\x09\x00\x00\x00\x00", 31},
		/* UDT of 65535 fields */
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x01"
			"\x00\x01k\x00\x01t\x00\x01" "c\x00\x30\x00\x01k\x00\x01u\xff\xff\x00\x01" "f\x00\x09\x00\x00\x00\x00", 40},
		/* an unknown type id */
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x01"
			"\x00\x01k\x00\x01t\x00\x01" "c\x00\x0a\x00\x00\x00\x00", 27},
		{CQL_OP_RESULT, 0, "\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x01"
			"\x00\x01k\x00\x01t\x00\x01" "c\xff\xff\x00\x00\x00\x00", 27},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		cql_response r;
		cql_error	err;
		int			rc = decode_raw(&r, cases[i].opcode, cases[i].flags,
									(const uint8_t *) cases[i].body, cases[i].n, &err);

		if (rc != CQL_EPROTO)
		{
			test_fail(__FILE__, __LINE__, "case %zu: rc %d, expected CQL_EPROTO", i, rc);
			if (rc == CQL_OK)
				cql__response_free(&r);
		}
	}
}

TEST(resp_bad_opcode_and_flags)
{
	cql_response r;
	cql_error	err;
	static const uint8_t request_ops[] = {0x01, 0x04, 0x05, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0F, 0x11, 0xFF};

	for (size_t i = 0; i < sizeof(request_ops); i++)
		if (decode_raw(&r, request_ops[i], 0, (const uint8_t *) "", 0, &err) != CQL_EPROTO)
			test_fail(__FILE__, __LINE__, "opcode 0x%02x accepted in a response", request_ops[i]);
	/* a compressed body on a connection that negotiated no compression */
	CHECK_INT(decode_raw(&r, CQL_OP_RESULT, 0x01, (const uint8_t *) "\x00\x00\x00\x01", 4, &err), CQL_EPROTO);
	/* unknown flag bits are ignored (2.2) */
	REQUIRE(decode_raw(&r, CQL_OP_RESULT, 0xF0, (const uint8_t *) "\x00\x00\x00\x01", 4, &err) == CQL_OK);
	cql__response_free(&r);
	/* an EVENT (4.2.6): STATUS_CHANGE, "UP", [inet] 127.0.0.1:9042 */
	REQUIRE(decode_raw(&r, CQL_OP_EVENT, 0,
					   (const uint8_t *) "\x00\x0d" "STATUS_CHANGE" "\x00\x02" "UP"
					   "\x04\x7f\x00\x00\x01" "\x00\x00\x23\x52", 28, &err) == CQL_OK);
	cql__response_free(&r);
}

TEST(error_names)
{
	CHECK_STR(cql_consistency_name(CQL_CONSISTENCY_LOCAL_QUORUM), "LOCAL_QUORUM");
	CHECK_STR(cql_consistency_name(CQL_CONSISTENCY_LOCAL_ONE), "LOCAL_ONE");
	CHECK_STR(cql_consistency_name(11), "UNKNOWN");
	CHECK_STR(cql_consistency_name(-1), "UNKNOWN");
	CHECK_INT(cql_consistency_from_name("local_serial"), CQL_CONSISTENCY_LOCAL_SERIAL);
	CHECK_INT(cql_consistency_from_name("ANY"), CQL_CONSISTENCY_ANY);
	CHECK_INT(cql_consistency_from_name("MOST"), -1);
	CHECK_STR(cql_server_error_name(CQL_UNAVAILABLE), "Unavailable");
	CHECK_STR(cql_server_error_name(0x9999), "Unknown error");
	CHECK_STR(cql_type_name(CQL_TYPE_VARCHAR), "text");
	CHECK_STR(cql_type_name(CQL_TYPE_VECTOR), "vector");
	CHECK_STR(cql_strerror(CQL_ETIMEDOUT), "timed out");
	CHECK_STR(cql_strerror(-999), "unknown error");
	{
		cql_error	e;

		cql_error_set(&e, CQL_ECONN, "x %d", 5);
		CHECK_INT(e.code, CQL_ECONN);
		CHECK_STR(e.message, "x 5");
		CHECK_INT(e.consistency, -1);
		cql_error_set(NULL, CQL_ECONN, "ignored");
	}
}
