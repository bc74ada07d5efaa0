/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA, composite types for user-defined types, and
 *		  bringing an imported table up to date.
 *
 * Everything here reads the server's system_schema directly (tables,
 * views, columns, types), on the control connection's node, so what is
 * imported is what that node knows right after a schema change that
 * cql_fdw_execute() waited for.  Values are bound, never interpolated.
 *
 * The PostgreSQL side: a table or column keeps its Cassandra name when
 * PostgreSQL can hold it (quote_identifier quotes case, spaces, quotes and
 * reserved words), and every generated table and column carries the
 * "table" and "column_name" options, so renaming on the PostgreSQL side
 * never loses the link.  A name PostgreSQL cannot hold (longer than
 * NAMEDATALEN - 1 bytes, or a system column name such as xmin) is changed,
 * and the option keeps the link.
 *
 * IMPORT may only return CREATE FOREIGN TABLE commands, so the two other
 * jobs are SQL functions: cql_fdw_create_types() makes the composite types
 * of a keyspace's UDTs (nested ones first), and cql_fdw_refresh_table()
 * issues the ALTER FOREIGN TABLE commands that bring a table in line with
 * the Cassandra table after its schema changed.  cql_fdw_import_commands()
 * returns the commands IMPORT would run, to preview or pin them.
 *
 * IDENTIFICATION
 *		  src/fdw/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "cql_fdw.h"

/* rows per page of the system_schema reads */
#define IMPORT_PAGE_SIZE	1000

/* ---------- CQL type text, as system_schema writes it ---------- */

typedef enum CqlTypeKind
{
	CT_NATIVE,					/* name: the lower-case native type */
	CT_LIST,
	CT_SET,
	CT_MAP,
	CT_TUPLE,
	CT_VECTOR,					/* sub[0] and dimension */
	CT_UDT,						/* name: the UDT, exactly */
	CT_CUSTOM					/* name: the Java class */
} CqlTypeKind;

typedef struct CqlTypeNode
{
	CqlTypeKind kind;
	char	   *name;
	int			nsub;
	struct CqlTypeNode **sub;
	int			dimension;
} CqlTypeNode;

/* native CQL types and the PostgreSQL type each reads as (DESIGN.md) */
static const struct
{
	const char *cql;
	const char *pg;
}			native_types[] =
{
	{"ascii", "text"},
	{"text", "text"},
	{"varchar", "text"},
	{"tinyint", "smallint"},
	{"smallint", "smallint"},
	{"int", "integer"},
	{"bigint", "bigint"},
	{"counter", "bigint"},
	{"varint", "numeric"},
	{"decimal", "numeric"},
	{"float", "real"},
	{"double", "double precision"},
	{"boolean", "boolean"},
	{"blob", "bytea"},
	{"uuid", "uuid"},
	{"timeuuid", "uuid"},
	{"inet", "inet"},
	{"date", "date"},
	{"time", "time without time zone"},
	{"timestamp", "timestamp with time zone"},
	{"duration", "interval"},
	{NULL, NULL}
};

/* ---------- what system_schema says ---------- */

typedef struct RemoteColumn
{
	char	   *name;
	int			kind;			/* enum CqlColumnKind */
	int			position;		/* 0-based in its key, -1 for the others */
	bool		descending;
	char	   *type;			/* CQL type text */
} RemoteColumn;

typedef struct RemoteTable
{
	char	   *name;
	bool		is_view;
	char	   *pgname;			/* the foreign table's name */
	List	   *columns;		/* RemoteColumn, as read */
} RemoteTable;

typedef struct RemoteUdt
{
	char	   *name;
	int			nfields;
	char	  **field_names;
	char	  **field_types;
} RemoteUdt;

/* ---------- options of IMPORT and of the functions ---------- */

typedef enum UdtMode
{
	UDT_AUTO,					/* a matching composite type if there is one */
	UDT_COMPOSITE,				/* a matching composite type, or an error */
	UDT_JSONB
} UdtMode;

typedef struct ImportOptions
{
	bool		collections_jsonb;	/* lists and sets as jsonb, not arrays */
	UdtMode		udts;
	char	   *udt_schema;		/* where the composite types are */
	bool		udt_schema_given;	/* named by an option: it must exist */
	bool		if_not_exists;
	bool		import_views;
} ImportOptions;

/* What a type is mapped with. */
typedef struct TypeMapper
{
	const ImportOptions *opts;
	const char *keyspace;
	List	   *udts;			/* RemoteUdt of the keyspace */
	Oid			udt_nsp;		/* udt_schema's OID, or InvalidOid */
	bool		creating;		/* UDTs are the composites being created */
} TypeMapper;

typedef void (*RowCallback) (const cql_result *res, const cql_slice *cells,
							 void *arg);

static cql_session *server_session(ForeignServer *server);
static void check_cql_server(ForeignServer *server);
static void query_rows(cql_session *s, const char *server, const char *cql,
					   const char *const *args, int nargs, int ncolumns,
					   RowCallback fn, void *arg);
static void check_keyspace(cql_session *s, const char *server, const char *keyspace);
static List *fetch_tables(cql_session *s, const char *server, const char *keyspace);
static void fetch_columns(cql_session *s, const char *server, const char *keyspace,
						  const char *table, List *tables);
static List *fetch_udts(cql_session *s, const char *server, const char *keyspace);
static CqlTypeNode *parse_type_text(const char *text);
static char *map_type(TypeMapper *m, const char *type_text, const char *what);
static List *ordered_columns(const RemoteTable *t);
static List *key_options(const RemoteColumn *c);
static char *pg_name(const char *name, List *used, bool column);
static void parse_import_options(List *options, const char *local_schema,
								 ImportOptions *opts, bool for_refresh);
static List *import_commands(ForeignServer *server, const char *keyspace,
							 const char *local_schema, ImportOptions *opts,
							 ImportForeignSchemaType list_type, List *names);

/* ---------- talking to the server ---------- */

static void
check_cql_server(ForeignServer *server)
{
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);

	if (fdw->fdwhandler == InvalidOid ||
		strcmp(get_func_name(fdw->fdwhandler), "cql_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" does not use the cql_fdw foreign-data wrapper",
						server->servername)));
}

static cql_session *
server_session(ForeignServer *server)
{
	UserMapping *user = GetUserMapping(GetUserId(), server->serverid);
	CqlServerOptions opts;

	cqlfdw_server_options(server, user, &opts);
	return cqlfdw_get_session(user, &opts);
}

/*
 * Call fn for each row of a page; true when there are more pages, with the
 * paging state copied to *paging.
 */
static bool
page_rows(const cql_result *res, const char *server, const char *cql, int ncolumns,
		  RowCallback fn, void *arg, char **paging, int *paging_len)
{
	cql_row_cursor cur;
	cql_slice  *cells;
	cql_slice	ps;

	if (cql_result_kind(res) != CQL_RESULT_ROWS ||
		cql_result_column_count(res) != ncolumns)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
				 errmsg("unexpected answer from server \"%s\" to a schema query", server),
				 errdetail("Expected rows of %d columns.", ncolumns),
				 errcontext("remote CQL: %s", cql)));
	cells = palloc(sizeof(cql_slice) * ncolumns);
	cql_result_rows(res, &cur);
	while (cql_row_next(&cur, cells) == 1)
		fn(res, cells, arg);
	if (!cql_result_has_more_pages(res))
		return false;
	ps = cql_result_paging_state(res);
	if (ps.len <= 0)
		return false;
	*paging = palloc(ps.len);
	memcpy(*paging, ps.data, ps.len);
	*paging_len = ps.len;
	return true;
}

/* page_rows, freeing the result whatever happens */
static bool
consume_page(cql_result *res, const char *server, const char *cql, int ncolumns,
			 RowCallback fn, void *arg, char **paging, int *paging_len)
{
	volatile bool more = false;

	PG_TRY();
	{
		more = page_rows(res, server, cql, ncolumns, fn, arg, paging, paging_len);
	}
	PG_CATCH();
	{
		cql_result_free(res);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cql_result_free(res);
	return more;
}

/*
 * Run a SELECT with text arguments, page by page, calling fn for each row.
 * The result of each page is freed whatever fn does.
 */
static void
query_rows(cql_session *s, const char *server, const char *cql,
		   const char *const *args, int nargs, int ncolumns,
		   RowCallback fn, void *arg)
{
	cql_slice	values[4];
	char	   *paging = NULL;
	int			paging_len = 0;
	bool		more = true;

	Assert(nargs <= lengthof(values));
	for (int i = 0; i < nargs; i++)
	{
		values[i].data = (const uint8_t *) args[i];
		values[i].len = strlen(args[i]);
	}
	while (more)
	{
		cql_query_params p;
		cql_future *f;
		cql_result *res;

		memset(&p, 0, sizeof(p));
		p.consistency = CQL_CONSISTENCY_ONE;
		p.page_size = IMPORT_PAGE_SIZE;
		p.values = values;
		p.nvalues = nargs;
		p.idempotent = true;
		p.on_control = true;
		if (paging)
		{
			p.paging_state.data = (const uint8_t *) paging;
			p.paging_state.len = paging_len;
		}
		f = cql_session_query(s, cql, &p);
		if (f == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		cqlfdw_wait_owned(f);
		res = cqlfdw_finish(f, cql, server);
		more = consume_page(res, server, cql, ncolumns, fn, arg, &paging, &paging_len);
		CHECK_FOR_INTERRUPTS();
	}
}

static char *
cell_text(cql_slice v)
{
	if (v.len < 0)
		return NULL;
	return pnstrdup((const char *) v.data, v.len);
}

/* the elements of a list<text> cell */
static char **
cell_text_list(const cql_result *res, int column, cql_slice v, int *n)
{
	const cql_column *col = cql_result_column(res, column);
	cql_iter	it;
	cql_slice	e;
	char	  **out;
	int			rc;
	int			i = 0;

	*n = 0;
	if (v.len < 0)
		return NULL;
	rc = cql_iter_begin(v, col->type, &it);
	if (rc != CQL_OK && rc != CQL_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("malformed list in column %s of system_schema", col->name)));
	out = palloc0(sizeof(char *) * Max(cql_iter_size(&it), 1));
	while ((rc = cql_iter_next(&it, &e)) == 1)
	{
		if (i >= cql_iter_size(&it))
			break;
		out[i++] = e.len < 0 ? pstrdup("") : cell_text(e);
	}
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("malformed list in column %s of system_schema", col->name)));
	*n = i;
	return out;
}

/* ---------- keyspaces, tables, columns, types ---------- */

typedef struct KeyspaceSearch
{
	const char *wanted;
	bool		found;
	char	   *other_case;		/* a keyspace that differs only in case */
} KeyspaceSearch;

static void
keyspace_row(const cql_result *res, const cql_slice *cells, void *arg)
{
	KeyspaceSearch *ks = arg;
	char	   *name = cell_text(cells[0]);

	if (name == NULL)
		return;
	if (strcmp(name, ks->wanted) == 0)
		ks->found = true;
	else if (pg_strcasecmp(name, ks->wanted) == 0)
		ks->other_case = name;
}

/*
 * Raise a clear error when the keyspace does not exist, with a hint when
 * the name was folded to lower case on the way (an unquoted identifier).
 */
static void
check_keyspace(cql_session *s, const char *server, const char *keyspace)
{
	KeyspaceSearch ks = {keyspace, false, NULL};

	query_rows(s, server, "SELECT keyspace_name FROM system_schema.keyspaces",
			   NULL, 0, 1, keyspace_row, &ks);
	if (ks.found)
		return;
	if (ks.other_case)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("Cassandra keyspace \"%s\" does not exist", keyspace),
				 errdetail("Server \"%s\" has a keyspace \"%s\"; Cassandra names are case-sensitive.",
						   server, ks.other_case),
				 errhint("Double-quote the name to keep its case: %s.",
						 quote_identifier(ks.other_case))));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
			 errmsg("Cassandra keyspace \"%s\" does not exist", keyspace),
			 errdetail("Server \"%s\" has no such keyspace in system_schema.keyspaces.",
					   server)));
}

typedef struct TableCollect
{
	List	   *tables;
	bool		views;
} TableCollect;

static void
table_row(const cql_result *res, const cql_slice *cells, void *arg)
{
	TableCollect *tc = arg;
	RemoteTable *t;

	if (cells[0].len < 0)
		return;
	t = palloc0(sizeof(RemoteTable));
	t->name = cell_text(cells[0]);
	t->is_view = tc->views;
	tc->tables = lappend(tc->tables, t);
}

static int
table_name_cmp(const ListCell *a, const ListCell *b)
{
	const RemoteTable *x = lfirst(a);
	const RemoteTable *y = lfirst(b);

	return strcmp(x->name, y->name);
}

/* The tables and materialized views of a keyspace, by name. */
static List *
fetch_tables(cql_session *s, const char *server, const char *keyspace)
{
	TableCollect tc = {NIL, false};
	const char *args[1] = {keyspace};

	query_rows(s, server,
			   "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
			   args, 1, 1, table_row, &tc);
	tc.views = true;
	query_rows(s, server,
			   "SELECT view_name FROM system_schema.views WHERE keyspace_name = ?",
			   args, 1, 1, table_row, &tc);
	list_sort(tc.tables, table_name_cmp);
	return tc.tables;
}

typedef struct ColumnCollect
{
	List	   *tables;
	RemoteTable *last;
} ColumnCollect;

static void
column_row(const cql_result *res, const cql_slice *cells, void *arg)
{
	ColumnCollect *cc = arg;
	char	   *table = cell_text(cells[0]);
	char	   *kind = cell_text(cells[2]);
	char	   *order = cell_text(cells[4]);
	RemoteColumn *c;
	int32_t		pos = -1;

	if (table == NULL || cells[1].len < 0 || cells[5].len < 0)
		return;
	if (cc->last == NULL || strcmp(cc->last->name, table) != 0)
	{
		ListCell   *lc;

		cc->last = NULL;
		foreach(lc, cc->tables)
		{
			RemoteTable *t = lfirst(lc);

			if (strcmp(t->name, table) == 0)
			{
				cc->last = t;
				break;
			}
		}
		if (cc->last == NULL)
			return;				/* not one we import */
	}
	c = palloc0(sizeof(RemoteColumn));
	c->name = cell_text(cells[1]);
	c->kind = CQL_COLUMN_REGULAR;
	if (kind && strcmp(kind, "partition_key") == 0)
		c->kind = CQL_COLUMN_PARTITION_KEY;
	else if (kind && strcmp(kind, "clustering") == 0)
		c->kind = CQL_COLUMN_CLUSTERING;
	else if (kind && strcmp(kind, "static") == 0)
		c->kind = CQL_COLUMN_STATIC;
	if (cells[3].len == 4)
		(void) cql_decode_int(cells[3], &pos);
	c->position = pos;
	c->descending = order && strcmp(order, "desc") == 0;
	c->type = cell_text(cells[5]);
	cc->last->columns = lappend(cc->last->columns, c);
}

/* Attach their columns to tables: of one table, or of the whole keyspace. */
static void
fetch_columns(cql_session *s, const char *server, const char *keyspace,
			  const char *table, List *tables)
{
	ColumnCollect cc = {tables, NULL};
	const char *args[2] = {keyspace, table};

	query_rows(s, server,
			   table
			   ? "SELECT table_name, column_name, kind, position, clustering_order, type "
			   "FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?"
			   : "SELECT table_name, column_name, kind, position, clustering_order, type "
			   "FROM system_schema.columns WHERE keyspace_name = ?",
			   args, table ? 2 : 1, 6, column_row, &cc);
}

static void
udt_row(const cql_result *res, const cql_slice *cells, void *arg)
{
	List	  **udts = arg;
	RemoteUdt  *u;
	int			ntypes;

	if (cells[0].len < 0)
		return;
	u = palloc0(sizeof(RemoteUdt));
	u->name = cell_text(cells[0]);
	u->field_names = cell_text_list(res, 1, cells[1], &u->nfields);
	u->field_types = cell_text_list(res, 2, cells[2], &ntypes);
	if (ntypes != u->nfields)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
				 errmsg("user-defined type \"%s\" has %d field names and %d field types in system_schema.types",
						u->name, u->nfields, ntypes)));
	*udts = lappend(*udts, u);
}

static List *
fetch_udts(cql_session *s, const char *server, const char *keyspace)
{
	List	   *udts = NIL;
	const char *args[1] = {keyspace};

	query_rows(s, server,
			   "SELECT type_name, field_names, field_types FROM system_schema.types "
			   "WHERE keyspace_name = ?",
			   args, 1, 3, udt_row, &udts);
	return udts;
}

static RemoteUdt *
find_udt(List *udts, const char *name)
{
	ListCell   *lc;

	foreach(lc, udts)
	{
		RemoteUdt  *u = lfirst(lc);

		if (strcmp(u->name, name) == 0)
			return u;
	}
	return NULL;
}

/* ---------- parsing CQL type text ---------- */

static void
skip_space(const char **p)
{
	while (isspace((unsigned char) **p))
		(*p)++;
}

/*
 * One type at *p: a native name, a UDT (a name, double-quoted when it needs
 * it), a custom class in single quotes, or frozen/list/set/map/tuple/vector
 * with arguments.  NULL on anything else.
 */
static CqlTypeNode *
parse_type(const char **p, int depth)
{
	CqlTypeNode *t;
	StringInfoData name;
	bool		quoted = false;

	if (depth > CQL_MAX_VALUE_DEPTH)
		return NULL;
	skip_space(p);
	initStringInfo(&name);
	if (**p == '\'' || **p == '"')
	{
		char		q = **p;

		quoted = true;
		(*p)++;
		for (;;)
		{
			if (**p == '\0')
				return NULL;
			if (**p == q)
			{
				if ((*p)[1] != q)
					break;
				(*p)++;
			}
			appendStringInfoChar(&name, **p);
			(*p)++;
		}
		(*p)++;
		t = palloc0(sizeof(CqlTypeNode));
		t->kind = q == '\'' ? CT_CUSTOM : CT_UDT;
		t->name = name.data;
		return t;
	}
	while (isalnum((unsigned char) **p) || **p == '_')
	{
		appendStringInfoChar(&name, **p);
		(*p)++;
	}
	if (name.len == 0)
		return NULL;
	skip_space(p);
	t = palloc0(sizeof(CqlTypeNode));
	if (**p == '<' && !quoted)
	{
		List	   *args = NIL;
		bool		frozen = pg_strcasecmp(name.data, "frozen") == 0;
		bool		vector = pg_strcasecmp(name.data, "vector") == 0;

		if (pg_strcasecmp(name.data, "list") == 0)
			t->kind = CT_LIST;
		else if (pg_strcasecmp(name.data, "set") == 0)
			t->kind = CT_SET;
		else if (pg_strcasecmp(name.data, "map") == 0)
			t->kind = CT_MAP;
		else if (pg_strcasecmp(name.data, "tuple") == 0)
			t->kind = CT_TUPLE;
		else if (vector)
			t->kind = CT_VECTOR;
		else if (!frozen)
			return NULL;
		(*p)++;
		for (;;)
		{
			skip_space(p);
			if (vector && list_length(args) == 1)
			{
				char	   *end;
				long		dim = strtol(*p, &end, 10);

				if (end == *p || dim <= 0 || dim > INT_MAX)
					return NULL;
				t->dimension = (int) dim;
				*p = end;
			}
			else
			{
				CqlTypeNode *sub = parse_type(p, depth + 1);

				if (sub == NULL)
					return NULL;
				args = lappend(args, sub);
			}
			skip_space(p);
			if (**p == ',')
			{
				(*p)++;
				continue;
			}
			if (**p == '>')
			{
				(*p)++;
				break;
			}
			return NULL;
		}
		if (frozen)
			return list_length(args) == 1 ? linitial(args) : NULL;
		t->nsub = list_length(args);
		t->sub = palloc(sizeof(CqlTypeNode *) * Max(t->nsub, 1));
		for (int i = 0; i < t->nsub; i++)
			t->sub[i] = list_nth(args, i);
		if (((t->kind == CT_LIST || t->kind == CT_SET) && t->nsub != 1) ||
			(t->kind == CT_MAP && t->nsub != 2) ||
			(t->kind == CT_TUPLE && t->nsub < 1) ||
			(t->kind == CT_VECTOR && (t->nsub != 1 || t->dimension <= 0)))
			return NULL;
		return t;
	}
	for (int i = 0; native_types[i].cql; i++)
	{
		if (pg_strcasecmp(name.data, native_types[i].cql) == 0)
		{
			t->kind = CT_NATIVE;
			t->name = (char *) native_types[i].cql;
			return t;
		}
	}
	t->kind = CT_UDT;
	t->name = name.data;
	return t;
}

/* The whole text as one type, or NULL. */
static CqlTypeNode *
parse_type_text(const char *text)
{
	const char *p = text;
	CqlTypeNode *t = parse_type(&p, 0);

	if (t == NULL)
		return NULL;
	skip_space(&p);
	return *p == '\0' ? t : NULL;
}

static const char *
native_pg_type(const char *cql)
{
	for (int i = 0; native_types[i].cql; i++)
		if (strcmp(native_types[i].cql, cql) == 0)
			return native_types[i].pg;
	return NULL;
}

/* the first custom class in t, or NULL */
static const char *
custom_in(const CqlTypeNode *t)
{
	if (t->kind == CT_CUSTOM)
		return t->name;
	for (int i = 0; i < t->nsub; i++)
	{
		const char *c = custom_in(t->sub[i]);

		if (c)
			return c;
	}
	return NULL;
}

/* ---------- mapping types ---------- */

/*
 * The composite type of a UDT in the mapper's schema when its attributes
 * are the UDT's fields, by name and in order; InvalidOid otherwise, with
 * the reason in *why.  When the attributes are the first fields of the UDT
 * (fields were added to it since), *prefix is their number, else -1.
 */
static Oid
matching_composite(TypeMapper *m, const RemoteUdt *u, char **why, int *prefix)
{
	Oid			typid;
	Oid			relid;
	TupleDesc	desc;
	int			n = 0;
	bool		same = true;

	if (prefix)
		*prefix = -1;
	if (!OidIsValid(m->udt_nsp))
	{
		*why = psprintf("Schema \"%s\" does not exist.", m->opts->udt_schema);
		return InvalidOid;
	}
	typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							CStringGetDatum(u->name), ObjectIdGetDatum(m->udt_nsp));
	if (!OidIsValid(typid))
	{
		*why = psprintf("Type %s does not exist.",
						quote_qualified_identifier(m->opts->udt_schema, u->name));
		return InvalidOid;
	}
	relid = get_typ_typrelid(typid);
	if (get_typtype(typid) != TYPTYPE_COMPOSITE || !OidIsValid(relid) ||
		get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE)
	{
		*why = psprintf("%s is not a composite type made with CREATE TYPE.",
						format_type_be_qualified(typid));
		return InvalidOid;
	}
	desc = lookup_rowtype_tupdesc(typid, -1);
	for (int i = 0; i < desc->natts && same; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (n >= u->nfields || strcmp(NameStr(att->attname), u->field_names[n]) != 0)
			same = false;
		n++;
	}
	ReleaseTupleDesc(desc);
	if (same && n < u->nfields)
	{
		if (prefix)
			*prefix = n;
		*why = psprintf("%s lacks the last %d fields of the user-defined type.",
						format_type_be_qualified(typid), u->nfields - n);
		return InvalidOid;
	}
	if (!same || n != u->nfields)
	{
		*why = psprintf("The attributes of %s are not the fields of the user-defined type, by name and in order.",
						format_type_be_qualified(typid));
		return InvalidOid;
	}
	return typid;
}

/* The PostgreSQL type of a parsed CQL type; what names the column or field. */
static char *
map_node(TypeMapper *m, const CqlTypeNode *t, const char *what)
{
	switch (t->kind)
	{
		case CT_NATIVE:
			return pstrdup(native_pg_type(t->name));
		case CT_CUSTOM:
			return pstrdup("bytea");
		case CT_LIST:
		case CT_SET:
			if (m->opts->collections_jsonb)
				return pstrdup("jsonb");
			/* of a scalar: an array of it, as convert.c reads it */
			if (t->sub[0]->kind == CT_NATIVE)
				return psprintf("%s[]", native_pg_type(t->sub[0]->name));
			if (t->sub[0]->kind == CT_CUSTOM)
				return pstrdup("bytea[]");
			return pstrdup("jsonb");
		case CT_VECTOR:
			if (t->sub[0]->kind == CT_NATIVE && strcmp(t->sub[0]->name, "float") == 0)
				return pstrdup("real[]");
			return pstrdup("jsonb");
		case CT_MAP:
		case CT_TUPLE:
			return pstrdup("jsonb");
		case CT_UDT:
			{
				RemoteUdt  *u = find_udt(m->udts, t->name);
				char	   *why = NULL;

				if (m->opts->udts == UDT_JSONB)
					return pstrdup("jsonb");
				if (u == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INCONSISTENT_DESCRIPTOR_INFORMATION),
							 errmsg("user-defined type \"%s\" of %s is not in keyspace \"%s\"",
									t->name, what, m->keyspace)));
				if (m->creating)
					return quote_qualified_identifier(m->opts->udt_schema, u->name);
				if (OidIsValid(matching_composite(m, u, &why, NULL)))
					return quote_qualified_identifier(m->opts->udt_schema, u->name);
				if (m->opts->udts == UDT_COMPOSITE)
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_OBJECT),
							 errmsg("no composite type for user-defined type \"%s\" of %s",
									u->name, what),
							 errdetail_internal("%s", why),
							 errhint("Create the types with cql_fdw_create_types(server, '%s', '%s'), or import with OPTIONS (udts 'jsonb').",
									 m->keyspace, m->opts->udt_schema)));
				return pstrdup("jsonb");
			}
	}
	return pstrdup("bytea");		/* keep the compiler quiet */
}

/*
 * The PostgreSQL type of CQL type text.  A type cql_fdw cannot map (a
 * custom class, text it cannot parse) still reads: as bytea, with a NOTICE.
 */
static char *
map_type(TypeMapper *m, const char *type_text, const char *what)
{
	CqlTypeNode *t = parse_type_text(type_text);
	const char *custom;
	char	   *pg;

	if (t == NULL)
	{
		ereport(NOTICE,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("cannot parse Cassandra type %s of %s, imported as bytea",
						type_text, what)));
		return pstrdup("bytea");
	}
	pg = map_node(m, t, what);
	custom = custom_in(t);
	if (custom)
		ereport(NOTICE,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("Cassandra type %s of %s has no PostgreSQL counterpart, imported as %s",
						type_text, what, pg),
				 errdetail("Values of custom type '%s' read as their bytes.", custom)));
	return pg;
}

/* ---------- names and column options ---------- */

static bool
name_used(List *used, const char *name)
{
	ListCell   *lc;

	foreach(lc, used)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/*
 * The PostgreSQL name for a Cassandra name: the same, unless it is too long
 * for a PostgreSQL identifier or (for a column) a system column name; then
 * shortened or suffixed, and made unique among used.
 */
static char *
pg_name(const char *name, List *used, bool column)
{
	char	   *base;
	char	   *candidate;
	int			len = strlen(name);

	if (len >= NAMEDATALEN)
		len = pg_mbcliplen(name, len, NAMEDATALEN - 1);
	base = pnstrdup(name, len);
	if (column && SystemAttributeByName(base) != NULL)
		base = psprintf("%s_", base);
	candidate = base;
	for (int n = 2; name_used(used, candidate); n++)
	{
		char		suffix[16];
		int			keep;

		snprintf(suffix, sizeof(suffix), "_%d", n);
		keep = strlen(base);
		if (keep + strlen(suffix) >= NAMEDATALEN)
			keep = pg_mbcliplen(base, keep, NAMEDATALEN - 1 - strlen(suffix));
		candidate = psprintf("%.*s%s", keep, base, suffix);
	}
	return candidate;
}

static int
kind_rank(int kind)
{
	switch (kind)
	{
		case CQL_COLUMN_PARTITION_KEY:
			return 0;
		case CQL_COLUMN_CLUSTERING:
			return 1;
		case CQL_COLUMN_STATIC:
			return 2;
		default:
			return 3;
	}
}

static int
column_order_cmp(const ListCell *a, const ListCell *b)
{
	const RemoteColumn *x = lfirst(a);
	const RemoteColumn *y = lfirst(b);

	/* partition key, clustering columns, static, regular; keys by position */
	if (x->kind != y->kind)
		return kind_rank(x->kind) - kind_rank(y->kind);
	if (x->kind == CQL_COLUMN_PARTITION_KEY || x->kind == CQL_COLUMN_CLUSTERING)
		return x->position - y->position;
	return strcmp(x->name, y->name);
}

/* The columns of a table in the order the foreign table lists them. */
static List *
ordered_columns(const RemoteTable *t)
{
	List	   *cols = list_copy(t->columns);

	list_sort(cols, column_order_cmp);
	return cols;
}

/*
 * The options that record a column's place in the primary key and its
 * CQL type (the column_name option is the caller's), as DefElems of
 * String values.
 */
static List *
key_options(const RemoteColumn *c)
{
	List	   *opts = NIL;

	if (c->kind == CQL_COLUMN_PARTITION_KEY)
		opts = lappend(opts, makeDefElem("partition_key",
										 (Node *) makeString(psprintf("%d", c->position + 1)), -1));
	if (c->kind == CQL_COLUMN_CLUSTERING)
	{
		opts = lappend(opts, makeDefElem("clustering_key",
										 (Node *) makeString(psprintf("%d", c->position + 1)), -1));
		opts = lappend(opts, makeDefElem("clustering_order",
										 (Node *) makeString(c->descending ? "desc" : "asc"), -1));
	}
	if (c->kind == CQL_COLUMN_STATIC)
		opts = lappend(opts, makeDefElem("static", (Node *) makeString("true"), -1));
	opts = lappend(opts, makeDefElem("cql_type", (Node *) makeString(c->type), -1));
	return opts;
}

static bool
is_key(const RemoteColumn *c)
{
	return c->kind == CQL_COLUMN_PARTITION_KEY || c->kind == CQL_COLUMN_CLUSTERING;
}

/* "name type OPTIONS (...) [NOT NULL]" of one column */
static void
append_column_def(StringInfo buf, TypeMapper *m, const RemoteTable *t,
				  const RemoteColumn *c, const char *pgname)
{
	char	   *what = psprintf("column %s of %s.%s", quote_identifier(c->name),
								quote_identifier(m->keyspace), quote_identifier(t->name));
	ListCell   *lc;

	appendStringInfo(buf, "%s %s OPTIONS (column_name %s",
					 quote_identifier(pgname), map_type(m, c->type, what),
					 quote_literal_cstr(c->name));
	foreach(lc, key_options(c))
	{
		DefElem    *d = lfirst(lc);

		appendStringInfo(buf, ", %s %s", d->defname, quote_literal_cstr(strVal(d->arg)));
	}
	appendStringInfoChar(buf, ')');
	/* a key column is never null in Cassandra */
	if (is_key(c))
		appendStringInfoString(buf, " NOT NULL");
}

static char *
table_command(TypeMapper *m, ForeignServer *server, const char *local_schema,
			  const RemoteTable *t)
{
	StringInfoData buf;
	List	   *used = NIL;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s%s (\n",
					 m->opts->if_not_exists ? "IF NOT EXISTS " : "",
					 quote_qualified_identifier(local_schema, t->pgname));
	foreach(lc, ordered_columns(t))
	{
		RemoteColumn *c = lfirst(lc);
		char	   *name = pg_name(c->name, used, true);

		used = lappend(used, name);
		if (!first)
			appendStringInfoString(&buf, ",\n");
		first = false;
		appendStringInfoString(&buf, "  ");
		append_column_def(&buf, m, t, c, name);
	}
	appendStringInfo(&buf, "\n) SERVER %s\nOPTIONS (keyspace %s, table %s",
					 quote_identifier(server->servername),
					 quote_literal_cstr(m->keyspace), quote_literal_cstr(t->name));
	if (t->is_view)
		appendStringInfoString(&buf, ", updatable 'false'");
	appendStringInfoString(&buf, ");");
	return buf.data;
}

/* ---------- options ---------- */

#define IMPORT_OPTIONS "collections, udts, udt_schema, if_not_exists, import_views"

static bool
option_bool(DefElem *def)
{
	bool		result;
	const char *value = defGetString(def);

	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for import option \"%s\": \"%s\"", def->defname, value),
				 errhint("Valid values are true and false.")));
	return result;
}

/*
 * IMPORT's own options (the validator never sees them).  for_refresh
 * allows only those that decide column types.
 */
static void
parse_import_options(List *options, const char *local_schema, ImportOptions *opts,
					 bool for_refresh)
{
	ListCell   *lc;
	List	   *seen = NIL;

	memset(opts, 0, sizeof(*opts));
	opts->udts = UDT_AUTO;
	opts->udt_schema = pstrdup(local_schema);
	opts->import_views = true;
	foreach(lc, options)
	{
		DefElem    *def = lfirst(lc);
		const char *value = defGetString(def);

		if (name_used(seen, def->defname))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("import option \"%s\" given more than once", def->defname)));
		seen = lappend(seen, def->defname);
		if (strcmp(def->defname, "collections") == 0)
		{
			if (strcmp(value, "array") == 0)
				opts->collections_jsonb = false;
			else if (strcmp(value, "jsonb") == 0)
				opts->collections_jsonb = true;
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for import option \"%s\": \"%s\"", def->defname, value),
						 errhint("Valid values are array (lists and sets of scalars as arrays, the rest as jsonb) and jsonb.")));
		}
		else if (strcmp(def->defname, "udts") == 0)
		{
			if (strcmp(value, "auto") == 0)
				opts->udts = UDT_AUTO;
			else if (strcmp(value, "composite") == 0)
				opts->udts = UDT_COMPOSITE;
			else if (strcmp(value, "jsonb") == 0)
				opts->udts = UDT_JSONB;
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for import option \"%s\": \"%s\"", def->defname, value),
						 errhint("Valid values are auto (a matching composite type if there is one, else jsonb), composite and jsonb.")));
		}
		else if (strcmp(def->defname, "udt_schema") == 0)
		{
			if (value[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("import option \"udt_schema\" must not be empty")));
			opts->udt_schema = pstrdup(value);
			opts->udt_schema_given = true;
		}
		else if (!for_refresh && strcmp(def->defname, "if_not_exists") == 0)
			opts->if_not_exists = option_bool(def);
		else if (!for_refresh && strcmp(def->defname, "import_views") == 0)
			opts->import_views = option_bool(def);
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid import option \"%s\"", def->defname),
					 errhint("Valid options are: %s.",
							 for_refresh ? "collections, udts, udt_schema" : IMPORT_OPTIONS)));
	}
}

/* 'name=value' array elements as DefElems */
static List *
options_from_array(ArrayType *arr)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *options = NIL;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("options must be a one-dimensional array of 'name=value' strings")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *s;
		char	   *eq;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options must not contain nulls")));
		s = TextDatumGetCString(elems[i]);
		eq = strchr(s, '=');
		if (eq == NULL || eq == s)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("invalid import option \"%s\"", s),
					 errhint("Write each option as 'name=value'.")));
		*eq = '\0';
		options = lappend(options, makeDefElem(s, (Node *) makeString(eq + 1), -1));
	}
	return options;
}

/* ---------- IMPORT FOREIGN SCHEMA ---------- */

static RemoteTable *
find_table_by_pgname(List *tables, const char *pgname, RemoteTable **other_case)
{
	ListCell   *lc;

	*other_case = NULL;
	foreach(lc, tables)
	{
		RemoteTable *t = lfirst(lc);

		if (strcmp(t->pgname, pgname) == 0)
			return t;
		if (pg_strcasecmp(t->pgname, pgname) == 0)
			*other_case = t;
	}
	return NULL;
}

static void
init_mapper(TypeMapper *m, ImportOptions *opts, const char *keyspace, List *udts)
{
	memset(m, 0, sizeof(*m));
	m->opts = opts;
	m->keyspace = keyspace;
	m->udts = udts;
	m->udt_nsp = LookupExplicitNamespace(opts->udt_schema, true);
	if (!OidIsValid(m->udt_nsp) && opts->udt_schema_given)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" of import option \"udt_schema\" does not exist",
						opts->udt_schema)));
}

/*
 * The CREATE FOREIGN TABLE commands of a keyspace's tables and views, in
 * name order.  names are the PostgreSQL names of LIMIT TO or EXCEPT; a
 * name that matches no table is an error (most often a case-sensitive name
 * written without double quotes).
 */
static List *
import_commands(ForeignServer *server, const char *keyspace, const char *local_schema,
				ImportOptions *opts, ImportForeignSchemaType list_type, List *names)
{
	cql_session *s = server_session(server);
	List	   *tables;
	List	   *selected = NIL;
	List	   *used = NIL;
	List	   *commands = NIL;
	TypeMapper	m;
	ListCell   *lc;

	check_keyspace(s, server->servername, keyspace);
	tables = fetch_tables(s, server->servername, keyspace);
	foreach(lc, tables)
	{
		RemoteTable *t = lfirst(lc);

		t->pgname = pg_name(t->name, used, false);
		used = lappend(used, t->pgname);
	}

	/* every name of LIMIT TO / EXCEPT must be one of the keyspace's */
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		RemoteTable *other;
		RemoteTable *t = find_table_by_pgname(tables, name, &other);

		if (t == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("Cassandra keyspace \"%s\" has no table or materialized view \"%s\"",
							keyspace, name),
					 other
					 ? errhint("Names are case-sensitive: write %s.", quote_identifier(other->pgname))
					 : 0));
		if (t->is_view && !opts->import_views && list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("\"%s\" is a materialized view, and import_views is false", name)));
	}
	foreach(lc, tables)
	{
		RemoteTable *t = lfirst(lc);
		bool		listed = false;
		ListCell   *ln;

		foreach(ln, names)
			if (strcmp(lfirst(ln), t->pgname) == 0)
				listed = true;
		if (list_type == FDW_IMPORT_SCHEMA_LIMIT_TO && !listed)
			continue;
		if (list_type == FDW_IMPORT_SCHEMA_EXCEPT && listed)
			continue;
		if (t->is_view && !opts->import_views)
			continue;
		selected = lappend(selected, t);
	}
	if (selected == NIL)
		return NIL;

	/* a few tables: their columns only; otherwise the keyspace's at once */
	if (list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
	{
		foreach(lc, selected)
			fetch_columns(s, server->servername, keyspace,
						  ((RemoteTable *) lfirst(lc))->name, selected);
	}
	else
		fetch_columns(s, server->servername, keyspace, NULL, selected);

	init_mapper(&m, opts, keyspace, fetch_udts(s, server->servername, keyspace));
	foreach(lc, selected)
	{
		RemoteTable *t = lfirst(lc);

		if (t->columns == NIL)
		{
			/* dropped between the two reads */
			ereport(NOTICE,
					(errmsg("Cassandra table %s.%s has no columns any more, skipped",
							quote_identifier(keyspace), quote_identifier(t->name))));
			continue;
		}
		commands = lappend(commands, table_command(&m, server, local_schema, t));
	}
	return commands;
}

static List *
rangevar_names(List *table_list)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, table_list)
		names = lappend(names, ((RangeVar *) lfirst(lc))->relname);
	return names;
}

/* The FDW callback: one CREATE FOREIGN TABLE per table and view. */
List *
cqlImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	ImportOptions opts;

	parse_import_options(stmt->options, stmt->local_schema, &opts, false);
	return import_commands(server, stmt->remote_schema, stmt->local_schema, &opts,
						   stmt->list_type, rangevar_names(stmt->table_list));
}

/*
 * Materialize mode for a function returning SETOF a scalar type (the
 * funcapi helper serves row types only).
 */
static Tuplestorestate *
scalar_srf(FunctionCallInfo fcinfo, Oid type)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	TupleDesc	desc;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(desc, (AttrNumber) 1, "result", type, -1, 0);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(old);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	return store;
}

/* ---------- SQL functions ---------- */

static ForeignServer *
usable_server(Name name)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*name), false);
	AclResult	aclresult;

	check_cql_server(server);
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	return server;
}

static void
require_args(FunctionCallInfo fcinfo, int n, const char *const *names)
{
	for (int i = 0; i < n; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not be null", names[i])));
}

PG_FUNCTION_INFO_V1(cql_fdw_import_commands);

/*
 * cql_fdw_import_commands(server name, keyspace text, into_schema name,
 *     options text[] DEFAULT '{}', limit_to text[] DEFAULT NULL,
 *     except_tables text[] DEFAULT NULL) returns setof text:
 * the commands IMPORT FOREIGN SCHEMA would run, without running them.
 */
Datum
cql_fdw_import_commands(PG_FUNCTION_ARGS)
{
	static const char *const argnames[] = {"server", "keyspace", "into_schema", "options"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server;
	ImportOptions opts;
	ImportForeignSchemaType list_type = FDW_IMPORT_SCHEMA_ALL;
	List	   *names = NIL;
	List	   *commands;
	ListCell   *lc;

	require_args(fcinfo, 4, argnames);
	if (!PG_ARGISNULL(4) && !PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("limit_to and except_tables cannot both be given")));
	for (int arg = 4; arg <= 5; arg++)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		if (PG_ARGISNULL(arg))
			continue;
		list_type = arg == 4 ? FDW_IMPORT_SCHEMA_LIMIT_TO : FDW_IMPORT_SCHEMA_EXCEPT;
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(arg), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("table names must not be null")));
			names = lappend(names, TextDatumGetCString(elems[i]));
		}
	}
	server = usable_server(PG_GETARG_NAME(0));
	parse_import_options(options_from_array(PG_GETARG_ARRAYTYPE_P(3)),
						 NameStr(*PG_GETARG_NAME(2)), &opts, false);
	(void) scalar_srf(fcinfo, TEXTOID);
	commands = import_commands(server, text_to_cstring(PG_GETARG_TEXT_PP(1)),
							   NameStr(*PG_GETARG_NAME(2)), &opts, list_type, names);
	foreach(lc, commands)
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		null = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &null);
	}
	return (Datum) 0;
}

/* ---------- composite types for UDTs ---------- */

static bool
udt_references(const CqlTypeNode *t, const char *name)
{
	if (t == NULL)
		return false;
	if (t->kind == CT_UDT && strcmp(t->name, name) == 0)
		return true;
	for (int i = 0; i < t->nsub; i++)
		if (udt_references(t->sub[i], name))
			return true;
	return false;
}

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
					if (udt_references(parse_type_text(u->field_types[f]), other->name))
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

	require_args(fcinfo, 4, argnames);
	server = usable_server(PG_GETARG_NAME(0));
	keyspace = text_to_cstring(PG_GETARG_TEXT_PP(1));
	schema = pstrdup(NameStr(*PG_GETARG_NAME(2)));
	options = list_make1(makeDefElem("collections",
									 (Node *) makeString(text_to_cstring(PG_GETARG_TEXT_PP(3))), -1));
	parse_import_options(options, schema, &opts, true);
	(void) LookupExplicitNamespace(schema, false);
	(void) scalar_srf(fcinfo, REGTYPEOID);

	s = server_session(server);
	check_keyspace(s, server->servername, keyspace);
	udts = fetch_udts(s, server->servername, keyspace);
	init_mapper(&m, &opts, keyspace, udts);
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
		if (OidIsValid(matching_composite(&m, u, &why, &prefix)))
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
								 map_type(&m, u->field_types[f], what));
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
							 map_type(&m, u->field_types[f], what));
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
 * says.  Other columns keep their declared types and options.
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

	require_args(fcinfo, 3, argnames);
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
	check_cql_server(server);
	nspname = get_namespace_name(get_rel_namespace(relid));
	qualified = quote_qualified_identifier(nspname, get_rel_name(relid));
	parse_import_options(options_from_array(PG_GETARG_ARRAYTYPE_P(1)), nspname, &opts, true);
	cqlfdw_server_options(server, NULL, &sopts);
	cqlfdw_table_options(relid, &sopts, &topts);
	(void) scalar_srf(fcinfo, TEXTOID);

	s = server_session(server);
	memset(&table, 0, sizeof(table));
	table.name = topts.table;
	tables = list_make1(&table);
	fetch_columns(s, server->servername, topts.keyspace, topts.table, tables);
	if (table.columns == NIL)
	{
		check_keyspace(s, server->servername, topts.keyspace);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("Cassandra table %s.%s does not exist",
						quote_identifier(topts.keyspace), quote_identifier(topts.table)),
				 errdetail("Server \"%s\" has no such table or materialized view in system_schema.columns.",
						   server->servername)));
	}
	init_mapper(&m, &opts, topts.keyspace, fetch_udts(s, server->servername, topts.keyspace));

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

	foreach(lc, ordered_columns(&table))
	{
		RemoteColumn *c = lfirst(lc);
		int			att = -1;
		char	   *what = psprintf("column %s of %s.%s", quote_identifier(c->name),
									quote_identifier(topts.keyspace), quote_identifier(topts.table));

		for (int i = 0; i < natts; i++)
			if (cnames[i] && !matched[i] && strcmp(cnames[i], c->name) == 0)
			{
				att = i;
				break;
			}
		if (att < 0)
		{
			StringInfoData cmd;
			char	   *name = pg_name(c->name, used, true);

			used = lappend(used, name);
			initStringInfo(&cmd);
			appendStringInfo(&cmd, "ALTER FOREIGN TABLE %s ADD COLUMN ", qualified);
			append_column_def(&cmd, &m, &table, c, name);
			commands = lappend(commands, cmd.data);
		}
		else
		{
			AttrNumber	attnum = att + 1;
			List	   *current = GetForeignColumnOptions(relid, attnum);
			char	   *old_type = column_option(current, "cql_type");
			char	   *attname = get_attname(relid, attnum, false);
			char	   *change;

			matched[att] = true;
			if (old_type && strcmp(old_type, c->type) != 0)
				commands = lappend(commands,
								   psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s TYPE %s",
											qualified, quote_identifier(attname),
											map_type(&m, c->type, what)));
			change = options_change(current, key_options(c));
			if (change[0] != '\0')
				commands = lappend(commands,
								   psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s%s",
											qualified, quote_identifier(attname), change));
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
