/*-------------------------------------------------------------------------
 *
 * convert.h
 *		  What convert.c and decode.c share: reading Cassandra values.
 *
 * IDENTIFICATION
 *		  src/fdw/convert.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQLFDW_CONVERT_H
#define CQLFDW_CONVERT_H

#include "cql_fdw.h"

/* in convert.c */
extern Oid	cqlfdw_natural_type(const cql_type *t);
extern bool cqlfdw_is_cql_text(const cql_type *t);
extern bool cqlfdw_is_container(const cql_type *t);
extern bool cqlfdw_empty_is_null(const cql_type *t, cql_slice v);
/* an error naming the value, the column being converted and the table */
extern void cqlfdw_value_error(CqlConvState *cs, int sqlstate, const char *what,
							   const char *value, const char *problem)
			pg_attribute_noreturn();

/* in decode.c */
extern bool cqlfdw_decode_scalar(CqlConvState *cs, const cql_type *t, cql_slice v,
								 Oid base, Datum *out);
extern void cqlfdw_append_json(CqlConvState *cs, StringInfo buf, const cql_type *t,
							   cql_slice v);
extern char *cqlfdw_cql_cstring(CqlConvState *cs, const cql_type *t, cql_slice v);
extern Datum cqlfdw_cql_text_datum(CqlConvState *cs, const cql_type *t, cql_slice v);
extern char *cqlfdw_shown_text(const char *s, int len);
extern void cqlfdw_malformed(const cql_type *t, cql_slice v) pg_attribute_noreturn();
extern void cqlfdw_catch_data_exception(void);

#endif							/* CQLFDW_CONVERT_H */
