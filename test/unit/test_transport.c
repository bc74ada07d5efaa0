/*-------------------------------------------------------------------------
 *
 * test_transport.c
 *		  What lies under the frames: LZ4 compression agreed in STARTUP, TLS
 *		  (a fake server on OpenSSL memory BIOs, certificates made here at
 *		  run time), and heartbeats on idle connections.
 *
 * IDENTIFICATION
 *		  test/unit/test_transport.c
 *
 *-------------------------------------------------------------------------
 */
#include "session_env.h"

#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---------- helpers ---------- */

static void
check_rows_fixture(single_env *e)
{
	cql_future *f = query(e->s, "SELECT rows");
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	c[3];
	int32_t		v;

	if (f == NULL || !WAIT(e->r, f))
	{
		test_fail(__FILE__, __LINE__, "SELECT rows not done");
		cql_future_release(f);
		return;
	}
	CHECK_FUTURE_RC(f, CQL_OK);
	res = cql_future_result(f);
	if (res != NULL)
	{
		CHECK_INT(cql_result_column_count(res), 3);
		CHECK_INT(cql_result_row_count(res), 3);
		cql_result_rows(res, &cur);
		CHECK(cql_row_next(&cur, c) == 1);
		CHECK_INT(cql_decode_int(c[0], &v), CQL_OK);
		CHECK_INT(v, 1);
		CHECK_MEM(c[1].data, (size_t) c[1].len, "alice", 5);
	}
	cql_future_release(f);
}

static void
check_big(single_env *e)
{
	cql_future *f = query(e->s, "SELECT big");
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	c[1];

	if (f == NULL || !WAIT(e->r, f))
	{
		test_fail(__FILE__, __LINE__, "SELECT big not done");
		cql_future_release(f);
		return;
	}
	CHECK_FUTURE_RC(f, CQL_OK);
	res = cql_future_result(f);
	if (res != NULL)
	{
		cql_result_rows(res, &cur);
		if (cql_row_next(&cur, c) == 1 && c[0].len == FAKE_BIG_CELL)
		{
			for (int i = 0; i < FAKE_BIG_CELL; i++)
				if (c[0].data[i] != (uint8_t) (i * 7))
				{
					test_fail(__FILE__, __LINE__, "byte %d of the big cell is 0x%02x", i, c[0].data[i]);
					break;
				}
		}
		else
			test_fail(__FILE__, __LINE__, "no big cell");
	}
	cql_future_release(f);
}

static void
check_noise(single_env *e)
{
	cql_future *f = query(e->s, "SELECT noise");
	cql_result *res;
	cql_row_cursor cur;
	cql_slice	c[1];

	if (f == NULL || !WAIT(e->r, f))
	{
		test_fail(__FILE__, __LINE__, "SELECT noise not done");
		cql_future_release(f);
		return;
	}
	CHECK_FUTURE_RC(f, CQL_OK);
	res = cql_future_result(f);
	if (res != NULL)
	{
		cql_result_rows(res, &cur);
		if (cql_row_next(&cur, c) == 1 && c[0].len == FAKE_BIG_CELL)
		{
			for (int i = 0; i < FAKE_BIG_CELL; i++)
				if (c[0].data[i] != fake_noise((size_t) i))
				{
					test_fail(__FILE__, __LINE__, "byte %d of the noise cell is 0x%02x", i, c[0].data[i]);
					break;
				}
		}
		else
			test_fail(__FILE__, __LINE__, "no noise cell");
	}
	cql_future_release(f);
}

static int32_t
query_int(single_env *e, const char *q)
{
	cql_future *f = query(e->s, q);
	int32_t		v = INT32_MIN;

	if (f != NULL && WAIT(e->r, f))
	{
		if (cql_future_rc(f) != CQL_OK)
			test_fail(__FILE__, __LINE__, "%.40s: %s", q, cql_future_error(f)->message);
		v = single_int(f);
	}
	else
		test_fail(__FILE__, __LINE__, "%.40s not done", q);
	cql_future_release(f);
	return v;
}

/* ---------- LZ4 ---------- */

TEST(lz4_session)
{
	single_env	e;
	cql_session_config cfg;
	char		big[600];
	int			in;
	int			out;

	if (!single_start(&e))
		return;
	session_config(&cfg, e.srv.port);
	cfg.compression = true;
	REQUIRE(single_session(&e, &cfg));
	CHECK_STR(e.srv.compression, "lz4");
	CHECK(cql_session_compressed(e.s));
	CHECK(!cql_session_tls(e.s));
	/* the topology answers came compressed already */
	CHECK(e.srv.compressed_out >= 3);
	out = e.srv.compressed_out;

	check_rows_fixture(&e);
	check_big(&e);
	CHECK_INT(e.srv.compressed_out, out + 2);
	/* a compressed frame too large for the read buffer: read straight into place */
	check_noise(&e);

	/* small requests go as they are ... */
	in = e.srv.compressed_in;
	CHECK_INT(query_int(&e, "SELECT 3"), 3);
	CHECK_INT(e.srv.compressed_in, in);
	/* ... from 256 body bytes on, compressed */
	snprintf(big, sizeof(big), "SELECT 9 /*");
	memset(big + strlen(big), 'x', 400);
	big[411] = '\0';
	strcat(big, "*/");
	CHECK_INT(query_int(&e, big), 9);
	CHECK_INT(e.srv.compressed_in, in + 1);
	/* a request LZ4 cannot shrink still goes compressed, and whole */
	{
		uint8_t    *blob = malloc(4000);
		cql_slice	v[1];
		cql_batch_statement st;
		cql_query_params q;
		cql_future *f;

		REQUIRE(blob != NULL);
		for (size_t i = 0; i < 4000; i++)
			blob[i] = fake_noise(i);
		v[0] = (cql_slice) {blob, 4000};
		memset(&st, 0, sizeof(st));
		st.cql = "INSERT INTO ks1.b (k, b) VALUES (1, ?)";
		st.values = v;
		st.nvalues = 1;
		memset(&q, 0, sizeof(q));
		q.consistency = CQL_CONSISTENCY_ONE;
		f = cql_session_batch(e.s, CQL_BATCH_LOGGED, &st, 1, &q);
		free(blob);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		cql_future_release(f);
		CHECK_INT(e.srv.batches, 1);
		CHECK_INT(e.srv.compressed_in, in + 2);
	}
	CHECK_INT(e.srv.bad_requests, 0);

	/* a prepared statement through it: PREPARE, rows without metadata */
	{
		cql_future *f = cql_session_prepare_cached(e.s, "SELECT k, v FROM ks1.t WHERE k = ?");
		cql_prepared *p;
		cql_query_params q;
		cql_slice	v[1] = {{(const uint8_t *) "\x00\x00\x00\x2a", 4}};

		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		p = cql_future_take_prepared(f);
		cql_future_release(f);
		REQUIRE(p != NULL);
		memset(&q, 0, sizeof(q));
		q.consistency = CQL_CONSISTENCY_ONE;
		q.values = v;
		q.nvalues = 1;
		f = cql_session_execute_prepared(e.s, p, &q);
		REQUIRE_DONE(e.r, f);
		CHECK_FUTURE_RC(f, CQL_OK);
		CHECK_INT(e.srv.no_metadata_rows, 1);
		if (cql_future_result(f))
			CHECK_STR(cql_result_column(cql_future_result(f), 1)->name, "v");
		cql_future_release(f);
		cql_prepared_release(p);
	}
	single_stop(&e);
}

TEST(lz4_off_by_default)
{
	single_env	e;

	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	CHECK_STR(e.srv.compression, "");
	CHECK(!cql_session_compressed(e.s));
	check_rows_fixture(&e);
	CHECK_INT(e.srv.compressed_out, 0);
	CHECK_INT(e.srv.compressed_in, 0);
	single_stop(&e);
}

/* ---------- TLS ---------- */

typedef struct pki
{
	EVP_PKEY   *ca_key;
	X509	   *ca;
	EVP_PKEY   *other_ca_key;
	X509	   *other_ca;
	EVP_PKEY   *key;
	X509	   *cert;			/* by ca, for localhost and 127.0.0.1 */
	X509	   *cert_dns_only;	/* by ca, for localhost only */
	char		ca_file[64];
	char		other_ca_file[64];
} pki;

static bool
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	ctx;
	X509_EXTENSION *ext;
	bool		ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* a certificate for key, signed by issuer (NULL: self-signed, a CA) */
static X509 *
make_cert_eku(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
			  const char *san, long serial, const char *eku)
{
	X509	   *x = X509_new();
	X509_NAME  *name;
	bool		ok;

	if (x == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	ok = X509_set_version(x, 2) == 1 &&
		ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
		X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
		X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
		X509_set_pubkey(x, key) == 1 &&
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0) == 1 &&
		X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1;
	if (ok && issuer == NULL)
		ok = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
			add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") &&
			add_ext(x, x, NID_subject_key_identifier, "hash");
	else if (ok)
		ok = add_ext(x, issuer, NID_basic_constraints, "CA:FALSE") &&
			add_ext(x, issuer, NID_key_usage, "critical,digitalSignature") &&
			add_ext(x, issuer, NID_ext_key_usage, eku) &&
			add_ext(x, issuer, NID_subject_alt_name, san) &&
			add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (ok)
		ok = X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
	if (!ok)
	{
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		  const char *san, long serial)
{
	return make_cert_eku(key, cn, issuer, issuer_key, san, serial, "serverAuth");
}

/* a temporary PEM file of x and/or key */
static bool
write_pem2(X509 *x, EVP_PKEY *key, char *path, size_t size)
{
	int			fd;
	FILE	   *fp;
	bool		ok = true;

	snprintf(path, size, "/tmp/cql_unit_pem_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	fp = fdopen(fd, "w");
	if (fp == NULL)
	{
		close(fd);
		return false;
	}
	if (x)
		ok = PEM_write_X509(fp, x) == 1;
	if (ok && key)
		ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) == 1;
	return fclose(fp) == 0 && ok;
}

static bool
write_pem(X509 *x, char *path, size_t size)
{
	int			fd;
	FILE	   *fp;
	bool		ok;

	snprintf(path, size, "/tmp/cql_unit_ca_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	fp = fdopen(fd, "w");
	if (fp == NULL)
	{
		close(fd);
		return false;
	}
	ok = PEM_write_X509(fp, x) == 1;
	return fclose(fp) == 0 && ok;
}

static void
pki_free(pki *k)
{
	if (k->ca_file[0])
		unlink(k->ca_file);
	if (k->other_ca_file[0])
		unlink(k->other_ca_file);
	X509_free(k->ca);
	X509_free(k->other_ca);
	X509_free(k->cert);
	X509_free(k->cert_dns_only);
	EVP_PKEY_free(k->ca_key);
	EVP_PKEY_free(k->other_ca_key);
	EVP_PKEY_free(k->key);
	memset(k, 0, sizeof(*k));
}

/* two CAs (P-256 keys: quick even under valgrind), a server key, its certificates */
static bool
pki_make(pki *k)
{
	memset(k, 0, sizeof(*k));
	k->ca_key = EVP_EC_gen("P-256");
	k->other_ca_key = EVP_EC_gen("P-256");
	k->key = EVP_EC_gen("P-256");
	if (k->ca_key == NULL || k->other_ca_key == NULL || k->key == NULL)
		goto fail;
	k->ca = make_cert(k->ca_key, "cql_fdw unit test CA", NULL, NULL, NULL, 1);
	k->other_ca = make_cert(k->other_ca_key, "some other CA", NULL, NULL, NULL, 2);
	if (k->ca == NULL || k->other_ca == NULL)
		goto fail;
	k->cert = make_cert(k->key, "localhost", k->ca, k->ca_key,
						"DNS:localhost,IP:127.0.0.1", 3);
	k->cert_dns_only = make_cert(k->key, "localhost", k->ca, k->ca_key,
								 "DNS:localhost", 4);
	if (k->cert == NULL || k->cert_dns_only == NULL)
		goto fail;
	if (!write_pem(k->ca, k->ca_file, sizeof(k->ca_file)) ||
		!write_pem(k->other_ca, k->other_ca_file, sizeof(k->other_ca_file)))
		goto fail;
	return true;
fail:
	test_fail(__FILE__, __LINE__, "could not make the test certificates");
	ERR_print_errors_fp(stdout);
	pki_free(k);
	return false;
}

/*
 * Connect a TLS session to a TLS fake server serving cert; returns the
 * connect future's rc (and its message in msg).
 */
static int
tls_connect(single_env *e, X509 *cert, EVP_PKEY *key, const cql_tls_config *tls,
			const char *host_name, char *msg, size_t msgsize)
{
	cql_session_config cfg;
	const char *names[1];
	cql_error	err;
	cql_future *f;
	int			rc;

	if (cert && fake_server_tls(&e->srv, cert, key) != 0)
	{
		snprintf(msg, msgsize, "fake_server_tls failed");
		return CQL_EINVAL;
	}
	session_config(&cfg, e->srv.port);
	cfg.tls = *tls;
	if (host_name)
	{
		names[0] = host_name;
		cfg.host_names = names;
	}
	e->s = cql_session_new(e->r, &cfg, &err);
	if (e->s == NULL)
	{
		snprintf(msg, msgsize, "%s", err.message);
		return err.code;
	}
	f = cql_session_connect(e->s);
	if (f == NULL || !WAIT(e->r, f))
	{
		snprintf(msg, msgsize, "connect not done");
		cql_future_release(f);
		return CQL_EAGAIN;
	}
	rc = cql_future_rc(f);
	snprintf(msg, msgsize, "%s", cql_future_error(f)->message);
	cql_future_release(f);
	return rc;
}

#define CHECK_RC_MSG(rc, want, msg) \
	do { \
		if ((rc) != (want)) \
			test_fail(__FILE__, __LINE__, "rc %d (%s: %s), expected %s", (rc), \
					  cql_strerror(rc), (msg), #want); \
	} while (0)

/* verify_peer with the right CA: by address (IP SAN) and by name (DNS SAN) */
TEST(tls_verify_peer_ok)
{
	pki			k;
	single_env	e;
	cql_tls_config tls;
	char		msg[1024];
	int			rc;

	if (!pki_make(&k))
		return;
	for (int by_name = 0; by_name < 2; by_name++)
	{
		if (!single_start(&e))
			break;
		memset(&tls, 0, sizeof(tls));
		tls.enabled = true;
		tls.ca_file = k.ca_file;
		tls.verify_peer = true;
		tls.verify_hostname = true;
		rc = tls_connect(&e, by_name ? k.cert_dns_only : k.cert, k.key, &tls,
						 by_name ? "localhost" : NULL, msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_OK, msg);
		if (rc == CQL_OK)
		{
			CHECK(cql_session_tls(e.s));
			CHECK(e.srv.tls_handshakes >= 1);
			/* SNI for a name, none for an address */
			CHECK_STR(e.srv.sni, by_name ? "localhost" : "");
			CHECK_INT(e.srv.tls_failures, 0);
			CHECK_INT(e.srv.registers, 1);
			check_rows_fixture(&e);
			check_big(&e);
			CHECK_INT(query_int(&e, "SELECT 12"), 12);
			CHECK_INT(e.srv.bad_requests, 0);
		}
		single_stop(&e);
	}
	pki_free(&k);
}

/* a certificate the CA file does not vouch for */
TEST(tls_wrong_ca_fails)
{
	pki			k;
	single_env	e;
	cql_tls_config tls;
	char		msg[1024];
	int			rc;

	if (!pki_make(&k))
		return;
	if (single_start(&e))
	{
		memset(&tls, 0, sizeof(tls));
		tls.enabled = true;
		tls.ca_file = k.other_ca_file;
		tls.verify_peer = true;
		tls.verify_hostname = true;
		rc = tls_connect(&e, k.cert, k.key, &tls, NULL, msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_ETLS, msg);
		CHECK_CONTAINS(msg, "certificate verification failed");
		CHECK_CONTAINS(msg, e.host);
		CHECK(!cql_session_ready(e.s));
		CHECK_INT(e.srv.startups, 0);
		single_stop(&e);
	}
	/* no CA file: the system's CAs do not know ours either */
	if (single_start(&e))
	{
		memset(&tls, 0, sizeof(tls));
		tls.enabled = true;
		tls.verify_peer = true;
		rc = tls_connect(&e, k.cert, k.key, &tls, NULL, msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_ETLS, msg);
		single_stop(&e);
	}
	pki_free(&k);
}

/* the certificate does not name the host */
TEST(tls_hostname_mismatch_fails)
{
	pki			k;
	single_env	e;
	cql_tls_config tls;
	char		msg[1024];
	int			rc;

	if (!pki_make(&k))
		return;
	memset(&tls, 0, sizeof(tls));
	tls.enabled = true;
	tls.ca_file = k.ca_file;
	tls.verify_peer = true;
	tls.verify_hostname = true;
	/* a name it is not for */
	if (single_start(&e))
	{
		rc = tls_connect(&e, k.cert, k.key, &tls, "db.example.com", msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_ETLS, msg);
		CHECK_CONTAINS(msg, "certificate verification failed");
		single_stop(&e);
	}
	/* verified by address, but the certificate has no IP entry */
	if (single_start(&e))
	{
		rc = tls_connect(&e, k.cert_dns_only, k.key, &tls, NULL, msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_ETLS, msg);
		single_stop(&e);
	}
	/* the same without verify_hostname: the chain is all that counts */
	tls.verify_hostname = false;
	if (single_start(&e))
	{
		rc = tls_connect(&e, k.cert, k.key, &tls, "db.example.com", msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_OK, msg);
		single_stop(&e);
	}
	pki_free(&k);
}

/* "require": encrypted, nothing verified (any certificate is taken) */
TEST(tls_require_without_verification)
{
	pki			k;
	single_env	e;
	cql_tls_config tls;
	char		msg[1024];
	int			rc;

	if (!pki_make(&k))
		return;
	if (single_start(&e))
	{
		memset(&tls, 0, sizeof(tls));
		tls.enabled = true;
		tls.verify_hostname = true;	/* needs verify_peer: ignored */
		/* self-signed by a CA nobody trusts, for another name */
		rc = tls_connect(&e, k.other_ca, k.other_ca_key, &tls, "db.example.com", msg, sizeof(msg));
		CHECK_RC_MSG(rc, CQL_OK, msg);
		if (rc == CQL_OK)
		{
			CHECK(cql_session_tls(e.s));
			CHECK_INT(query_int(&e, "SELECT 4"), 4);
		}
		single_stop(&e);
	}
	pki_free(&k);
}

/* TLS and LZ4 together: compressed frames inside TLS records */
TEST(tls_with_lz4)
{
	pki			k;
	single_env	e;
	cql_session_config cfg;
	char		q[400];

	if (!pki_make(&k))
		return;
	if (single_start(&e))
	{
		if (fake_server_tls(&e.srv, k.cert, k.key) != 0)
			test_fail(__FILE__, __LINE__, "fake_server_tls");
		session_config(&cfg, e.srv.port);
		cfg.compression = true;
		cfg.tls.enabled = true;
		cfg.tls.ca_file = k.ca_file;
		cfg.tls.verify_peer = true;
		cfg.tls.verify_hostname = true;
		if (single_session(&e, &cfg))
		{
			CHECK(cql_session_tls(e.s));
			CHECK(cql_session_compressed(e.s));
			check_big(&e);
			check_noise(&e);
			snprintf(q, sizeof(q), "SELECT 77 --%0300d", 0);
			CHECK_INT(query_int(&e, q), 77);
			CHECK_INT(e.srv.compressed_in, 1);
		}
		single_stop(&e);
	}
	pki_free(&k);
}

/* TLS to a server that does not speak it; a CA file that is not there */
TEST(tls_failures_without_handshake)
{
	single_env	e;
	cql_tls_config tls;
	char		msg[1024];
	int			rc;
	cql_session_config cfg;
	cql_error	err;

	if (single_start(&e))
	{
		memset(&tls, 0, sizeof(tls));
		tls.enabled = true;
		rc = tls_connect(&e, NULL, NULL, &tls, NULL, msg, sizeof(msg));
		CHECK(rc == CQL_ECONN || rc == CQL_ETLS);
		CHECK(!cql_session_ready(e.s));
		CHECK_INT(e.srv.startups, 0);
		single_stop(&e);
	}
	if (single_start(&e))
	{
		session_config(&cfg, e.srv.port);
		cfg.tls.enabled = true;
		cfg.tls.ca_file = "/nonexistent/ca.pem";
		cfg.tls.verify_peer = true;
		CHECK(cql_session_new(e.r, &cfg, &err) == NULL);
		CHECK_INT(err.code, CQL_ETLS);
		CHECK_CONTAINS(err.message, "/nonexistent/ca.pem");
		single_stop(&e);
	}
}

/* mutual TLS: the server asks for a certificate from our CA */
TEST(tls_client_certificate)
{
	pki			k;
	single_env	e;
	cql_tls_config tls;
	EVP_PKEY   *ckey = NULL;
	X509	   *ccert = NULL;
	char		cert_file[64] = "";
	char		key_file[64] = "";
	char		both_file[64] = "";
	char		wrong_key_file[64] = "";
	char		msg[1024];
	int			rc;
	cql_session_config cfg;
	cql_error	err;

	if (!pki_make(&k))
		return;
	ckey = EVP_EC_gen("P-256");
	if (ckey)
		ccert = make_cert_eku(ckey, "cql client", k.ca, k.ca_key, "DNS:client", 10, "clientAuth");
	if (ccert == NULL ||
		!write_pem2(ccert, NULL, cert_file, sizeof(cert_file)) ||
		!write_pem2(NULL, ckey, key_file, sizeof(key_file)) ||
		!write_pem2(ccert, ckey, both_file, sizeof(both_file)) ||
		!write_pem2(NULL, k.key, wrong_key_file, sizeof(wrong_key_file)))
	{
		test_fail(__FILE__, __LINE__, "could not make the client certificate");
		goto done;
	}
	memset(&tls, 0, sizeof(tls));
	tls.enabled = true;
	tls.ca_file = k.ca_file;
	tls.verify_peer = true;
	tls.verify_hostname = true;
	for (int variant = 0; variant < 3; variant++)
	{
		if (!single_start(&e))
			break;
		if (fake_server_tls(&e.srv, k.cert, k.key) != 0 ||
			fake_server_tls_client_ca(&e.srv, k.ca) != 0)
			test_fail(__FILE__, __LINE__, "fake server TLS setup");
		/* 0: no client certificate; 1: certificate and key files; 2: both in one */
		tls.cert_file = variant == 0 ? NULL : variant == 1 ? cert_file : both_file;
		tls.key_file = variant == 1 ? key_file : NULL;
		rc = tls_connect(&e, NULL, NULL, &tls, NULL, msg, sizeof(msg));
		if (variant == 0)
		{
			/* TLS 1.3: the server's alert comes after the client's handshake */
			CHECK_RC_MSG(rc, CQL_ETLS, msg);
			CHECK(!cql_session_ready(e.s));
			CHECK_INT(e.srv.startups, 0);
		}
		else
		{
			CHECK_RC_MSG(rc, CQL_OK, msg);
			CHECK_STR(e.srv.client_cn, "cql client");
			if (rc == CQL_OK)
				CHECK_INT(query_int(&e, "SELECT 21"), 21);
		}
		single_stop(&e);
	}
	/* a key that is not the certificate's */
	if (single_start(&e))
	{
		session_config(&cfg, e.srv.port);
		cfg.tls = tls;
		cfg.tls.cert_file = cert_file;
		cfg.tls.key_file = wrong_key_file;
		CHECK(cql_session_new(e.r, &cfg, &err) == NULL);
		CHECK_INT(err.code, CQL_ETLS);
		CHECK_CONTAINS(err.message, "client key");
		single_stop(&e);
	}
done:
	if (cert_file[0])
		unlink(cert_file);
	if (key_file[0])
		unlink(key_file);
	if (both_file[0])
		unlink(both_file);
	if (wrong_key_file[0])
		unlink(wrong_key_file);
	X509_free(ccert);
	EVP_PKEY_free(ckey);
	pki_free(&k);
}

/* ---------- heartbeats ---------- */

typedef struct
{
	fake_server *srv;
	int			n;
} options_wait;

static bool
options_seen(void *arg)
{
	options_wait *w = arg;

	return w->srv->options >= w->n;
}

/* an idle connection sends OPTIONS every interval, and stays up */
TEST(heartbeat_on_idle_connection)
{
	single_env	e;
	cql_session_config cfg;
	options_wait w;

	if (!single_start(&e))
		return;
	session_config(&cfg, e.srv.port);
	cfg.heartbeat_interval_ms = 200;
	REQUIRE(single_session(&e, &cfg));
	CHECK_INT(e.srv.options, 1);	/* the handshake's */
	w.srv = &e.srv;
	w.n = 3;
	CHECK(run_until(e.r, options_seen, &w, WAIT_LIMIT_MS));
	CHECK(cql_session_ready(e.s));
	CHECK_INT(e.srv.connections, 1);
	CHECK_INT(query_int(&e, "SELECT 6"), 6);
	CHECK_INT(cql_session_in_flight(e.s), 0);
	single_stop(&e);

	/* no heartbeats without an interval */
	if (!single_start(&e))
		return;
	REQUIRE(single_session(&e, NULL));
	run_for(e.r, 400);
	CHECK_INT(e.srv.options, 1);
	single_stop(&e);
}

typedef struct
{
	cql_session *s;
	int			n;
} inflight_wait;

static bool
in_flight_is(void *arg)
{
	inflight_wait *w = arg;

	return cql_session_in_flight(w->s) == w->n;
}

/*
 * The server stops answering: the unanswered heartbeat makes the
 * connection defunct within the heartbeat timeout (the request timeout),
 * and what is pending on it fails at once, not at its own deadline.
 */
TEST(heartbeat_dead_server_defunct)
{
	single_env	e;
	cql_session_config cfg;
	inflight_wait iw;
	cql_future *f;
	uint64_t	sent;
	uint64_t	took;

	if (!single_start(&e))
		return;
	session_config(&cfg, e.srv.port);
	cfg.heartbeat_interval_ms = 100;
	cfg.request_timeout_ms = 600;
	REQUIRE(single_session(&e, &cfg));
	e.srv.ignore_heartbeats = true;
	/* the heartbeat is in flight, unanswered */
	iw.s = e.s;
	iw.n = 1;
	REQUIRE(run_until(e.r, in_flight_is, &iw, WAIT_LIMIT_MS));
	run_for(e.r, 300);
	CHECK(cql_session_ready(e.s));
	sent = now_ms();
	f = query(e.s, "HOLD 1");
	REQUIRE_DONE(e.r, f);
	took = now_ms() - sent;
	CHECK_FUTURE_RC(f, CQL_ETIMEDOUT);
	CHECK_CONTAINS(cql_future_error(f)->message, "heartbeat");
	CHECK_STR(cql_future_error(f)->host, e.host);
	/* failed with the connection, before its own 600 ms passed */
	if (took >= 550)
		test_fail(__FILE__, __LINE__, "the held query failed after %llu ms", (unsigned long long) took);
	cql_future_release(f);
	CHECK(e.srv.heartbeats_ignored >= 1);

	/* the session connects again, and works */
	e.srv.ignore_heartbeats = false;
	REQUIRE(session_connect_wait(e.r, e.s));
	CHECK(e.srv.connections >= 2);
	CHECK_INT(query_int(&e, "SELECT 8"), 8);
	single_stop(&e);
}
