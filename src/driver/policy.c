/*-------------------------------------------------------------------------
 *
 * policy.c
 *		  The retry decider: what to do with a failed attempt.
 *
 * Decided per attempt, from the failure and whether the statement is
 * idempotent, in the shape the reference drivers use by default:
 *
 *	- read timeout: once on the same node, when enough replicas answered
 *	  but the data was missing (the coordinator can try again at once);
 *	- unavailable: once on the next node (another coordinator may see more
 *	  replicas alive);
 *	- write timeout: once on the next node, and only when idempotent;
 *	- overloaded, server error, truncate error: the next node, when
 *	  idempotent; is-bootstrapping: the next node (nothing was executed);
 *	- a connection lost or a client deadline passed with the request in
 *	  flight: the next node, when idempotent (it may have been executed);
 *	- everything else (syntax, invalid, unauthorized, ...): give up.
 *
 * IDENTIFICATION
 *		  src/driver/policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "policy.h"

#include <string.h>

int
cql__retry_decide(const cql_error *err, bool idempotent, int retries)
{
	if (err->code != CQL_ESERVER)
	{
		switch (err->code)
		{
			case CQL_ECONN:
			case CQL_ETIMEDOUT:
			case CQL_EBUSY:
				return idempotent && retries < 2 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
			default:
				return CQL_RETRY_RETHROW;
		}
	}
	switch (err->server_code)
	{
		case CQL_READ_TIMEOUT:
			if (retries == 0 && err->received >= err->required && !err->data_present)
				return CQL_RETRY_SAME;
			return CQL_RETRY_RETHROW;
		case CQL_UNAVAILABLE:
			return retries == 0 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_WRITE_TIMEOUT:
			return idempotent && retries == 0 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_OVERLOADED:
		case CQL_SERVER_ERROR:
		case CQL_TRUNCATE_ERROR:
			return idempotent && retries < 2 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_IS_BOOTSTRAPPING:
			return retries < 2 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		default:
			return CQL_RETRY_RETHROW;
	}
}

const char *
cql__retry_name(int decision)
{
	switch (decision)
	{
		case CQL_RETRY_SAME:
			return "retry on the same node";
		case CQL_RETRY_NEXT:
			return "retry on the next node";
		case CQL_RETRY_IGNORE:
			return "ignore";
		default:
			return "give up";
	}
}
