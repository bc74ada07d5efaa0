/*-------------------------------------------------------------------------
 *
 * cql_fdw.h
 *		  Foreign-data wrapper for Apache Cassandra and ScyllaDB.
 *
 * The PostgreSQL side of cql_fdw.  It talks to the embedded driver only
 * through src/driver/cql.h, and is the only place that turns driver errors
 * into ereport.
 *
 * IDENTIFICATION
 *		  src/fdw/cql_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_FDW_H
#define CQL_FDW_H

#include "foreign/fdwapi.h"
#include "port/atomics.h"
#include "foreign/foreign.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "cql.h"

/* defaults of options */
#define CQLFDW_DEFAULT_PORT				9042
#define CQLFDW_DEFAULT_FETCH_SIZE		5000
#define CQLFDW_DEFAULT_CONNECT_TIMEOUT	5000	/* ms */
#define CQLFDW_DEFAULT_REQUEST_TIMEOUT	12000	/* ms */
#define CQLFDW_MAX_FETCH_SIZE			1000000
#define CQLFDW_DEFAULT_HEARTBEAT		30000	/* ms */
#define CQLFDW_DEFAULT_INFLIGHT			256 /* writes in flight per table */
#define CQLFDW_MAX_INFLIGHT				8192
#define CQLFDW_MAX_TTL					630720000	/* 20 years, Cassandra's limit */

typedef enum CqlTlsMode
{
	CQL_TLS_OFF,
	CQL_TLS_REQUIRE,			/* encrypt, verify nothing */
	CQL_TLS_VERIFY_CA,			/* verify the certificate chain */
	CQL_TLS_VERIFY_FULL			/* and the host name */
} CqlTlsMode;

/* The options of a server, resolved with the user mapping. */
typedef struct CqlServerOptions
{
	char	   *hosts;
	int			port;
	char	   *local_dc;		/* NULL: the data centre of the first node */
	int			connect_timeout;
	int			request_timeout;
	int			fetch_size;
	int			read_consistency;
	int			write_consistency;
	int			serial_consistency;
	bool		async_capable;
	bool		direct_modify;	/* UPDATE/DELETE sent without reading first */
	int			inflight_writes;
	bool		updatable;		/* false: INSERT, UPDATE, DELETE refused */
	int			heartbeat_interval;
	int			speculative_delay;	/* ms; 0: off */
	int			speculative_max;
	bool		compression;
	CqlTlsMode	tls;
	char	   *tls_ca_file;
	char	   *tls_cert_file;
	char	   *tls_key_file;
	char	   *tls_server_name;	/* the name to verify, instead of each host's */
	char	   *username;
	char	   *password;
	bool		password_not_required;	/* password_required 'false' */
} CqlServerOptions;

/* The options of a foreign table, with the server's as defaults. */
typedef struct CqlTableOptions
{
	char	   *keyspace;
	char	   *table;
	int			fetch_size;
	int			read_consistency;
	int			write_consistency;
	int			serial_consistency;
	bool		allow_filtering;
	bool		async_capable;
	bool		direct_modify;
	int			inflight_writes;
	bool		updatable;
	int			ttl;			/* seconds; 0: none */
} CqlTableOptions;

/* Cassandra's view of a table (schema.c) */
enum CqlColumnKind
{
	CQL_COLUMN_PARTITION_KEY,
	CQL_COLUMN_CLUSTERING,
	CQL_COLUMN_REGULAR,
	CQL_COLUMN_STATIC
};

typedef struct CqlColumnMeta
{
	char	   *name;
	int			kind;			/* enum CqlColumnKind */
	int			position;		/* in the partition key / clustering key */
	bool		descending;		/* clustering order */
	char	   *type;			/* CQL type as text */
} CqlColumnMeta;

typedef struct CqlTableMeta
{
	char	   *keyspace;
	char	   *table;
	int			ncolumns;
	CqlColumnMeta *columns;
	int			npk;
	int		   *pk;				/* column indexes, in partition key order */
	int			nck;
	int		   *ck;				/* column indexes, in clustering order */
} CqlTableMeta;

/* in schema.c */
extern const CqlTableMeta *cqlfdw_table_meta(UserMapping *user, cql_session *s,
											 const char *keyspace, const char *table,
											 const char *server);
extern int	cqlfdw_meta_column(const CqlTableMeta *meta, const char *name);

/* which columns of a foreign table are Cassandra key columns (pushdown.c) */
typedef struct CqlKeyMap
{
	int			natts;
	int		   *meta_index;		/* per attribute: column in the metadata, or -1 */
	bool	   *key;			/* per attribute: a partition or clustering column */
	Oid		   *pushable;		/* per attribute: the type equality is pushed for */
	int		   *cqltype;		/* per attribute: the CQL type id it binds as */
	bool	   *ordered;		/* per attribute: both databases order it alike */
	bool	   *empty_null;		/* per attribute: may hold empty values (NULL here) */
	AttrNumber *attnum_of;		/* per metadata column: attribute, or 0 */
} CqlKeyMap;

/* a condition on a key column that Cassandra can serve (pushdown.c) */
typedef enum CqlCondKind
{
	CQL_COND_EQ,				/* k = value */
	CQL_COND_IN,				/* k = ANY(array value) */
	CQL_COND_LT,
	CQL_COND_LE,
	CQL_COND_GE,
	CQL_COND_GT
} CqlCondKind;

typedef struct CqlCond
{
	int			col;			/* column index in the metadata */
	AttrNumber	attnum;
	CqlCondKind kind;
	Expr	   *value;			/* the side that is bound */
} CqlCond;

/* in pushdown.c */
extern bool cqlfdw_enable_pushdown;
extern CqlKeyMap *cqlfdw_key_map(Relation rel, const CqlTableMeta *meta);
extern bool cqlfdw_classify_cond(RelOptInfo *baserel, const CqlKeyMap *map,
								 RestrictInfo *rinfo, bool outer_ok, CqlCond *cond);
extern int	cqlfdw_key_equality(RelOptInfo *baserel, const CqlKeyMap *map,
								RestrictInfo *rinfo, bool outer_ok, Expr **value);
extern bool cqlfdw_order_pushable(const CqlKeyMap *map, AttrNumber attnum, Oid vartype,
								  Oid opfamily, Oid collation);
extern bool cqlfdw_encode_key(cql_buf *b, Datum value, Oid pgtype, const cql_type *t);
extern bool cqlfdw_encode_bound(cql_buf *b, Datum value, Oid pgtype, const cql_type *t,
								int round);

/* in estimate.c */
extern double cqlfdw_estimate_rows(UserMapping *user, cql_session *s,
								   const CqlTableMeta *meta, const char *server);

/* in option.c */
extern void cqlfdw_server_options(ForeignServer *server, UserMapping *user,
								  CqlServerOptions *opts);
extern void cqlfdw_table_options(Oid relid, const CqlServerOptions *server,
								 CqlTableOptions *opts);
extern char *cqlfdw_column_name(Oid relid, AttrNumber attnum);

/* in connection.c */
extern cql_session *cqlfdw_get_session(UserMapping *user, const CqlServerOptions *opts);
extern void cqlfdw_session_pin(UserMapping *user);
extern void cqlfdw_session_unpin(Oid umid);

/* in reactor.c */
extern cql_reactor *cqlfdw_reactor(void);
extern void cqlfdw_wait(cql_future *f);
extern void cqlfdw_wait_until(bool (*ready) (void *arg), void *arg);
extern void cqlfdw_wait_owned(cql_future *f);

/* in error.c */
extern void cqlfdw_report(int elevel, const cql_error *err, const char *cql,
						  const char *server);
extern cql_result *cqlfdw_finish(cql_future *f, const char *cql, const char *server);

/* in deparse.c */
extern char *cqlfdw_quote_identifier(const char *ident);
extern void cqlfdw_append_identifier(StringInfo buf, const char *ident);

/* in convert.c */
typedef struct CqlConvState CqlConvState;
extern CqlConvState *cqlfdw_conv_init(Relation rel, const List *attnums,
									  const cql_result *res);
extern void cqlfdw_conv_row(CqlConvState *cs, const cql_slice *cells,
							Datum *values, bool *nulls);

/* in ranges.c: full scans by token range */
typedef struct CqlTokenRange
{
	int64		start;			/* excluded */
	int64		end;			/* included */
} CqlTokenRange;

/* what EXPLAIN ANALYZE shows of a scan */
typedef struct CqlScanCounters
{
	int64		pages;
	int64		rows;			/* rows received */
	int64		ranges;			/* token ranges read to their end */
	int64		retries;
	List	   *hosts;			/* distinct coordinators, as strings */
} CqlScanCounters;

typedef struct CqlRangeReader CqlRangeReader;

extern bool cqlfdw_token_range_scans;
extern char *cqlfdw_range_statement(const char *cql, const CqlTableMeta *meta,
									int *token_param);
extern CqlTokenRange *cqlfdw_token_ranges(cql_session *s, const char *keyspace,
										  double rows, int fetch_size, int *nranges);
extern CqlRangeReader *cqlfdw_reader_begin(cql_session *s, cql_prepared *prepared,
										   const char *cql, const char *server,
										   const char *keyspace,
										   const CqlTokenRange *ranges, int nranges,
										   pg_atomic_uint32 *shared_next, int token_param,
										   const cql_slice *values, int nvalues,
										   int consistency, int fetch_size,
										   CqlScanCounters *counters);
extern cql_result *cqlfdw_reader_next(CqlRangeReader *rd);
extern bool cqlfdw_reader_has_page(CqlRangeReader *rd);
extern void cqlfdw_reader_poll(CqlRangeReader *rd);
extern void cqlfdw_reader_release(CqlRangeReader *rd);
extern void cqlfdw_count_page(CqlScanCounters *c, const cql_result *page,
							  MemoryContext cxt);

/* in analyze.c */
extern bool cqlfdw_analyze_table(Relation relation, AcquireSampleRowsFunc *func,
								 BlockNumber *totalpages);

/* in scan.c */
extern void cqlfdw_scan_routines(FdwRoutine *routine);

/* in import.c */
extern List *cqlImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* in modify.c */
extern void cqlfdw_modify_routines(FdwRoutine *routine);

/* the session, options and metadata of a foreign table, for a user */
typedef struct CqlTableContext
{
	ForeignServer *server;
	UserMapping *user;
	CqlServerOptions sopts;
	CqlTableOptions topts;
	cql_session *session;
	const CqlTableMeta *meta;
} CqlTableContext;

extern void cqlfdw_table_context(Relation rel, Oid userid, CqlTableContext *tc);
extern bool cqlfdw_table_has_counters(const CqlTableMeta *meta);
extern void cqlfdw_append_table(StringInfo buf, const CqlTableOptions *topts);
extern int64 cqlfdw_next_timestamp(void);
extern int64 cqlfdw_counter_value(Oid type, Datum value);

/* in direct.c */
extern void cqlfdw_direct_routines(FdwRoutine *routine);

/* in bind.c */
extern void cqlfdw_bind_value(cql_buf *b, const cql_type *t, Oid pgtype, int32 typmod,
							  Datum value);
extern char *cqlfdw_bind_type_text(const cql_type *t);

#endif							/* CQL_FDW_H */
