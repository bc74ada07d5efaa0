/*-------------------------------------------------------------------------
 *
 * policy.h
 *		  Retry decisions (internal).
 *
 * IDENTIFICATION
 *		  src/driver/policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQL_POLICY_H
#define CQL_POLICY_H

#include "cql.h"

enum cql__retry_decision
{
	CQL_RETRY_RETHROW = 0,
	CQL_RETRY_SAME,
	CQL_RETRY_NEXT,
	CQL_RETRY_IGNORE
};

/* err: the attempt's failure; retries: how many retries the request had */
extern int	cql__retry_decide(const cql_error *err, bool idempotent, int retries);
extern const char *cql__retry_name(int decision);

#endif							/* CQL_POLICY_H */
