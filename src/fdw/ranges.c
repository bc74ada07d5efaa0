/*-------------------------------------------------------------------------
 *
 * ranges.c
 *		  Full scans read token range by token range, several at once.
 *
 * A scan that fixes no partition key reads the whole ring.  Rather than
 * page through one "SELECT ... FROM t" (one coordinator, one page at a
 * time), the ring from the session's token map is cut into sub-ranges
 * (enough that every host has several), and each is read with
 *
 *		SELECT ... FROM t [WHERE <the planner's conditions> AND]
 *			token(pk1, pk2) > ? AND token(pk1, pk2) <= ?
 *
 * routed to a replica of that range.  A reader keeps up to
 * RANGES_IN_FLIGHT ranges going, each with its own paging, and asks for a
 * range's next page as soon as one arrives (up to RANGE_PAGES_BUFFERED
 * pages waiting per range), so the replicas work while this backend
 * converts rows.
 *
 * Pages are handed out in range order, that is in token order: the rows
 * come in the order one unsplit scan gives them (a cursor or a test sees
 * the same order as before), while the ranges after the one being read
 * are already fetched.  Parallel workers claim ranges from a counter in
 * shared memory instead of in order; each participant reads its claims
 * the same way.
 *
 * The minimum token (-2^63) belongs to no key, so "token > -2^63" loses
 * nothing; the range that wraps around the ring is read as two.
 *
 * IDENTIFICATION
 *		  src/fdw/ranges.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "cql_fdw.h"

/* ranges read at once by one participant */
#define RANGES_IN_FLIGHT		8
/* pages of one range that may wait to be read */
#define RANGE_PAGES_BUFFERED	2
/* sub-ranges per host of the ring at least, and in all */
#define RANGES_PER_HOST			16
#define RANGES_MIN				32

typedef struct RangeSlot
{
	int			range;			/* index into the ranges */
	cql_future *pending;		/* its next page, or NULL */
	cql_result *queue[RANGE_PAGES_BUFFERED];
	int			nqueued;
	bool		last;			/* its last page has arrived */
	uint8	   *paging;			/* paging state of the next page */
	int			paging_len;
} RangeSlot;

struct CqlRangeReader
{
	cql_session *session;
	cql_prepared *prepared;		/* the range statement */
	const char *cql;
	const char *server;
	const char *keyspace;
	const CqlTokenRange *ranges;
	int			nranges;
	pg_atomic_uint32 *shared_next;	/* claims in shared memory, or NULL */
	int			next_range;		/* local claims */
	bool		claims_done;
	int			consistency;
	int			fetch_size;
	int			token_param;	/* where the two token values go */
	const cql_slice *values;	/* the statement's own bound values */
	int			nvalues;
	cql_slice  *all_values;		/* those and the two tokens */
	uint8		tokens[16];

	RangeSlot	slots[RANGES_IN_FLIGHT];	/* a FIFO in claim order */
	int			head;
	int			nslots;

	CqlScanCounters *counters;
	MemoryContext cxt;
};

/* cql_fdw.token_range_scans */
bool		cqlfdw_token_range_scans = true;

/* ---------- the statement ---------- */

/* ASCII case-insensitive match of word at p, followed by a space or the end */
static bool
keyword_at(const char *p, const char *word)
{
	size_t		n = strlen(word);

	return pg_strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0');
}

/*
 * The range statement of a SELECT the planner built, or NULL when the
 * statement cannot take a token condition: it restricts a partition key
 * column (Cassandra refuses a token relation next to one), already has a
 * token relation, or orders rows (which needs a fixed partition).
 *
 * The token condition goes at the end of the WHERE clause (or makes one),
 * before GROUP BY, PER PARTITION LIMIT, LIMIT and ALLOW FILTERING.  The
 * planner quotes every identifier and binds every value, so keywords are
 * found outside double quotes without parsing CQL.  *token_param is the
 * number of bind markers before the condition: where its two values go.
 */
char *
cqlfdw_range_statement(const char *cql, const CqlTableMeta *meta, int *token_param)
{
	StringInfoData buf;
	StringInfoData tok;
	const char *where = NULL;
	const char *tail = NULL;
	bool		quoted = false;
	int			markers = 0;

	if (meta == NULL || meta->npk == 0)
		return NULL;
	for (const char *p = cql; *p; p++)
	{
		if (*p == '"')
		{
			quoted = !quoted;	/* "" inside a name toggles twice */
			continue;
		}
		if (quoted)
			continue;
		if (*p == '?' && tail == NULL)
			markers++;
		if (*p != ' ' || tail != NULL)
			continue;
		if (keyword_at(p + 1, "WHERE") && where == NULL)
			where = p;
		else if (keyword_at(p + 1, "ORDER"))
			return NULL;
		else if (keyword_at(p + 1, "GROUP") || keyword_at(p + 1, "PER") ||
				 keyword_at(p + 1, "LIMIT") || keyword_at(p + 1, "ALLOW"))
			tail = p;
	}
	if (tail == NULL)
		tail = cql + strlen(cql);

	/* the token expression, and what the WHERE clause must not hold */
	initStringInfo(&tok);
	appendStringInfoString(&tok, "token(");
	for (int i = 0; i < meta->npk; i++)
	{
		char	   *name = cqlfdw_quote_identifier(meta->columns[meta->pk[i]].name);

		if (where != NULL)
		{
			char	   *clause = pnstrdup(where, tail - where);

			if (strstr(clause, name) != NULL)
				return NULL;
			pfree(clause);
		}
		appendStringInfo(&tok, "%s%s", i > 0 ? ", " : "", name);
	}
	appendStringInfoChar(&tok, ')');
	if (where != NULL)
	{
		char	   *clause = pnstrdup(where, tail - where);

		for (char *c = clause; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		if (strstr(clause, "token(") != NULL || strstr(clause, "token (") != NULL)
			return NULL;
		pfree(clause);
	}

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, cql, tail - cql);
	appendStringInfo(&buf, "%s%s > ? AND %s <= ?", where ? " AND " : " WHERE ",
					 tok.data, tok.data);
	appendStringInfoString(&buf, tail);
	*token_param = markers;
	return buf.data;
}

/* ---------- the ranges ---------- */

/*
 * The sub-ranges of the ring to read, in token order: every ring range
 * cut into as many even parts as make at least RANGES_MIN in all and
 * RANGES_PER_HOST per host.  A table known to be small (rows >= 0, from
 * ANALYZE) is cut only into as many as make each about half a page
 * (fetch_size rows): a 10-row table is one round trip, not 32.
 */
CqlTokenRange *
cqlfdw_token_ranges(cql_session *s, const char *keyspace, double rows, int fetch_size,
					int *nranges)
{
	cql_token_ring *ring = NULL;
	cql_error	err;
	int			nring;
	int			nhosts;
	int			target;
	int			per;
	CqlTokenRange *volatile out = NULL;
	volatile int n = 0;

	if (cql_session_token_ring(s, keyspace, &ring, &err) != CQL_OK)
		cqlfdw_report(ERROR, &err, NULL, NULL);
	nring = cql_token_ring_count(ring);
	nhosts = Max(cql_token_ring_host_count(ring), 1);
	target = Max(RANGES_MIN, nhosts * RANGES_PER_HOST);
	if (rows >= 0 && fetch_size > 0 && 2.0 * rows / fetch_size < target)
		target = Max((int) ceil(2.0 * rows / fetch_size), 1);
	per = Max((target + nring - 1) / nring, 1);
	PG_TRY();
	{
		int64	   *bounds = palloc(sizeof(int64) * (per + 1));

		out = palloc(sizeof(CqlTokenRange) * nring * per);
		for (int i = 0; i < nring; i++)
		{
			const cql_token_range *r = cql_token_ring_range(ring, i);
			int			parts = cql_token_range_split(r->start, r->end, per, bounds);

			for (int k = 0; k < parts; k++)
			{
				out[n].start = bounds[k];
				out[n].end = bounds[k + 1];
				n++;
			}
		}
		pfree(bounds);
	}
	PG_FINALLY();
	{
		cql_token_ring_free(ring);
	}
	PG_END_TRY();
	*nranges = n;
	return out;
}

/* ---------- the reader ---------- */

static void
put_int64(uint8 *p, int64 v)
{
	uint64		u = (uint64) v;

	for (int i = 7; i >= 0; i--)
	{
		p[i] = (uint8) (u & 0xff);
		u >>= 8;
	}
}

/*
 * A reader of ranges[0..nranges) of the prepared range statement, which
 * stays the caller's, as do values and the ranges.  With shared_next,
 * ranges are claimed from that counter (parallel scans); else in order.
 * Allocated in the current memory context; cqlfdw_reader_release() must
 * run before it goes (a reset callback of the caller's does).
 */
CqlRangeReader *
cqlfdw_reader_begin(cql_session *s, cql_prepared *prepared, const char *cql,
					const char *server, const char *keyspace,
					const CqlTokenRange *ranges, int nranges,
					pg_atomic_uint32 *shared_next, int token_param,
					const cql_slice *values, int nvalues,
					int consistency, int fetch_size, CqlScanCounters *counters)
{
	CqlRangeReader *rd = palloc0(sizeof(CqlRangeReader));

	rd->session = s;
	rd->prepared = prepared;
	rd->cql = cql;
	rd->server = server;
	rd->keyspace = keyspace;
	rd->ranges = ranges;
	rd->nranges = nranges;
	rd->shared_next = shared_next;
	rd->token_param = token_param;
	rd->values = values;
	rd->nvalues = nvalues;
	rd->all_values = palloc(sizeof(cql_slice) * (nvalues + 2));
	rd->consistency = consistency;
	rd->fetch_size = fetch_size;
	rd->counters = counters;
	rd->cxt = CurrentMemoryContext;
	return rd;
}

static int
claim_range(CqlRangeReader *rd)
{
	uint32		i;

	if (rd->claims_done)
		return -1;
	if (rd->shared_next)
		i = pg_atomic_fetch_add_u32(rd->shared_next, 1);
	else
		i = (uint32) rd->next_range++;
	if (i >= (uint32) rd->nranges)
	{
		rd->claims_done = true;
		return -1;
	}
	return (int) i;
}

static void
request_range_page(CqlRangeReader *rd, RangeSlot *slot)
{
	const CqlTokenRange *r = &rd->ranges[slot->range];
	cql_query_params params;
	int			k = 0;

	/* the statement's values, with the two tokens at their place */
	for (int i = 0; i < rd->token_param && i < rd->nvalues; i++)
		rd->all_values[k++] = rd->values[i];
	put_int64(rd->tokens, r->start);
	put_int64(rd->tokens + 8, r->end);
	rd->all_values[k].data = rd->tokens;
	rd->all_values[k++].len = 8;
	rd->all_values[k].data = rd->tokens + 8;
	rd->all_values[k++].len = 8;
	for (int i = rd->token_param; i < rd->nvalues; i++)
		rd->all_values[k++] = rd->values[i];

	memset(&params, 0, sizeof(params));
	params.idempotent = true;
	params.values = rd->all_values;
	params.nvalues = k;
	params.consistency = rd->consistency;
	params.page_size = rd->fetch_size;
	if (slot->paging)
	{
		params.paging_state.data = slot->paging;
		params.paging_state.len = slot->paging_len;
	}
	/* every token of the range has the replicas of its end */
	params.has_routing_token = true;
	params.routing_token = r->end;
	params.keyspace = rd->keyspace;
	/* the frame is encoded before this returns: the values may go */
	slot->pending = cql_session_execute_prepared(rd->session, rd->prepared, &params);
	if (slot->pending == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
}

/* Count a page for EXPLAIN ANALYZE: pages, rows, retries, the host. */
void
cqlfdw_count_page(CqlScanCounters *c, const cql_result *page, MemoryContext cxt)
{
	const char *host = cql_result_coordinator(page);
	ListCell   *lc;

	c->pages++;
	c->rows += cql_result_row_count(page);
	c->retries += cql_result_attempts(page) - 1;
	if (host[0] == '\0')
		return;
	foreach(lc, c->hosts)
		if (strcmp(lfirst(lc), host) == 0)
			return;
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		c->hosts = lappend(c->hosts, pstrdup(host));
		MemoryContextSwitchTo(old);
	}
}

/* Collect the pages that arrived; ask for the next ones where there is room. */
void
cqlfdw_reader_poll(CqlRangeReader *rd)
{
	for (int n = 0; n < rd->nslots; n++)
	{
		RangeSlot  *slot = &rd->slots[(rd->head + n) % RANGES_IN_FLIGHT];

		if (slot->pending && cql_future_done(slot->pending))
		{
			cql_future *f = slot->pending;
			cql_result *page;

			slot->pending = NULL;
			page = cqlfdw_finish(f, rd->cql, rd->server);
			/* owned by the slot before anything can fail */
			slot->queue[slot->nqueued++] = page;
			if (cql_result_kind(page) != CQL_RESULT_ROWS)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_REPLY_HANDLE),
						 errmsg("Cassandra answered a SELECT with a result of kind %d",
								cql_result_kind(page)),
						 errcontext("CQL: %s", rd->cql)));
			cqlfdw_count_page(rd->counters, page, rd->cxt);
			if (slot->paging)
			{
				pfree(slot->paging);
				slot->paging = NULL;
			}
			if (cql_result_has_more_pages(page))
			{
				cql_slice	ps = cql_result_paging_state(page);

				if (ps.len <= 0)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_REPLY_HANDLE),
							 errmsg("Cassandra announced more pages without a paging state"),
							 errcontext("CQL: %s", rd->cql)));
				slot->paging = MemoryContextAlloc(rd->cxt, ps.len);
				memcpy(slot->paging, ps.data, ps.len);
				slot->paging_len = ps.len;
			}
			else
			{
				slot->last = true;
				rd->counters->ranges++;
			}
		}
		if (!slot->pending && !slot->last && slot->nqueued < RANGE_PAGES_BUFFERED)
			request_range_page(rd, slot);
	}
}

/* Claim ranges and start reading them, up to RANGES_IN_FLIGHT. */
static void
reader_fill(CqlRangeReader *rd)
{
	while (rd->nslots < RANGES_IN_FLIGHT)
	{
		int			r = claim_range(rd);
		RangeSlot  *slot;

		if (r < 0)
			break;
		slot = &rd->slots[(rd->head + rd->nslots) % RANGES_IN_FLIGHT];
		memset(slot, 0, sizeof(*slot));
		slot->range = r;
		rd->nslots++;
		request_range_page(rd, slot);
	}
}

/* Can the head range give a page, or is it finished? */
static bool
head_ready(void *arg)
{
	CqlRangeReader *rd = arg;
	RangeSlot  *head = &rd->slots[rd->head];

	cqlfdw_reader_poll(rd);
	return head->nqueued > 0 || head->last;
}

/*
 * The next page, in range order; NULL after the last one.  The page is
 * the caller's (cql_result_free it).
 */
cql_result *
cqlfdw_reader_next(CqlRangeReader *rd)
{
	for (;;)
	{
		RangeSlot  *head;

		reader_fill(rd);
		if (rd->nslots == 0)
			return NULL;
		head = &rd->slots[rd->head];
		if (!head_ready(rd))
			cqlfdw_wait_until(head_ready, rd);
		if (head->nqueued > 0)
		{
			cql_result *page = head->queue[0];

			for (int i = 1; i < head->nqueued; i++)
				head->queue[i - 1] = head->queue[i];
			head->nqueued--;
			/* room for one more page of this range: ask for it */
			if (!head->pending && !head->last)
				request_range_page(rd, head);
			return page;
		}
		/* the head range is read: the next one moves up */
		Assert(head->last && head->pending == NULL);
		if (head->paging)
			pfree(head->paging);
		head->paging = NULL;
		rd->head = (rd->head + 1) % RANGES_IN_FLIGHT;
		rd->nslots--;
	}
}

/* Is a page of the head range there already (no wait needed)? */
bool
cqlfdw_reader_has_page(CqlRangeReader *rd)
{
	for (;;)
	{
		RangeSlot  *head;

		reader_fill(rd);
		if (rd->nslots == 0)
			return true;		/* the end: no wait either */
		cqlfdw_reader_poll(rd);
		head = &rd->slots[rd->head];
		if (head->nqueued > 0)
			return true;
		if (!head->last)
			return false;
		if (head->paging)
			pfree(head->paging);
		head->paging = NULL;
		rd->head = (rd->head + 1) % RANGES_IN_FLIGHT;
		rd->nslots--;
	}
}

/* Abandon what is in flight and free the pages: never waits. */
void
cqlfdw_reader_release(CqlRangeReader *rd)
{
	for (int n = 0; n < rd->nslots; n++)
	{
		RangeSlot  *slot = &rd->slots[(rd->head + n) % RANGES_IN_FLIGHT];

		if (slot->pending)
			cql_future_release(slot->pending);
		slot->pending = NULL;
		for (int i = 0; i < slot->nqueued; i++)
			cql_result_free(slot->queue[i]);
		slot->nqueued = 0;
	}
	rd->nslots = 0;
	rd->claims_done = true;
}
