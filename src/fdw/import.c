/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA: the server's schema and the type mapping.
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
 * IMPORT may only return CREATE FOREIGN TABLE commands, so making the
 * composite types of UDTs and bringing a table up to date after its
 * Cassandra table changed are SQL functions, in import_sync.c, which share
 * the reading and mapping here (import.h).  cql_fdw_import_commands()
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
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
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
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "cql_fdw.h"
#include "import.h"

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

typedef void (*RowCallback) (const cql_result *res, const cql_slice *cells,
							 void *arg);

static void query_rows(cql_session *s, const char *server, const char *cql,
					   const char *const *args, int nargs, int ncolumns,
					   RowCallback fn, void *arg);
static List *fetch_tables(cql_session *s, const char *server, const char *keyspace);
static CqlTypeNode *parse_type_text(const char *text);
static List *import_commands(ForeignServer *server, const char *keyspace,
							 const char *local_schema, ImportOptions *opts,
							 ImportForeignSchemaType list_type, List *names);

/* ---------- talking to the server ---------- */

void
cqlfdw_check_cql_server(ForeignServer *server)
{
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);

	if (fdw->fdwhandler == InvalidOid ||
		strcmp(get_func_name(fdw->fdwhandler), "cql_fdw_handler") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" does not use the cql_fdw foreign-data wrapper",
						server->servername)));
}

cql_session *
cqlfdw_import_session(ForeignServer *server)
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
				 errcontext("CQL: %s", cql)));
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
void
cqlfdw_check_keyspace(cql_session *s, const char *server, const char *keyspace)
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
void
cqlfdw_fetch_columns(cql_session *s, const char *server, const char *keyspace,
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

List *
cqlfdw_fetch_udts(cql_session *s, const char *server, const char *keyspace)
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
Oid
cqlfdw_matching_composite(TypeMapper *m, const RemoteUdt *u, char **why, int *prefix)
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
				if (OidIsValid(cqlfdw_matching_composite(m, u, &why, NULL)))
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
char *
cqlfdw_map_type(TypeMapper *m, const char *type_text, const char *what)
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
char *
cqlfdw_pg_name(const char *name, List *used, bool column)
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
List *
cqlfdw_ordered_columns(const RemoteTable *t)
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
List *
cqlfdw_key_options(const RemoteColumn *c)
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
void
cqlfdw_append_column_def(StringInfo buf, TypeMapper *m, const RemoteTable *t,
				  const RemoteColumn *c, const char *pgname)
{
	char	   *what = psprintf("column %s of %s.%s", quote_identifier(c->name),
								quote_identifier(m->keyspace), quote_identifier(t->name));
	char	   *type = cqlfdw_map_type(m, c->type, what);
	ListCell   *lc;

	appendStringInfo(buf, "%s %s OPTIONS (column_name %s",
					 quote_identifier(pgname), type, quote_literal_cstr(c->name));
	foreach(lc, cqlfdw_key_options(c))
	{
		DefElem    *d = lfirst(lc);

		appendStringInfo(buf, ", %s %s", d->defname, quote_literal_cstr(strVal(d->arg)));
	}
	appendStringInfoChar(buf, ')');
	/* Cassandra keeps text keys in the order of their UTF-8 bytes */
	if (is_key(c) && m->opts->text_keys_c && strcmp(type, "text") == 0)
		appendStringInfoString(buf, " COLLATE \"C\"");
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
	foreach(lc, cqlfdw_ordered_columns(t))
	{
		RemoteColumn *c = lfirst(lc);
		char	   *name = cqlfdw_pg_name(c->name, used, true);

		used = lappend(used, name);
		if (!first)
			appendStringInfoString(&buf, ",\n");
		first = false;
		appendStringInfoString(&buf, "  ");
		cqlfdw_append_column_def(&buf, m, t, c, name);
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

#define IMPORT_OPTIONS "collections, udts, udt_schema, text_key_collation, if_not_exists, import_views"

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
void
cqlfdw_parse_import_options(List *options, const char *local_schema, ImportOptions *opts,
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
		else if (strcmp(def->defname, "text_key_collation") == 0)
		{
			if (strcmp(value, "C") == 0)
				opts->text_keys_c = true;
			else if (strcmp(value, "default") == 0)
				opts->text_keys_c = false;
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for import option \"%s\": \"%s\"", def->defname, value),
						 errhint("Valid values are default and C (the order Cassandra keeps text keys in).")));
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
							 for_refresh ? "collections, udts, udt_schema, text_key_collation" : IMPORT_OPTIONS)));
	}
}

/* 'name=value' array elements as DefElems */
List *
cqlfdw_options_from_array(ArrayType *arr)
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

void
cqlfdw_init_mapper(TypeMapper *m, ImportOptions *opts, const char *keyspace, List *udts)
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
	cql_session *s = cqlfdw_import_session(server);
	List	   *tables;
	List	   *selected = NIL;
	List	   *used = NIL;
	List	   *commands = NIL;
	TypeMapper	m;
	ListCell   *lc;

	cqlfdw_check_keyspace(s, server->servername, keyspace);
	tables = fetch_tables(s, server->servername, keyspace);
	foreach(lc, tables)
	{
		RemoteTable *t = lfirst(lc);

		t->pgname = cqlfdw_pg_name(t->name, used, false);
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
			cqlfdw_fetch_columns(s, server->servername, keyspace,
						  ((RemoteTable *) lfirst(lc))->name, selected);
	}
	else
		cqlfdw_fetch_columns(s, server->servername, keyspace, NULL, selected);

	cqlfdw_init_mapper(&m, opts, keyspace, cqlfdw_fetch_udts(s, server->servername, keyspace));
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

	cqlfdw_parse_import_options(stmt->options, stmt->local_schema, &opts, false);
	return import_commands(server, stmt->remote_schema, stmt->local_schema, &opts,
						   stmt->list_type, rangevar_names(stmt->table_list));
}

/*
 * Materialize mode for a function returning SETOF a scalar type (the
 * funcapi helper serves row types only).
 */
Tuplestorestate *
cqlfdw_scalar_srf(FunctionCallInfo fcinfo, Oid type)
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

ForeignServer *
cqlfdw_usable_server(Name name)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*name), false);
	AclResult	aclresult;

	cqlfdw_check_cql_server(server);
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	return server;
}

void
cqlfdw_require_args(FunctionCallInfo fcinfo, int n, const char *const *names)
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

	cqlfdw_require_args(fcinfo, 4, argnames);
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
	server = cqlfdw_usable_server(PG_GETARG_NAME(0));
	cqlfdw_parse_import_options(cqlfdw_options_from_array(PG_GETARG_ARRAYTYPE_P(3)),
						 NameStr(*PG_GETARG_NAME(2)), &opts, false);
	(void) cqlfdw_scalar_srf(fcinfo, TEXTOID);
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

/* ---------- what a type uses ---------- */

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

/* Whether CQL type text uses the UDT name (anywhere inside it). */
bool
cqlfdw_type_uses_udt(const char *type_text, const char *name)
{
	return udt_references(parse_type_text(type_text), name);
}
