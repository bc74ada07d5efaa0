/*-------------------------------------------------------------------------
 *
 * schema.c
 *		  Cassandra table metadata, cached per user mapping.
 *
 * PostgreSQL allows no key constraint on a foreign table, so the primary
 * key (partition key columns in order, then clustering columns with their
 * order) comes from the server's system_schema.columns.  Entries are kept
 * until the session reports a schema change (its schema epoch moves) or the
 * session is replaced.
 *
 * IDENTIFICATION
 *		  src/fdw/schema.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cql_fdw.h"

#define SCHEMA_KEY_LEN (NAMEDATALEN * 2 + 32)

typedef struct SchemaEntry
{
	char		key[SCHEMA_KEY_LEN];	/* umid/keyspace/table */
	cql_session *session;
	uint64		epoch;
	MemoryContext cxt;
	CqlTableMeta *meta;
} SchemaEntry;

static HTAB *SchemaHash = NULL;

static const char *const columns_query =
"SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns "
"WHERE keyspace_name = ? AND table_name = ?";

static char *
cell_cstring(cql_slice v)
{
	if (v.len < 0)
		return NULL;
	return pnstrdup((const char *) v.data, v.len);
}

static int
kind_of(const char *kind)
{
	if (kind == NULL)
		return CQL_COLUMN_REGULAR;
	if (strcmp(kind, "partition_key") == 0)
		return CQL_COLUMN_PARTITION_KEY;
	if (strcmp(kind, "clustering") == 0)
		return CQL_COLUMN_CLUSTERING;
	if (strcmp(kind, "static") == 0)
		return CQL_COLUMN_STATIC;
	return CQL_COLUMN_REGULAR;
}

static CqlTableMeta *
fetch_meta(cql_session *s, const char *keyspace, const char *table, const char *server)
{
	cql_query_params p;
	cql_slice	values[2];
	cql_future *f;
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	cells[5];
	CqlTableMeta *meta;
	int			n = 0;

	values[0].data = (const uint8_t *) keyspace;
	values[0].len = strlen(keyspace);
	values[1].data = (const uint8_t *) table;
	values[1].len = strlen(table);
	memset(&p, 0, sizeof(p));
	p.consistency = CQL_CONSISTENCY_ONE;
	p.values = values;
	p.nvalues = 2;
	p.idempotent = true;
	f = cql_session_query(s, columns_query, &p);
	if (f == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cqlfdw_wait_owned(f);
	res = cqlfdw_finish(f, columns_query, server);

	meta = palloc0(sizeof(CqlTableMeta));
	meta->keyspace = pstrdup(keyspace);
	meta->table = pstrdup(table);
	meta->ncolumns = cql_result_kind(res) == CQL_RESULT_ROWS ? cql_result_row_count(res) : 0;
	meta->columns = palloc0(sizeof(CqlColumnMeta) * Max(meta->ncolumns, 1));
	if (meta->ncolumns > 0 && cql_result_column_count(res) == 5)
	{
		cql_result_rows(res, &cur);
		while (cql_row_next(&cur, cells) && n < meta->ncolumns)
		{
			CqlColumnMeta *c = &meta->columns[n++];
			char	   *order = cell_cstring(cells[3]);
			int32_t		pos = -1;

			c->name = cell_cstring(cells[0]);
			c->kind = kind_of(cell_cstring(cells[1]));
			if (cells[2].len == 4)
				(void) cql_decode_int(cells[2], &pos);
			c->position = pos;
			c->descending = order && strcmp(order, "desc") == 0;
			c->type = cell_cstring(cells[4]);
			if (c->kind == CQL_COLUMN_PARTITION_KEY)
				meta->npk = Max(meta->npk, pos + 1);
			else if (c->kind == CQL_COLUMN_CLUSTERING)
				meta->nck = Max(meta->nck, pos + 1);
		}
	}
	cql_result_free(res);
	if (meta->ncolumns == 0)
	{
		static const char *const ks_query =
			"SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?";
		bool		ks_exists;

		p.nvalues = 1;
		f = cql_session_query(s, ks_query, &p);
		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		res = cqlfdw_finish(f, ks_query, server);
		ks_exists = cql_result_row_count(res) > 0;
		cql_result_free(res);
		if (!ks_exists)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
					 errmsg("Cassandra keyspace %s does not exist", keyspace),
					 errdetail("Server \"%s\" has no such keyspace in system_schema.keyspaces.", server)));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("Cassandra table %s.%s does not exist", keyspace, table),
				 errdetail("Server \"%s\" has no such table in system_schema.columns.", server)));
	}

	/* the key columns, in key order */
	meta->pk = palloc0(sizeof(int) * Max(meta->npk, 1));
	meta->ck = palloc0(sizeof(int) * Max(meta->nck, 1));
	for (int i = 0; i < meta->npk; i++)
		meta->pk[i] = -1;
	for (int i = 0; i < meta->nck; i++)
		meta->ck[i] = -1;
	for (int i = 0; i < meta->ncolumns; i++)
	{
		CqlColumnMeta *c = &meta->columns[i];

		if (c->kind == CQL_COLUMN_PARTITION_KEY && c->position >= 0 && c->position < meta->npk)
			meta->pk[c->position] = i;
		else if (c->kind == CQL_COLUMN_CLUSTERING && c->position >= 0 && c->position < meta->nck)
			meta->ck[c->position] = i;
	}
	for (int i = 0; i < meta->npk; i++)
		if (meta->pk[i] < 0)
			elog(ERROR, "partition key column %d of %s.%s is missing", i, keyspace, table);
	for (int i = 0; i < meta->nck; i++)
		if (meta->ck[i] < 0)
			elog(ERROR, "clustering column %d of %s.%s is missing", i, keyspace, table);
	return meta;
}

/*
 * The metadata of keyspace.table, as the session of user sees it.  The
 * result lives in TopMemoryContext until the schema changes.
 */
const CqlTableMeta *
cqlfdw_table_meta(UserMapping *user, cql_session *s, const char *keyspace,
				  const char *table, const char *server)
{
	char		key[SCHEMA_KEY_LEN];
	SchemaEntry *entry;
	bool		found;
	MemoryContext old;
	MemoryContext cxt;

	if (SchemaHash == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = SCHEMA_KEY_LEN;
		ctl.entrysize = sizeof(SchemaEntry);
		SchemaHash = hash_create("cql_fdw table metadata", 16, &ctl,
								 HASH_ELEM | HASH_STRINGS);
	}
	memset(key, 0, sizeof(key));
	snprintf(key, sizeof(key), "%u/%s/%s", user->umid, keyspace, table);
	entry = hash_search(SchemaHash, key, HASH_ENTER, &found);
	if (found && entry->meta && entry->session == s &&
		entry->epoch == cql_session_schema_epoch(s))
		return entry->meta;
	if (found && entry->cxt)
		MemoryContextDelete(entry->cxt);
	entry->meta = NULL;
	entry->cxt = NULL;

	cxt = AllocSetContextCreate(TopMemoryContext, "cql_fdw table metadata",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		entry->meta = fetch_meta(s, keyspace, table, server);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		hash_search(SchemaHash, key, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	entry->cxt = cxt;
	entry->session = s;
	entry->epoch = cql_session_schema_epoch(s);
	return entry->meta;
}

/* The index of a column in meta, or -1. */
int
cqlfdw_meta_column(const CqlTableMeta *meta, const char *name)
{
	for (int i = 0; i < meta->ncolumns; i++)
		if (strcmp(meta->columns[i].name, name) == 0)
			return i;
	return -1;
}

PG_FUNCTION_INFO_V1(cql_fdw_udts);

/*
 * cql_fdw_udts(server name): the user-defined types the server's cluster
 * has, one row per field, from the session's UDT registry (read again
 * first, so types made a moment ago are there).
 */
Datum
cql_fdw_udts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false);
	AclResult	aclresult;
	UserMapping *user;
	CqlServerOptions opts;
	cql_session *s;
	cql_future *f;
	cql_result *res;

	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	InitMaterializedSRF(fcinfo, 0);
	user = GetUserMapping(GetUserId(), server->serverid);
	cqlfdw_server_options(server, user, &opts);
	s = cqlfdw_get_session(user, &opts);
	f = cql_session_refresh(s);
	if (f == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	cqlfdw_wait_owned(f);
	res = cqlfdw_finish(f, NULL, server->servername);
	cql_result_free(res);

	for (int i = 0; i < cql_session_udt_count(s); i++)
	{
		const cql_udt_info *u = cql_session_udt(s, i);

		for (int k = 0; k < u->nfields; k++)
		{
			Datum		values[5];
			bool		nulls[5] = {0};

			values[0] = CStringGetTextDatum(u->keyspace);
			values[1] = CStringGetTextDatum(u->name);
			values[2] = Int32GetDatum(k + 1);
			values[3] = CStringGetTextDatum(u->field_names[k]);
			values[4] = CStringGetTextDatum(u->field_types[k]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
