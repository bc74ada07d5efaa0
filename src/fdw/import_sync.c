/*-------------------------------------------------------------------------
 *
 * import_sync.c
 *		  Keeping PostgreSQL objects in line with a Cassandra schema:
 *		  composite types for user-defined types, and foreign tables after
 *		  their Cassandra table changed.
 *
 * IMPORT FOREIGN SCHEMA may only return CREATE FOREIGN TABLE commands, so
 * these are SQL functions.  cql_fdw_create_types() makes (or extends) one
 * composite type per UDT of a keyspace, nested ones first;
 * cql_fdw_refresh_table() issues the ALTER FOREIGN TABLE commands that
 * bring a foreign table up to date.  Both read system_schema and map types
 * as IMPORT does (import.c), and run their DDL through SPI, so permissions,
 * event triggers and dependencies are PostgreSQL's own.
 *
 * IDENTIFICATION
 *		  src/fdw/import_sync.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cql_fdw.h"
#include "import.h"

/* ---------- composite types for UDTs ---------- */

/* UDTs ordered so that each comes after the UDTs its fields use. */
static List *
dependency_order(List *udts)
{
	List	   *done = NIL;
	List	   *todo = list_copy(udts);

	while (todo != NIL)
	{
		List	   *next = NIL;
		ListCell   *lc;

		foreach(lc, todo)
		{
			RemoteUdt  *u = lfirst(lc);
			bool		ready = true;
			ListCell   *lo;

			foreach(lo, todo)
			{
				RemoteUdt  *other = lfirst(lo);

				if (other == u)
					continue;
				for (int f = 0; f < u->nfields && ready; f++)
					if (cqlfdw_type_uses_udt(u->field_types[f], other->name))
						ready = false;
			}
			if (ready)
				done = lappend(done, u);
			else
				next = lappend(next, u);
		}
		if (list_length(next) == list_length(todo))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
					 errmsg("the user-defined types of the keyspace refer to each other in a cycle")));
		todo = next;
	}
	return done;
}

static void
check_name_length(const char *name, const char *what)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" is too long for a PostgreSQL name", what, name),
				 errdetail("PostgreSQL names have at most %d bytes.", NAMEDATALEN - 1)));
}

static void
run_sql(const char *sql)
{
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	SPI_finish();
}

PG_FUNCTION_INFO_V1(cql_fdw_create_types);

/*
 * cql_fdw_create_types(server name, keyspace text, into_schema name,
 *     collections text DEFAULT 'array') returns setof regtype:
 * one composite type per user-defined type of the keyspace, named and with
 * attributes named as the UDT and its fields, nested types first.  A type
 * that already exists with the same attributes is skipped with a NOTICE;
 * one whose attributes are the UDT's first fields gets the fields added to
 * the UDT since (ALTER TYPE ADD ATTRIBUTE, which foreign table columns of
 * the type allow); one that exists otherwise is an error.  Returns the
 * types created or extended.
 */
Datum
cql_fdw_create_types(PG_FUNCTION_ARGS)
{
	static const char *const argnames[] = {"server", "keyspace", "into_schema", "collections"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server;
	char	   *keyspace;
	char	   *schema;
	ImportOptions opts;
	TypeMapper	m;
	cql_session *s;
	List	   *udts;
	ListCell   *lc;
	List	   *options;

	cqlfdw_require_args(fcinfo, 4, argnames);
	server = cqlfdw_usable_server(PG_GETARG_NAME(0));
	keyspace = text_to_cstring(PG_GETARG_TEXT_PP(1));
	schema = pstrdup(NameStr(*PG_GETARG_NAME(2)));
	options = list_make1(makeDefElem("collections",
									 (Node *) makeString(text_to_cstring(PG_GETARG_TEXT_PP(3))), -1));
	cqlfdw_parse_import_options(options, schema, &opts, true);
	(void) LookupExplicitNamespace(schema, false);
	(void) cqlfdw_scalar_srf(fcinfo, REGTYPEOID);

	s = cqlfdw_import_session(server);
	cqlfdw_check_keyspace(s, server->servername, keyspace);
	udts = cqlfdw_fetch_udts(s, server->servername, keyspace);
	cqlfdw_init_mapper(&m, &opts, keyspace, udts);
	m.creating = true;

	foreach(lc, dependency_order(udts))
	{
		RemoteUdt  *u = lfirst(lc);
		StringInfoData sql;
		char	   *why;
		int			prefix;
		Oid			typid;
		Datum		value;
		bool		null = false;

		check_name_length(u->name, "user-defined type");
		for (int f = 0; f < u->nfields; f++)
			check_name_length(u->field_names[f], "field");
		m.udt_nsp = LookupExplicitNamespace(schema, false);
		if (OidIsValid(cqlfdw_matching_composite(&m, u, &why, &prefix)))
		{
			ereport(NOTICE,
					(errmsg("type %s already exists with the fields of the user-defined type, skipping",
							quote_qualified_identifier(schema, u->name))));
			continue;
		}
		typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum(u->name), ObjectIdGetDatum(m.udt_nsp));
		initStringInfo(&sql);
		if (prefix > 0)
		{
			/* fields added to the UDT since: add them to the type */
			appendStringInfo(&sql, "ALTER TYPE %s ",
							 quote_qualified_identifier(schema, u->name));
			for (int f = prefix; f < u->nfields; f++)
			{
				char	   *what = psprintf("field %s of user-defined type %s.%s",
											quote_identifier(u->field_names[f]),
											quote_identifier(keyspace), quote_identifier(u->name));

				appendStringInfo(&sql, "%sADD ATTRIBUTE %s %s", f > prefix ? ", " : "",
								 quote_identifier(u->field_names[f]),
								 cqlfdw_map_type(&m, u->field_types[f], what));
			}
			run_sql(sql.data);
			value = ObjectIdGetDatum(typid);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &null);
			continue;
		}
		if (OidIsValid(typid))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("type %s already exists and does not match user-defined type %s.%s",
							quote_qualified_identifier(schema, u->name),
							quote_identifier(keyspace), quote_identifier(u->name)),
					 errdetail_internal("%s", why),
					 errhint("Drop it, or create the types in another schema.")));

		appendStringInfo(&sql, "CREATE TYPE %s AS (",
						 quote_qualified_identifier(schema, u->name));
		for (int f = 0; f < u->nfields; f++)
		{
			char	   *what = psprintf("field %s of user-defined type %s.%s",
										quote_identifier(u->field_names[f]),
										quote_identifier(keyspace), quote_identifier(u->name));

			appendStringInfo(&sql, "%s%s %s", f > 0 ? ", " : "",
							 quote_identifier(u->field_names[f]),
							 cqlfdw_map_type(&m, u->field_types[f], what));
		}
		appendStringInfoChar(&sql, ')');
		run_sql(sql.data);
		typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum(u->name), ObjectIdGetDatum(m.udt_nsp));
		value = ObjectIdGetDatum(typid);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &null);
	}
	return (Datum) 0;
}

/* ---------- bringing a table up to date ---------- */

static char *
column_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, name) == 0)
			return defGetString(d);
	}
	return NULL;
}

/*
 * "OPTIONS (ADD ..., SET ..., DROP ...)" that turns a column's key and type
 * options into wanted; "" when they already are.
 */
static char *
options_change(List *current, List *wanted)
{
	static const char *const managed[] =
	{"partition_key", "clustering_key", "clustering_order", "static", "cql_type", NULL};
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; managed[i]; i++)
	{
		char	   *have = column_option(current, managed[i]);
		char	   *want = column_option(wanted, managed[i]);
		const char *sep = buf.len > 0 ? ", " : "";

		if (want && have == NULL)
			appendStringInfo(&buf, "%sADD %s %s", sep, managed[i], quote_literal_cstr(want));
		else if (want && strcmp(have, want) != 0)
			appendStringInfo(&buf, "%sSET %s %s", sep, managed[i], quote_literal_cstr(want));
		else if (want == NULL && have != NULL)
			appendStringInfo(&buf, "%sDROP %s", sep, managed[i]);
	}
	if (buf.len == 0)
		return buf.data;
	return psprintf(" OPTIONS (%s)", buf.data);
}

PG_FUNCTION_INFO_V1(cql_fdw_refresh_table);

/*
 * cql_fdw_refresh_table(foreign_table regclass, options text[] DEFAULT '{}',
 *     dry_run boolean DEFAULT false) returns setof text:
 * the ALTER FOREIGN TABLE commands that bring the table in line with its
 * Cassandra table, run unless dry_run.  Columns are matched by Cassandra
 * name (column_name or the column's own).  A Cassandra column the table
 * lacks is added; a column Cassandra no longer has is dropped; a column
 * whose cql_type option differs from Cassandra's type gets the type the
 * new CQL type maps to; key and type options are set to what Cassandra
 * says (on every column that reads a Cassandra column, when several do).
 * Other columns keep their declared types and options.
 */
Datum
cql_fdw_refresh_table(PG_FUNCTION_ARGS)
{
	static const char *const argnames[] = {"foreign_table", "options", "dry_run"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	bool		dry_run;
	ForeignTable *ft;
	ForeignServer *server;
	CqlServerOptions sopts;
	CqlTableOptions topts;
	ImportOptions opts;
	char	   *qualified;
	char	   *nspname;
	cql_session *s;
	RemoteTable table;
	List	   *tables;
	TypeMapper	m;
	Relation	rel;
	TupleDesc	desc;
	int			natts;
	char	  **cnames;
	bool	   *matched;
	List	   *used = NIL;
	List	   *commands = NIL;
	ListCell   *lc;

	cqlfdw_require_args(fcinfo, 3, argnames);
	relid = PG_GETARG_OID(0);
	dry_run = PG_GETARG_BOOL(2);
	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a foreign table", get_rel_name(relid))));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	ft = GetForeignTable(relid);
	server = GetForeignServer(ft->serverid);
	cqlfdw_check_cql_server(server);
	nspname = get_namespace_name(get_rel_namespace(relid));
	qualified = quote_qualified_identifier(nspname, get_rel_name(relid));
	cqlfdw_parse_import_options(cqlfdw_options_from_array(PG_GETARG_ARRAYTYPE_P(1)), nspname, &opts, true);
	cqlfdw_server_options(server, NULL, &sopts);
	cqlfdw_table_options(relid, &sopts, &topts);
	(void) cqlfdw_scalar_srf(fcinfo, TEXTOID);

	s = cqlfdw_import_session(server);
	memset(&table, 0, sizeof(table));
	table.name = topts.table;
	tables = list_make1(&table);
	cqlfdw_fetch_columns(s, server->servername, topts.keyspace, topts.table, tables);
	if (table.columns == NIL)
	{
		cqlfdw_check_keyspace(s, server->servername, topts.keyspace);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("Cassandra table %s.%s does not exist",
						quote_identifier(topts.keyspace), quote_identifier(topts.table)),
				 errdetail("Server \"%s\" has no such table or materialized view in system_schema.columns.",
						   server->servername)));
	}
	cqlfdw_init_mapper(&m, &opts, topts.keyspace, cqlfdw_fetch_udts(s, server->servername, topts.keyspace));

	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	natts = desc->natts;
	cnames = palloc0(sizeof(char *) * Max(natts, 1));
	matched = palloc0(sizeof(bool) * Max(natts, 1));
	for (int i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		cnames[i] = cqlfdw_column_name(relid, att->attnum);
		used = lappend(used, pstrdup(NameStr(att->attname)));
	}
	relation_close(rel, AccessShareLock);

	foreach(lc, cqlfdw_ordered_columns(&table))
	{
		RemoteColumn *c = lfirst(lc);
		bool		found = false;
		char	   *what = psprintf("column %s of %s.%s", quote_identifier(c->name),
									quote_identifier(topts.keyspace), quote_identifier(topts.table));

		/* every attribute that reads the column (there may be several) */
		for (int i = 0; i < natts; i++)
		{
			AttrNumber	attnum = i + 1;
			List	   *current;
			char	   *old_type;
			char	   *attname;
			char	   *change;

			if (cnames[i] == NULL || strcmp(cnames[i], c->name) != 0)
				continue;
			found = true;
			matched[i] = true;
			current = GetForeignColumnOptions(relid, attnum);
			old_type = column_option(current, "cql_type");
			attname = get_attname(relid, attnum, false);
			if (old_type && strcmp(old_type, c->type) != 0)
				commands = lappend(commands,
								   psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s TYPE %s",
											qualified, quote_identifier(attname),
											cqlfdw_map_type(&m, c->type, what)));
			change = options_change(current, cqlfdw_key_options(c));
			if (change[0] != '\0')
				commands = lappend(commands,
								   psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s%s",
											qualified, quote_identifier(attname), change));
		}
		if (!found)
		{
			StringInfoData cmd;
			char	   *name = cqlfdw_pg_name(c->name, used, true);

			used = lappend(used, name);
			initStringInfo(&cmd);
			appendStringInfo(&cmd, "ALTER FOREIGN TABLE %s ADD COLUMN ", qualified);
			cqlfdw_append_column_def(&cmd, &m, &table, c, name);
			commands = lappend(commands, cmd.data);
		}
	}
	for (int i = 0; i < natts; i++)
		if (cnames[i] && !matched[i])
			commands = lappend(commands,
							   psprintf("ALTER FOREIGN TABLE %s DROP COLUMN %s", qualified,
										quote_identifier(get_attname(relid, i + 1, false))));

	foreach(lc, commands)
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		null = false;

		if (!dry_run)
			run_sql(lfirst(lc));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &null);
	}
	return (Datum) 0;
}
