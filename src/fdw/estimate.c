/*-------------------------------------------------------------------------
 *
 * estimate.c
 *		  Table size estimates from the server, for costing scans.
 *
 * Each Cassandra node keeps, in system.size_estimates, the number of
 * partitions and their mean size for each of its primary token ranges,
 * refreshed every few minutes from flushed data only.  Every node that is
 * up is asked directly (the table is the node's own); planning waits for
 * the first answer only (or for every node to fail) and takes the others
 * that have come by then, so a node that hangs does not hold it up.  The estimate of a table is the sum
 * of the answers, scaled up for the nodes that did not answer, times the
 * rows a partition of that mean size holds.  A table with no
 * estimate yet (new, or nothing flushed) has none: the caller then costs it
 * as large and unknown, never as empty.  Estimates are kept per user
 * mapping for a minute, so planning does not ask the cluster every time.
 *
 * IDENTIFICATION
 *		  src/fdw/estimate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cql_fdw.h"

#define ESTIMATE_KEY_LEN (NAMEDATALEN * 2 + 32)
#define ESTIMATE_TTL_MS 60000
/* bytes a row of a wide partition takes, per column, as a rough guess */
#define BYTES_PER_CELL 16.0

typedef struct EstimateEntry
{
	char		key[ESTIMATE_KEY_LEN];	/* umid/keyspace/table */
	TimestampTz fetched;
	double		rows;			/* < 0: none */
} EstimateEntry;

static HTAB *EstimateHash = NULL;

static const char *const estimate_query =
"SELECT partitions_count, mean_partition_size FROM system.size_estimates "
"WHERE keyspace_name = ? AND table_name = ?";

typedef struct PendingEstimates
{
	cql_future **futures;
	int			n;
} PendingEstimates;

/* Has a node answered, or have all failed? */
static bool
any_answered(void *arg)
{
	PendingEstimates *p = arg;
	int			done = 0;

	for (int i = 0; i < p->n; i++)
	{
		if (!cql_future_done(p->futures[i]))
			continue;
		if (cql_future_rc(p->futures[i]) == CQL_OK)
			return true;
		done++;
	}
	return done == p->n;
}

/* Add what one node's answer says to *partitions and *bytes. */
static void
add_node_estimate(const cql_result *res, double *partitions, double *bytes)
{
	cql_row_cursor cur;
	cql_slice	cells[2];

	if (cql_result_kind(res) != CQL_RESULT_ROWS || cql_result_column_count(res) != 2)
		return;
	cql_result_rows(res, &cur);
	while (cql_row_next(&cur, cells))
	{
		int64_t		count;
		int64_t		size;

		if (cells[0].len != 8 || cells[1].len != 8 ||
			cql_decode_bigint(cells[0], &count) != CQL_OK ||
			cql_decode_bigint(cells[1], &size) != CQL_OK || count <= 0)
			continue;
		*partitions += (double) count;
		*bytes += (double) count * (double) Max(size, 0);
	}
}

static double
fetch_estimate(cql_session *s, const CqlTableMeta *meta, const char *server)
{
	cql_query_params p;
	cql_slice	values[2];
	int			nhosts = cql_session_host_count(s, NULL);
	cql_future **futures = palloc0(sizeof(cql_future *) * Max(nhosts, 1));
	volatile int nsent = 0;
	PendingEstimates pending;
	int			answered = 0;
	double		partitions = 0;
	double		bytes = 0;

	values[0].data = (const uint8_t *) meta->keyspace;
	values[0].len = strlen(meta->keyspace);
	values[1].data = (const uint8_t *) meta->table;
	values[1].len = strlen(meta->table);
	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	p.values = values;
	p.nvalues = 2;
	p.idempotent = true;

	/* every node that is up at once, then the answers as they come */
	PG_TRY();
	{
		for (int i = 0; i < nhosts; i++)
		{
			char		host[96];
			bool		up;

			if (cql_session_host_at(s, i, host, sizeof(host), &up) != CQL_OK || !up)
				continue;
			p.host = host;
			futures[nsent] = cql_session_query(s, estimate_query, &p);
			if (futures[nsent] == NULL)
				ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
			nsent++;
		}
		pending.futures = futures;
		pending.n = nsent;
		cqlfdw_wait_until(any_answered, &pending);
		cql_reactor_run(cqlfdw_reactor());
		for (int i = 0; i < nsent; i++)
		{
			/*
			 * A node that has not answered yet, or cannot, leaves its share
			 * to the others (its request is abandoned, not waited for).
			 */
			if (cql_future_done(futures[i]) && cql_future_rc(futures[i]) == CQL_OK)
			{
				add_node_estimate(cql_future_result(futures[i]), &partitions, &bytes);
				answered++;
			}
			cql_future_release(futures[i]);
			futures[i] = NULL;
		}
	}
	PG_CATCH();
	{
		for (int i = 0; i < nsent; i++)
			if (futures[i])
				cql_future_release(futures[i]);
		PG_RE_THROW();
	}
	PG_END_TRY();
	pfree(futures);
	if (answered == 0 || partitions <= 0)
		return -1;				/* nothing flushed yet, or not computed yet */

	partitions *= (double) nhosts / answered;
	bytes *= (double) nhosts / answered;
	if (meta->nck == 0)
		return partitions;
	/* a wide partition: as many rows as its mean size suggests */
	return Max(partitions, bytes / (BYTES_PER_CELL * Max(meta->ncolumns, 1)));
}

/*
 * Estimated rows of the table of meta, or -1 when the server has no
 * estimate.
 */
double
cqlfdw_estimate_rows(UserMapping *user, cql_session *s, const CqlTableMeta *meta,
					 const char *server)
{
	char		key[ESTIMATE_KEY_LEN];
	EstimateEntry *entry;
	bool		found;
	TimestampTz now = GetCurrentTimestamp();

	if (EstimateHash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = ESTIMATE_KEY_LEN;
		ctl.entrysize = sizeof(EstimateEntry);
		EstimateHash = hash_create("cql_fdw size estimates", 16, &ctl,
								   HASH_ELEM | HASH_STRINGS);
	}
	memset(key, 0, sizeof(key));
	snprintf(key, sizeof(key), "%u/%s/%s", user->umid, meta->keyspace, meta->table);
	entry = hash_search(EstimateHash, key, HASH_FIND, &found);
	if (found && !TimestampDifferenceExceeds(entry->fetched, now, ESTIMATE_TTL_MS))
		return entry->rows;
	{
		double		rows = fetch_estimate(s, meta, server);

		entry = hash_search(EstimateHash, key, HASH_ENTER, &found);
		entry->fetched = now;
		entry->rows = rows;
		return rows;
	}
}
