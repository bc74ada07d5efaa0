/*-------------------------------------------------------------------------
 *
 * import.h
 *		  What import.c and import_sync.c share: the server's schema as read
 *		  from system_schema, IMPORT's options, and the type mapping.
 *
 * IDENTIFICATION
 *		  src/fdw/import.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQLFDW_IMPORT_H
#define CQLFDW_IMPORT_H

#include "fmgr.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

#include "cql_fdw.h"

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
	bool		text_keys_c;	/* text key columns COLLATE "C" */
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

/* in import.c: the server and the functions' arguments */
extern void cqlfdw_check_cql_server(ForeignServer *server);
extern cql_session *cqlfdw_import_session(ForeignServer *server);
extern ForeignServer *cqlfdw_usable_server(Name name);
extern void cqlfdw_require_args(FunctionCallInfo fcinfo, int n, const char *const *names);
extern Tuplestorestate *cqlfdw_scalar_srf(FunctionCallInfo fcinfo, Oid type);

/* in import.c: reading system_schema */
extern void cqlfdw_check_keyspace(cql_session *s, const char *server, const char *keyspace);
extern void cqlfdw_fetch_columns(cql_session *s, const char *server, const char *keyspace,
								 const char *table, List *tables);
extern List *cqlfdw_fetch_udts(cql_session *s, const char *server, const char *keyspace);

/* in import.c: types, names and options */
extern void cqlfdw_parse_import_options(List *options, const char *local_schema,
										ImportOptions *opts, bool for_refresh);
extern List *cqlfdw_options_from_array(ArrayType *arr);
extern void cqlfdw_init_mapper(TypeMapper *m, ImportOptions *opts, const char *keyspace,
							   List *udts);
extern char *cqlfdw_map_type(TypeMapper *m, const char *type_text, const char *what);
extern Oid	cqlfdw_matching_composite(TypeMapper *m, const RemoteUdt *u, char **why,
									  int *prefix);
extern bool cqlfdw_type_uses_udt(const char *type_text, const char *name);
extern List *cqlfdw_ordered_columns(const RemoteTable *t);
extern List *cqlfdw_key_options(const RemoteColumn *c);
extern char *cqlfdw_pg_name(const char *name, List *used, bool column);
extern void cqlfdw_append_column_def(StringInfo buf, TypeMapper *m, const RemoteTable *t,
									 const RemoteColumn *c, const char *pgname);

#endif							/* CQLFDW_IMPORT_H */
