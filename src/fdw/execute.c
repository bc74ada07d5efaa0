/*-------------------------------------------------------------------------
 *
 * execute.c
 *		  cql_fdw_execute(): run one CQL statement on a foreign server.
 *
 * For setting up Cassandra schemas and data from SQL (the regression suites
 * create everything they use this way).  It runs with the caller's own user
 * mapping, needs USAGE on the server, and is revoked from PUBLIC since it
 * can drop keyspaces.  After a schema change it waits, bounded, until every
 * node reports the same schema version, so the next statement sees it.
 *
 * IDENTIFICATION
 *		  src/fdw/execute.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "cql_fdw.h"

#define SCHEMA_AGREEMENT_TIMEOUT_MS	10000
#define SCHEMA_AGREEMENT_INTERVAL_MS	200

PG_FUNCTION_INFO_V1(cql_fdw_execute);

/* Run cql and return its result (the caller frees it); errors are raised. */
static cql_result *
run(cql_session *s, const char *cql, int consistency, const char *server,
	bool on_control)
{
	cql_query_params params;
	cql_future *f;

	memset(&params, 0, sizeof(params));
	params.consistency = consistency;
	params.on_control = on_control;
	f = cql_session_query(s, cql, &params);
	if (f == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cqlfdw_wait_owned(f);
	return cqlfdw_finish(f, cql, server);
}

/*
 * Collect the distinct schema versions of a page into versions (16 bytes
 * each); returns the new count.  The version is the last column; when there
 * are two, the first is the node's address, and a node the session knows to
 * be down is left out, as the reference drivers do: it cannot agree until it
 * is back, and waiting for it would only delay every DDL statement by the
 * whole timeout.
 */
static int
collect_versions(cql_session *s, const cql_result *res, uint8 (*versions)[16],
				 int n, int max, int *skipped)
{
	cql_row_cursor cur;
	cql_slice	cells[2];
	int			ncols;

	if (cql_result_kind(res) != CQL_RESULT_ROWS)
		return n;
	ncols = cql_result_column_count(res);
	if (ncols != 1 && ncols != 2)
		return n;
	cql_result_rows(res, &cur);
	while (cql_row_next(&cur, cells) == 1)
	{
		cql_slice	version = cells[ncols - 1];
		uint8		v[16];
		bool		seen = false;

		if (ncols == 2)
		{
			uint8_t		addr[16];
			int			addrlen;

			if (cells[0].len >= 0 && cql_decode_inet(cells[0], addr, &addrlen) == CQL_OK &&
				cql_session_host_state(s, addr, addrlen) == 0)
			{
				(*skipped)++;
				continue;
			}
		}
		if (version.len < 0 || cql_decode_uuid(version, v) != CQL_OK)
			continue;			/* a peer still joining */
		for (int i = 0; i < n; i++)
			if (memcmp(versions[i], v, 16) == 0)
				seen = true;
		if (!seen && n < max)
			memcpy(versions[n++], v, 16);
	}
	return n;
}

/*
 * Wait until the node we talk to and all the peers it knows of agree on the
 * schema version.  Bounded: a WARNING, not a hang, when they do not.
 */
static void
wait_for_schema_agreement(cql_session *s, const char *server)
{
	TimestampTz start = GetCurrentTimestamp();

	for (;;)
	{
		uint8		versions[64][16];
		int			n = 0;
		int			skipped = 0;
		cql_result *res;

		/* both views from one node, the control connection's, as drivers do */
		res = run(s, "SELECT schema_version FROM system.local WHERE key = 'local'",
				  CQL_CONSISTENCY_ONE, server, true);
		n = collect_versions(s, res, versions, n, 64, &skipped);
		cql_result_free(res);
		res = run(s, "SELECT peer, schema_version FROM system.peers",
				  CQL_CONSISTENCY_ONE, server, true);
		n = collect_versions(s, res, versions, n, 64, &skipped);
		cql_result_free(res);
		if (n <= 1)
			return;

		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(),
									   SCHEMA_AGREEMENT_TIMEOUT_MS))
		{
			ereport(WARNING,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("nodes of server \"%s\" did not agree on the schema within %d ms",
							server, SCHEMA_AGREEMENT_TIMEOUT_MS),
					 errdetail("%d different schema versions remain; %d nodes known to be down were not waited for.",
							   n, skipped)));
			return;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 SCHEMA_AGREEMENT_INTERVAL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * cql_fdw_execute(server name, cql text, consistency text DEFAULT 'ONE')
 * returns text: what the server answered ("ROWS 3", "CREATED TABLE ks.t",
 * "OK").
 */
Datum
cql_fdw_execute(PG_FUNCTION_ARGS)
{
	char	   *server_name = NameStr(*PG_GETARG_NAME(0));
	char	   *cql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *cl_name = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ForeignServer *server = GetForeignServerByName(server_name, false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	AclResult	aclresult;
	UserMapping *user;
	CqlServerOptions opts;
	cql_session *s;
	cql_result *res;
	int			consistency = cql_consistency_from_name(cl_name);
	char	   *answer = NULL;

	if (fdw->fdwhandler == InvalidOid ||
		strcmp(get_func_name(fdw->fdwhandler), "cql_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" does not use the cql_fdw foreign-data wrapper",
						server_name)));
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server_name);
	if (consistency < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid consistency level \"%s\"", cl_name),
				 errhint("Valid levels are ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, SERIAL, LOCAL_SERIAL, LOCAL_ONE.")));

	user = GetUserMapping(GetUserId(), server->serverid);
	cqlfdw_server_options(server, user, &opts);
	s = cqlfdw_get_session(user, &opts);

	/* DDL goes to the control node, whose view of the schema we then watch */
	res = run(s, cql, consistency, server_name, true);
	switch (cql_result_kind(res))
	{
		case CQL_RESULT_ROWS:
			answer = psprintf("ROWS %d", (int) cql_result_row_count(res));
			break;
		case CQL_RESULT_SET_KEYSPACE:
			answer = psprintf("USE %s", cql_result_keyspace(res));
			break;
		case CQL_RESULT_SCHEMA_CHANGE:
			{
				const char *target;
				const char *ks;
				const char *name;
				const char *change = cql_result_schema_change(res, &target, &ks, &name);

				answer = name ? psprintf("%s %s %s.%s", change, target, ks, name)
					: psprintf("%s %s %s", change, target, ks);
				break;
			}
		default:
			answer = pstrdup("OK");
			break;
	}
	if (cql_result_kind(res) == CQL_RESULT_SCHEMA_CHANGE)
	{
		cql_result_free(res);
		wait_for_schema_agreement(s, server_name);
	}
	else
		cql_result_free(res);

	PG_RETURN_TEXT_P(cstring_to_text(answer));
}
