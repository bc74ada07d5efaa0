/*-------------------------------------------------------------------------
 *
 * token.c
 *		  SQL access to Cassandra's partitioner: tokens and routing keys.
 *
 * cql_fdw_token(key bytea) is the Murmur3Partitioner token of a serialized
 * partition key, the value Cassandra's token() gives; with
 * cql_fdw_routing_key() it serves composite keys.  Users can see where a
 * key lives, and the suites cross-check the driver's hash with the node's.
 *
 * IDENTIFICATION
 *		  src/fdw/token.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "cql_fdw.h"

PG_FUNCTION_INFO_V1(cql_fdw_token);
PG_FUNCTION_INFO_V1(cql_fdw_routing_key);

Datum
cql_fdw_token(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_INT64(cql_murmur3_token((const uint8_t *) VARDATA_ANY(key),
									  VARSIZE_ANY_EXHDR(key)));
}

/*
 * The routing key of a composite partition key from its serialized parts:
 * each as [2-byte length][bytes][0]; a single part is itself.
 */
Datum
cql_fdw_routing_key(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	cql_slice  *parts;
	cql_buf    *out;
	bytea	   *result;
	int			rc;

	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a routing key needs at least one part")));
	parts = palloc(sizeof(cql_slice) * n);
	for (int i = 0; i < n; i++)
	{
		bytea	   *b;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("part %d of a routing key is null", i + 1),
					 errdetail("No part of a partition key can be null.")));
		b = DatumGetByteaPP(elems[i]);
		if (n > 1 && VARSIZE_ANY_EXHDR(b) > 65535)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("part %d of a composite routing key has %zu bytes, more than 65535",
							i + 1, VARSIZE_ANY_EXHDR(b))));
		parts[i].data = (const uint8_t *) VARDATA_ANY(b);
		parts[i].len = (int32_t) VARSIZE_ANY_EXHDR(b);
	}
	out = cql_buf_new();
	if (out == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	rc = cql_routing_key(parts, n, out);
	if (rc != CQL_OK || cql_buf_failed(out))
	{
		cql_buf_free(out);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not build a routing key: %s", cql_strerror(rc))));
	}
	result = palloc(VARHDRSZ + cql_buf_len(out));
	SET_VARSIZE(result, VARHDRSZ + cql_buf_len(out));
	if (cql_buf_len(out))
		memcpy(VARDATA(result), cql_buf_data(out), cql_buf_len(out));
	cql_buf_free(out);
	PG_RETURN_BYTEA_P(result);
}
