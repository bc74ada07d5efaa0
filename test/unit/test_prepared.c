/*-------------------------------------------------------------------------
 *
 * test_prepared.c
 *		  The prepared-statement cache: prepared.c on its own (small
 *		  capacities: LRU eviction, references, forgetting), then through a
 *		  session and the fake server (cache hits, EXECUTE without result
 *		  metadata, re-preparing after UNPREPARED, schema events).
 *
 * IDENTIFICATION
 *		  test/unit/test_prepared.c
 *
 *-------------------------------------------------------------------------
 */
#include "session_env.h"
#include "fixture.h"
#include "prepared.h"

/* ---------- cache module ---------- */

/*
 * A decoded PREPARED result (4.2.5.4): one bind marker k int on ks.table
 * (the partition key), and result metadata v text on rks.rtable, or none
 * when rks is NULL.  With nbind 0 the bind metadata names no table.
 */
static cql_result *
prepared_result(const char *ks, const char *table, int nbind,
				const char *rks, const char *rtable)
{
	fx			b;
	cql_frame_header h;
	cql_response *r = malloc(sizeof(cql_response));
	uint8_t    *body;
	cql_error	err;

	if (r == NULL)
		return NULL;
	fx_init(&b);
	fx_i32(&b, 0x0004);
	fx_sbytes(&b, "\x01\x02\x03\x04", 4);
	fx_i32(&b, 0x0001);
	fx_i32(&b, nbind);
	fx_i32(&b, nbind > 0 ? 1 : 0);
	if (nbind > 0)
		fx_u16(&b, 0);
	fx_str(&b, ks);
	fx_str(&b, table);
	for (int i = 0; i < nbind; i++)
	{
		fx_str(&b, i == 0 ? "k" : "x");
		fx_u16(&b, 0x0009);
	}
	if (rks)
	{
		fx_i32(&b, 0x0001);
		fx_i32(&b, 1);
		fx_str(&b, rks);
		fx_str(&b, rtable);
		fx_str(&b, "v");
		fx_u16(&b, 0x000D);
	}
	else
	{
		fx_i32(&b, 0x0004);
		fx_i32(&b, 0);
	}
	memset(&h, 0, sizeof(h));
	h.version = 0x84;
	h.opcode = 0x08;
	h.length = (uint32_t) b.len;
	body = fx_dup(b.data, b.len);
	fx_free(&b);
	if (cql__response_decode(r, &h, body, &err) != CQL_OK)
	{
		test_fail(__FILE__, __LINE__, "prepared fixture: %s", err.message);
		free(body);
		free(r);
		return NULL;
	}
	return r;
}

static cql_prepared *
insert(cql__pcache *pc, const char *cql, const char *ks, const char *table)
{
	cql_result *res = prepared_result(ks, table, 1, ks, table);
	cql_prepared *p;

	if (res == NULL)
		return NULL;
	p = cql__pcache_insert(pc, cql, res);
	if (p == NULL)
		cql_result_free(res);
	return p;
}

/* lookup without keeping the reference: is it cached? */
static bool
cached(cql__pcache *pc, const char *cql)
{
	cql_prepared *p = cql__pcache_lookup(pc, cql);

	cql_prepared_release(p);
	return p != NULL;
}

TEST(pcache_insert_lookup_stats)
{
	cql__pcache pc;
	cql_prepared *p;
	cql_prepared *q;

	cql__pcache_init(&pc, 4);
	CHECK(cql__pcache_lookup(&pc, "SELECT a FROM ks1.t") == NULL);
	CHECK_UINT(pc.misses, 1);
	p = insert(&pc, "SELECT a FROM ks1.t", "ks1", "t");
	REQUIRE(p != NULL);
	CHECK_INT(p->refcount, 1);
	CHECK(p->cached);
	CHECK_INT(pc.count, 1);
	CHECK_STR(cql_prepared_cql(p), "SELECT a FROM ks1.t");
	CHECK_INT(cql_result_bind_count(cql_prepared_result(p)), 1);
	cql_prepared_release(p);
	/* the cache keeps it without a reference of its own */
	CHECK_INT(p->refcount, 0);
	q = cql__pcache_lookup(&pc, "SELECT a FROM ks1.t");
	CHECK(q == p);
	CHECK_UINT(pc.hits, 1);
	CHECK_INT(q->refcount, 1);
	/* the text is the key: another text is another statement */
	CHECK(cql__pcache_lookup(&pc, "SELECT a FROM ks1.t ") == NULL);
	CHECK_UINT(pc.misses, 2);
	cql_prepared_release(q);
	cql__pcache_free(&pc);
}

/* the least recently used unreferenced entry goes first */
TEST(pcache_evicts_lru)
{
	cql__pcache pc;
	const char *texts[] = {"A", "B", "C", "D", "E"};

	cql__pcache_init(&pc, 3);
	for (int i = 0; i < 3; i++)
		cql_prepared_release(insert(&pc, texts[i], "ks1", "t"));
	CHECK_INT(pc.count, 3);
	/* A is used again: B is now the oldest */
	CHECK(cached(&pc, "A"));
	cql_prepared_release(insert(&pc, "D", "ks1", "t"));
	CHECK_INT(pc.count, 3);
	CHECK_UINT(pc.evictions, 1);
	CHECK(!cached(&pc, "B"));
	CHECK(cached(&pc, "A"));
	CHECK(cached(&pc, "C"));
	CHECK(cached(&pc, "D"));
	/* order of use now: D C A (most recent first) ... touch C, D: A oldest */
	CHECK(cached(&pc, "C"));
	CHECK(cached(&pc, "D"));
	cql_prepared_release(insert(&pc, "E", "ks1", "t"));
	CHECK(!cached(&pc, "A"));
	CHECK(cached(&pc, "C") && cached(&pc, "D") && cached(&pc, "E"));
	CHECK_INT(pc.count, 3);
	CHECK_UINT(pc.evictions, 2);
	cql__pcache_free(&pc);

	/* a capacity below 1 is 1 */
	cql__pcache_init(&pc, 0);
	CHECK_INT(pc.capacity, 1);
	cql_prepared_release(insert(&pc, "A", "ks1", "t"));
	cql_prepared_release(insert(&pc, "B", "ks1", "t"));
	CHECK_INT(pc.count, 1);
	CHECK(cached(&pc, "B"));
	cql__pcache_free(&pc);
}

/* a referenced entry is never evicted; released, it can be */
TEST(pcache_referenced_survive_eviction)
{
	cql__pcache pc;
	cql_prepared *held;
	char		text[32];

	cql__pcache_init(&pc, 2);
	held = insert(&pc, "HELD", "ks1", "t");
	REQUIRE(held != NULL);
	for (int i = 0; i < 10; i++)
	{
		snprintf(text, sizeof(text), "S%d", i);
		cql_prepared_release(insert(&pc, text, "ks1", "t"));
	}
	CHECK_INT(pc.count, 2);
	CHECK(held->cached);
	CHECK(cached(&pc, "HELD"));
	CHECK(cached(&pc, "S9"));
	CHECK(!cached(&pc, "S8"));

	/* every entry referenced: the cache grows past its capacity */
	{
		cql_prepared *p[3];

		for (int i = 0; i < 3; i++)
		{
			snprintf(text, sizeof(text), "R%d", i);
			p[i] = insert(&pc, text, "ks1", "t");
		}
		CHECK(held->cached);
		CHECK_INT(pc.count, 4);	/* HELD, R0..R2: S9 went */
		for (int i = 0; i < 3; i++)
			cql_prepared_release(p[i]);
	}
	/* released: an ordinary entry again */
	cql_prepared_release(held);
	CHECK_INT(held->refcount, 0);
	CHECK(held->cached);
	cql_prepared_release(insert(&pc, "X", "ks1", "t"));
	CHECK(!cached(&pc, "HELD"));
	CHECK_INT(pc.count, 2);
	cql__pcache_free(&pc);
}

/* evicted or replaced while referenced: usable until the last release */
TEST(pcache_unlinked_entry_lives_until_release)
{
	cql__pcache pc;
	cql_prepared *old;
	cql_prepared *newer;
	cql_prepared *p;

	cql__pcache_init(&pc, 1);
	old = insert(&pc, "SELECT v FROM ks1.t", "ks1", "t");
	REQUIRE(old != NULL);
	/* a second PREPARE of the same text (concurrent): the newer one stays */
	newer = insert(&pc, "SELECT v FROM ks1.t", "ks1", "t");
	REQUIRE(newer != NULL && newer != old);
	CHECK(!old->cached);
	CHECK(newer->cached);
	CHECK_INT(pc.count, 1);
	p = cql__pcache_lookup(&pc, "SELECT v FROM ks1.t");
	CHECK(p == newer);
	cql_prepared_release(p);
	/* the unlinked one is still whole */
	CHECK_STR(cql_prepared_cql(old), "SELECT v FROM ks1.t");
	CHECK_STR(cql_result_column(cql_prepared_result(old), 0)->name, "v");
	cql_prepared_release(old);	/* freed here (ASan / valgrind) */
	cql_prepared_release(newer);

	/* the cache freed with a reference out */
	old = insert(&pc, "Y", "ks1", "t");
	REQUIRE(old != NULL);
	cql__pcache_free(&pc);
	CHECK(!old->cached);
	CHECK_STR(cql_prepared_cql(old), "Y");
	CHECK_INT(cql_result_pk_index(cql_prepared_result(old), 0), 0);
	cql_prepared_release(old);
}

TEST(pcache_forget_by_keyspace_and_table)
{
	cql__pcache pc;
	cql_prepared *held;
	cql_result *res;
	cql_prepared *p;

	cql__pcache_init(&pc, 16);
	cql_prepared_release(insert(&pc, "q1", "ks1", "t1"));
	cql_prepared_release(insert(&pc, "q2", "ks1", "t2"));
	cql_prepared_release(insert(&pc, "q3", "ks2", "t1"));
	held = insert(&pc, "q4", "ks1", "t1");
	/* no bind markers: only the result metadata names the table */
	res = prepared_result("", "", 0, "ks3", "x");
	REQUIRE(res != NULL);
	p = cql__pcache_insert(&pc, "q5", res);
	REQUIRE(p != NULL);
	cql_prepared_release(p);
	/* no result metadata: only the bind markers name it */
	res = prepared_result("ks4", "w", 1, NULL, NULL);
	REQUIRE(res != NULL);
	p = cql__pcache_insert(&pc, "q6", res);
	REQUIRE(p != NULL);
	cql_prepared_release(p);
	CHECK_INT(pc.count, 6);

	CHECK_INT(cql__pcache_forget(&pc, "ks1", "t1"), 2);
	CHECK(!cached(&pc, "q1"));
	CHECK(!held->cached);
	CHECK(cached(&pc, "q2"));
	CHECK(cached(&pc, "q3"));
	CHECK_INT(cql__pcache_forget(&pc, "ks1", "t1"), 0);
	CHECK_INT(cql__pcache_forget(&pc, "ks1", NULL), 1);
	CHECK(!cached(&pc, "q2"));
	CHECK_INT(cql__pcache_forget(&pc, "ks2", "t9"), 0);
	CHECK_INT(cql__pcache_forget(&pc, "nope", NULL), 0);
	CHECK_INT(cql__pcache_forget(&pc, "ks3", "x"), 1);
	CHECK_INT(cql__pcache_forget(&pc, "ks4", NULL), 1);
	CHECK_INT(pc.count, 1);
	CHECK(cached(&pc, "q3"));
	/* the forgotten, referenced one still works, and a new one can be cached */
	CHECK_STR(cql_result_bind(cql_prepared_result(held), 0)->table, "t1");
	cql_prepared_release(insert(&pc, "q4", "ks1", "t1"));
	CHECK(cached(&pc, "q4"));
	cql_prepared_release(held);
	cql__pcache_free(&pc);
}

/* ---------- through a session ---------- */

#define Q_SELECT "SELECT k, v FROM ks1.t WHERE k = ?"
#define Q_INSERT "INSERT INTO ks1.t (k, v) VALUES (?, ?)"

static cql_prepared *
prepare_wait(single_env *e, const char *cql)
{
	cql_future *f = cql_session_prepare_cached(e->s, cql);
	cql_prepared *p;

	if (f == NULL || !WAIT(e->r, f))
	{
		test_fail(__FILE__, __LINE__, "prepare of \"%s\" not done", cql);
		return NULL;
	}
	if (cql_future_rc(f) != CQL_OK)
		test_fail(__FILE__, __LINE__, "prepare of \"%s\": %s", cql,
				  cql_future_error(f)->message);
	p = cql_future_take_prepared(f);
	cql_future_release(f);
	return p;
}

static cql_future *
execute_k(cql_session *s, cql_prepared *p, int32_t k)
{
	cql_query_params q;
	static uint8_t kb[4];		/* kept until the call has encoded it */
	cql_slice	v[1];

	kb[0] = (uint8_t) ((uint32_t) k >> 24);
	kb[1] = (uint8_t) ((uint32_t) k >> 16);
	kb[2] = (uint8_t) ((uint32_t) k >> 8);
	kb[3] = (uint8_t) k;
	v[0].data = kb;
	v[0].len = 4;
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_LOCAL_ONE;
	q.values = v;
	q.nvalues = 1;
	q.idempotent = true;
	return cql_session_execute_prepared(s, p, &q);
}

/* the row of an EXECUTE of Q_SELECT: k, and v as text */
static bool
row_kv(cql_result *res, int32_t *k, char *v, size_t vsize)
{
	cql_row_cursor cur;
	cql_slice	c[2];

	if (res == NULL || cql_result_kind(res) != CQL_RESULT_ROWS ||
		cql_result_column_count(res) != 2)
		return false;
	cql_result_rows(res, &cur);
	if (cql_row_next(&cur, c) != 1 || cql_decode_int(c[0], k) != CQL_OK ||
		c[1].len < 0 || (size_t) c[1].len >= vsize)
		return false;
	memcpy(v, c[1].data, (size_t) c[1].len);
	v[c[1].len] = '\0';
	return true;
}

TEST(prepared_session_cache_hit_skip_metadata)
{
	single_env	e;
	cql_prepared *p;
	cql_future *f;
	cql_result *res;
	int			count;
	uint64_t	hits;
	uint64_t	misses;
	int32_t		k;
	char		v[32];

	if (!single_start(&e))
		return;
	e.srv.name = "node0";
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	CHECK_INT(e.srv.prepares, 1);
	CHECK_STR(e.srv.last_prepare, Q_SELECT);
	CHECK_STR(cql_prepared_cql(p), Q_SELECT);
	CHECK_INT(cql_result_kind(cql_prepared_result(p)), CQL_RESULT_PREPARED);
	CHECK_INT(cql_result_bind_count(cql_prepared_result(p)), 1);
	CHECK_INT(cql_result_pk_count(cql_prepared_result(p)), 1);
	CHECK_INT(cql_result_pk_index(cql_prepared_result(p), 0), 0);
	CHECK_INT(cql_result_column_count(cql_prepared_result(p)), 2);
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 1);
	CHECK_UINT(hits, 0);
	CHECK_UINT(misses, 1);

	/* the second time: done at once, no request */
	f = cql_session_prepare_cached(e.s, Q_SELECT);
	REQUIRE(f != NULL);
	CHECK(cql_future_done(f));
	CHECK_FUTURE_RC(f, CQL_OK);
	{
		cql_prepared *again = cql_future_take_prepared(f);

		CHECK(again == p);
		CHECK(cql_future_take_prepared(f) == NULL);
		cql_prepared_release(again);
	}
	cql_future_release(f);
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 1);
	CHECK_UINT(hits, 1);
	CHECK_UINT(misses, 1);
	CHECK_INT(e.srv.prepares, 1);

	/* EXECUTE asks to skip the metadata; the rows come without it */
	f = execute_k(e.s, p, 7);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(e.srv.executes_ok, 1);
	CHECK_UINT(e.srv.exec_flags, 0x01 | 0x02);
	CHECK_INT(e.srv.exec_consistency, CQL_CONSISTENCY_LOCAL_ONE);
	CHECK_INT(e.srv.exec_nvalues, 1);
	CHECK_INT(e.srv.no_metadata_rows, 1);
	res = cql_future_take_result(f);
	cql_future_release(f);
	REQUIRE(res != NULL);
	/* the columns are the cached statement's */
	CHECK_INT(cql_result_column_count(res), 2);
	REQUIRE(cql_result_column(res, 0) != NULL && cql_result_column(res, 1) != NULL);
	CHECK_STR(cql_result_column(res, 0)->name, "k");
	CHECK_STR(cql_result_column(res, 1)->name, "v");
	CHECK_STR(cql_result_column(res, 1)->keyspace, "ks1");
	CHECK_STR(cql_result_column(res, 1)->table, "t");
	CHECK_INT(cql_result_column(res, 0)->type->id, CQL_TYPE_INT);
	CHECK_INT(cql_result_column(res, 1)->type->id, CQL_TYPE_VARCHAR);
	CHECK(cql_result_column(res, 0) == cql_result_column(cql_prepared_result(p), 0));
	CHECK(row_kv(res, &k, v, sizeof(v)));
	CHECK_INT(k, 7);
	CHECK_STR(v, "node0");

	/* the result outlives the statement, its cache entry and the session */
	CHECK_INT(cql_session_forget_prepared(e.s, "ks1", "t"), 1);
	cql_prepared_release(p);
	cql_session_free(e.s);
	e.s = NULL;
	CHECK_STR(cql_result_column(res, 1)->name, "v");
	CHECK_INT(cql_result_column(res, 0)->type->id, CQL_TYPE_INT);
	cql_result_free(res);
	single_stop(&e);
}

/* no result metadata (an INSERT): nothing to skip, Void comes back */
TEST(prepared_session_insert_and_paging_params)
{
	single_env	e;
	cql_prepared *p;
	cql_future *f;
	cql_query_params q;
	cql_slice	v[2] = {{(const uint8_t *) "\x00\x00\x00\x01", 4}, {(const uint8_t *) "x", 1}};

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_INSERT);
	REQUIRE(p != NULL);
	CHECK_INT(cql_result_bind_count(cql_prepared_result(p)), 2);
	CHECK_INT(cql_result_column_count(cql_prepared_result(p)), 0);
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_QUORUM;
	q.values = v;
	q.nvalues = 2;
	q.skip_metadata = true;		/* ignored: there is no metadata to skip */
	f = cql_session_execute_prepared(e.s, p, &q);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(cql_result_kind(cql_future_result(f)), CQL_RESULT_VOID);
	CHECK_UINT(e.srv.exec_flags, 0x01);
	CHECK_INT(e.srv.exec_nvalues, 2);
	cql_future_release(f);
	cql_prepared_release(p);

	/* a page of a SELECT: page size and paging state go out as given */
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_ONE;
	q.values = v;
	q.nvalues = 1;
	q.page_size = 50;
	q.paging_state = (cql_slice) {(const uint8_t *) "\x0a\x0b\x0c", 3};
	f = cql_session_execute_prepared(e.s, p, &q);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_UINT(e.srv.exec_flags, 0x01 | 0x02 | 0x04 | 0x08);
	CHECK_INT(e.srv.exec_page_size, 50);
	CHECK_MEM(e.srv.exec_paging_state, (size_t) e.srv.exec_paging_state_len, "\x0a\x0b\x0c", 3);
	CHECK_INT(cql_result_column_count(cql_future_result(f)), 2);
	cql_future_release(f);
	cql_prepared_release(p);
	CHECK_INT(e.srv.bad_requests, 0);
	single_stop(&e);
}

/* the node forgot the statement: prepared again there, re-sent, success */
TEST(prepared_session_unprepared_reprepares)
{
	single_env	e;
	cql_prepared *p;
	cql_future *f;
	int32_t		k;
	char		v[32];
	int			count;
	uint64_t	hits;
	uint64_t	misses;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	f = execute_k(e.s, p, 1);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	cql_future_release(f);
	CHECK_INT(e.srv.unprepared, 0);

	fake_server_forget_prepared(&e.srv);	/* as after a restart */
	f = execute_k(e.s, p, 2);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(e.srv.unprepared, 1);
	CHECK_INT(e.srv.prepares, 2);
	CHECK_STR(e.srv.last_prepare, Q_SELECT);
	CHECK_INT(e.srv.executes, 3);
	CHECK_INT(e.srv.executes_ok, 2);
	CHECK_INT(e.srv.connections, 1);	/* prepared again on the same connection */
	CHECK(row_kv(cql_future_result(f), &k, v, sizeof(v)));
	CHECK_INT(k, 2);
	cql_future_release(f);
	/* still one cached statement; nothing looked up again */
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 1);
	CHECK_UINT(misses, 1);

	/* and it stays known */
	f = execute_k(e.s, p, 3);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(e.srv.unprepared, 1);
	cql_future_release(f);
	cql_prepared_release(p);
	single_stop(&e);
}

/* re-prepared once only: a node that keeps forgetting fails the request */
TEST(prepared_session_unprepared_twice_fails)
{
	single_env	e;
	cql_prepared *p;
	cql_future *f;

	if (!single_start(&e))
		return;
	e.srv.forget_prepared = true;
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	f = execute_k(e.s, p, 1);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_UNPREPARED);
	CHECK_STR(cql_future_error(f)->host, e.host);
	CHECK_INT(e.srv.unprepared, 2);
	CHECK_INT(e.srv.prepares, 2);
	CHECK_INT(e.srv.executes, 2);
	cql_future_release(f);
	cql_prepared_release(p);
	single_stop(&e);
}

TEST(prepared_session_forget)
{
	single_env	e;
	cql_prepared *p;
	int			count;
	uint64_t	hits;
	uint64_t	misses;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	cql_prepared_release(prepare_wait(&e, "SELECT k, v FROM ks1.a WHERE k = ?"));
	cql_prepared_release(prepare_wait(&e, "SELECT k, v FROM ks1.b WHERE k = ?"));
	cql_prepared_release(prepare_wait(&e, "SELECT k, v FROM ks2.a WHERE k = ?"));
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 3);
	CHECK_INT(cql_session_forget_prepared(e.s, "ks1", "a"), 1);
	CHECK_INT(cql_session_forget_prepared(e.s, "ks1", "a"), 0);
	CHECK_INT(cql_session_forget_prepared(e.s, "ks1", NULL), 1);
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 1);
	/* forgotten: prepared again on the next use */
	p = prepare_wait(&e, "SELECT k, v FROM ks1.a WHERE k = ?");
	REQUIRE(p != NULL);
	CHECK_INT(e.srv.prepares, 4);
	cql_prepared_release(p);
	p = prepare_wait(&e, "SELECT k, v FROM ks2.a WHERE k = ?");
	CHECK_INT(e.srv.prepares, 4);
	cql_prepared_release(p);
	single_stop(&e);
}

typedef struct
{
	cql_session *s;
	uint64_t	epoch;
} epoch_wait;

static bool
epoch_passed(void *arg)
{
	epoch_wait *w = arg;

	return cql_session_schema_epoch(w->s) > w->epoch;
}

/* a table's SCHEMA_CHANGE event on the control connection drops its statements */
TEST(prepared_session_schema_event_forgets)
{
	single_env	e;
	epoch_wait	w;
	int			count;
	uint64_t	hits;
	uint64_t	misses;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	cql_prepared_release(prepare_wait(&e, "SELECT k, v FROM ks1.a WHERE k = ?"));
	cql_prepared_release(prepare_wait(&e, "SELECT k, v FROM ks1.b WHERE k = ?"));
	CHECK_INT(e.srv.registers, 1);
	w.s = e.s;
	w.epoch = cql_session_schema_epoch(e.s);
	REQUIRE(fake_server_schema_event(&e.srv, "UPDATED", "ks1", "a") == 1);
	REQUIRE(run_until(e.r, epoch_passed, &w, WAIT_LIMIT_MS));
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 1);
	CHECK_INT(cql_session_forget_prepared(e.s, "ks1", "b"), 1);
	single_stop(&e);
}

/* two PREPAREs of one text in flight, and one abandoned */
TEST(prepared_session_concurrent_and_abandoned)
{
	single_env	e;
	cql_future *f1;
	cql_future *f2;
	cql_future *f3;
	cql_prepared *p1;
	cql_prepared *p2;
	int			count;
	uint64_t	hits;
	uint64_t	misses;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	f1 = cql_session_prepare_cached(e.s, Q_SELECT);
	f2 = cql_session_prepare_cached(e.s, Q_SELECT);
	f3 = cql_session_prepare_cached(e.s, Q_INSERT);
	REQUIRE(f1 != NULL && f2 != NULL && f3 != NULL);
	CHECK(!cql_future_done(f1) && !cql_future_done(f2));
	cql_future_release(f3);		/* abandoned: cached all the same */
	REQUIRE_DONE(e.r, f1);
	REQUIRE_DONE(e.r, f2);
	CHECK_FUTURE_RC(f1, CQL_OK);
	CHECK_FUTURE_RC(f2, CQL_OK);
	p1 = cql_future_take_prepared(f1);
	p2 = cql_future_take_prepared(f2);
	REQUIRE(p1 != NULL && p2 != NULL);
	cql_future_release(f1);
	cql_future_release(f2);
	run_for(e.r, 50);
	CHECK_INT(e.srv.prepares, 3);
	cql_session_prepared_stats(e.s, &count, &hits, &misses);
	CHECK_INT(count, 2);
	/* both work; the later one is the cached one */
	f1 = execute_k(e.s, p1, 11);
	f2 = execute_k(e.s, p2, 12);
	REQUIRE_DONE(e.r, f1);
	REQUIRE_DONE(e.r, f2);
	CHECK_FUTURE_RC(f1, CQL_OK);
	CHECK_FUTURE_RC(f2, CQL_OK);
	cql_future_release(f1);
	cql_future_release(f2);
	cql_prepared_release(p1);
	cql_prepared_release(p2);
	f3 = cql_session_prepare_cached(e.s, Q_INSERT);
	CHECK(f3 != NULL && cql_future_done(f3));
	cql_future_release(f3);		/* done, with its reference */
	single_stop(&e);
}

/* a session freed with the statement still referenced */
TEST(prepared_session_outlives_session)
{
	single_env	e;
	cql_prepared *p;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_SELECT);
	REQUIRE(p != NULL);
	cql_session_free(e.s);
	e.s = NULL;
	CHECK_STR(cql_prepared_cql(p), Q_SELECT);
	cql_prepared_release(p);
	single_stop(&e);
}

/* BATCH through a session: text and a cached statement's id */
TEST(prepared_session_batch)
{
	single_env	e;
	cql_prepared *p;
	cql_future *f;
	cql_query_params q;
	cql_batch_statement st[2];
	const cql_slice v[2] = {{(const uint8_t *) "\x00\x00\x00\x01", 4}, {(const uint8_t *) "a", 1}};

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	p = prepare_wait(&e, Q_INSERT);
	REQUIRE(p != NULL);
	memset(st, 0, sizeof(st));
	st[0].cql = "INSERT INTO ks1.t (k, v) VALUES (2, 'b')";
	st[1].id = cql_result_prepared_id(cql_prepared_result(p));
	st[1].values = v;
	st[1].nvalues = 2;
	memset(&q, 0, sizeof(q));
	q.consistency = CQL_CONSISTENCY_QUORUM;
	q.has_timestamp = true;
	q.timestamp = 42;
	f = cql_session_batch(e.s, CQL_BATCH_UNLOGGED, st, 2, &q);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_OK);
	CHECK_INT(cql_result_kind(cql_future_result(f)), CQL_RESULT_VOID);
	cql_future_release(f);
	CHECK_INT(e.srv.batches, 1);
	CHECK_INT(e.srv.batch_type, CQL_BATCH_UNLOGGED);
	CHECK_INT(e.srv.batch_n, 2);
	CHECK_INT(e.srv.bad_requests, 0);

	/* an id the node does not know: Unprepared comes back to the caller */
	fake_server_forget_prepared(&e.srv);
	f = cql_session_batch(e.s, CQL_BATCH_LOGGED, st, 2, &q);
	REQUIRE_DONE(e.r, f);
	CHECK_FUTURE_RC(f, CQL_ESERVER);
	CHECK_INT(cql_future_error(f)->server_code, CQL_UNPREPARED);
	cql_future_release(f);
	cql_prepared_release(p);
	single_stop(&e);
}
