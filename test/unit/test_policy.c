/*-------------------------------------------------------------------------
 *
 * test_policy.c
 *		  The retry decider (policy.c), the whole table: every client error
 *		  and every server error code, idempotent or not, after 0 to 3
 *		  retries, against the policy as policy.c documents it.
 *
 * IDENTIFICATION
 *		  test/unit/test_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "harness.h"
#include "policy.h"

#include <stdio.h>

static cql_error
client_error(int code)
{
	cql_error	e;

	cql_error_clear(&e);
	e.code = code;
	return e;
}

static cql_error
server_error(int server_code)
{
	cql_error	e;

	cql_error_clear(&e);
	e.code = CQL_ESERVER;
	e.server_code = server_code;
	return e;
}

/* the policy, written down from policy.c's description */
static int
expected_server(int server_code, bool idem, int retries)
{
	switch (server_code)
	{
		case CQL_UNAVAILABLE:	/* once, on the next node */
			return retries == 0 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_WRITE_TIMEOUT:	/* once, next node, idempotent only */
			return idem && retries == 0 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_OVERLOADED:
		case CQL_SERVER_ERROR:
		case CQL_TRUNCATE_ERROR:	/* next node, idempotent only, twice at most */
			return idem && retries < 2 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		case CQL_IS_BOOTSTRAPPING:	/* nothing was executed */
			return retries < 2 ? CQL_RETRY_NEXT : CQL_RETRY_RETHROW;
		default:
			return CQL_RETRY_RETHROW;
	}
}

TEST(retry_server_errors_table)
{
	static const int codes[] = {
		CQL_SERVER_ERROR, CQL_PROTOCOL_ERROR, CQL_BAD_CREDENTIALS,
		CQL_UNAVAILABLE, CQL_OVERLOADED, CQL_IS_BOOTSTRAPPING,
		CQL_TRUNCATE_ERROR, CQL_WRITE_TIMEOUT, CQL_READ_FAILURE,
		CQL_FUNCTION_FAILURE, CQL_WRITE_FAILURE, CQL_SYNTAX_ERROR,
		CQL_UNAUTHORIZED, CQL_INVALID, CQL_CONFIG_ERROR,
		CQL_ALREADY_EXISTS, CQL_UNPREPARED
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (int idem = 0; idem < 2; idem++)
			for (int retries = 0; retries < 4; retries++)
			{
				cql_error	e = server_error(codes[i]);
				int			got = cql__retry_decide(&e, idem, retries);
				int			want = expected_server(codes[i], idem, retries);

				if (got != want)
					test_fail(__FILE__, __LINE__,
							  "%s (0x%04x), %sidempotent, %d retries: %s, expected %s",
							  cql_server_error_name(codes[i]), codes[i], idem ? "" : "not ",
							  retries, cql__retry_name(got), cql__retry_name(want));
			}
}

/*
 * Read timeout: once on the same node, when enough replicas answered but
 * the one asked for data did not; never otherwise.
 */
TEST(retry_read_timeout)
{
	struct
	{
		int			received;
		int			required;
		bool		data_present;
		int			retries;
		int			want;
	}			cases[] = {
		{2, 2, false, 0, CQL_RETRY_SAME},
		{3, 2, false, 0, CQL_RETRY_SAME},
		{2, 2, false, 1, CQL_RETRY_RETHROW},	/* only once */
		{2, 2, true, 0, CQL_RETRY_RETHROW},	/* the data was there: a real timeout */
		{1, 2, false, 0, CQL_RETRY_RETHROW},	/* not enough replicas */
		{1, 2, true, 0, CQL_RETRY_RETHROW},
		{0, 1, false, 0, CQL_RETRY_RETHROW},
		{0, 0, false, 0, CQL_RETRY_SAME},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int idem = 0; idem < 2; idem++)
		{
			cql_error	e = server_error(CQL_READ_TIMEOUT);
			int			got;

			e.received = cases[i].received;
			e.required = cases[i].required;
			e.data_present = cases[i].data_present;
			got = cql__retry_decide(&e, idem, cases[i].retries);
			if (got != cases[i].want)
				test_fail(__FILE__, __LINE__,
						  "read timeout %d/%d data %d, %d retries, idempotent %d: %s, expected %s",
						  cases[i].received, cases[i].required, cases[i].data_present,
						  cases[i].retries, idem, cql__retry_name(got),
						  cql__retry_name(cases[i].want));
		}
}

/* the other fields of an error do not change the decision */
TEST(retry_ignores_details)
{
	cql_error	e = server_error(CQL_UNAVAILABLE);

	e.consistency = CQL_CONSISTENCY_ALL;
	e.required = 3;
	e.alive = 0;
	CHECK_INT(cql__retry_decide(&e, false, 0), CQL_RETRY_NEXT);
	e = server_error(CQL_WRITE_TIMEOUT);
	snprintf(e.write_type, sizeof(e.write_type), "BATCH_LOG");
	e.received = 0;
	e.required = 1;
	CHECK_INT(cql__retry_decide(&e, false, 0), CQL_RETRY_RETHROW);
	CHECK_INT(cql__retry_decide(&e, true, 0), CQL_RETRY_NEXT);
	/* server_code is only read for CQL_ESERVER */
	e = client_error(CQL_EPROTO);
	e.server_code = CQL_UNAVAILABLE;
	CHECK_INT(cql__retry_decide(&e, true, 0), CQL_RETRY_RETHROW);
}

/*
 * Client-side failures: a connection lost, a deadline passed (or no stream
 * id) with the request maybe executed: the next node, idempotent only,
 * twice at most; everything else is final.
 */
TEST(retry_client_errors_table)
{
	static const int codes[] = {
		CQL_EAGAIN, CQL_EPROTO, CQL_ETOOBIG, CQL_ENOMEM, CQL_EINVAL,
		CQL_ESERVER, CQL_ECONN, CQL_ETIMEDOUT, CQL_EAUTH, CQL_ETLS,
		CQL_ECANCELED, CQL_ERANGE, CQL_ETYPE, CQL_EBUSY
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (int idem = 0; idem < 2; idem++)
			for (int retries = 0; retries < 4; retries++)
			{
				cql_error	e = client_error(codes[i]);
				int			got;
				int			want = CQL_RETRY_RETHROW;

				if (codes[i] == CQL_ESERVER)
					e.server_code = CQL_SYNTAX_ERROR;
				if ((codes[i] == CQL_ECONN || codes[i] == CQL_ETIMEDOUT ||
					 codes[i] == CQL_EBUSY) && idem && retries < 2)
					want = CQL_RETRY_NEXT;
				got = cql__retry_decide(&e, idem, retries);
				if (got != want)
					test_fail(__FILE__, __LINE__,
							  "%s (%d), %sidempotent, %d retries: %s, expected %s",
							  cql_strerror(codes[i]), codes[i], idem ? "" : "not ", retries,
							  cql__retry_name(got), cql__retry_name(want));
			}
}

TEST(retry_names)
{
	CHECK_STR(cql__retry_name(CQL_RETRY_RETHROW), "give up");
	CHECK_STR(cql__retry_name(CQL_RETRY_SAME), "retry on the same node");
	CHECK_STR(cql__retry_name(CQL_RETRY_NEXT), "retry on the next node");
	CHECK_STR(cql__retry_name(CQL_RETRY_IGNORE), "ignore");
	CHECK_STR(cql__retry_name(42), "give up");
}
