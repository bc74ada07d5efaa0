/*-------------------------------------------------------------------------
 *
 * tls.c
 *		  TLS for connections, through OpenSSL memory BIOs.
 *
 * libuv owns the socket; OpenSSL never touches it.  Ciphertext read from the
 * socket is fed into a memory BIO, plaintext comes out of SSL_read; what
 * SSL_write produces is taken from the other BIO and written with uv_write.
 * So TLS adds no blocking call and no thread.  Peer and host name
 * verification are on unless the configuration turns them off.
 *
 * IDENTIFICATION
 *		  src/driver/tls.c
 *
 *-------------------------------------------------------------------------
 */
#include "tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct cql__tls_ctx
{
	SSL_CTX    *ctx;
	bool		verify_peer;
	bool		verify_hostname;
};

struct cql__tls
{
	SSL		   *ssl;
	BIO		   *in;				/* ciphertext from the network */
	BIO		   *out;			/* ciphertext to the network */
	bool		verify_peer;
};

/* the most recent OpenSSL error, or what, into err */
static void
set_ssl_error(cql_error *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char		buf[256];

	if (e)
	{
		ERR_error_string_n(e, buf, sizeof(buf));
		cql_error_set(err, CQL_ETLS, "%s: %s", what, buf);
	}
	else
		cql_error_set(err, CQL_ETLS, "%s", what);
	ERR_clear_error();
}

cql__tls_ctx *
cql__tls_ctx_new(const cql_tls_config *cfg, cql_error *err)
{
	cql__tls_ctx *t = calloc(1, sizeof(cql__tls_ctx));

	if (t == NULL)
	{
		cql_error_set(err, CQL_ENOMEM, "out of memory creating a TLS context");
		return NULL;
	}
	ERR_clear_error();
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
	{
		set_ssl_error(err, "could not create a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	t->verify_peer = cfg->verify_peer;
	t->verify_hostname = cfg->verify_peer && cfg->verify_hostname;

	if (cfg->ca_file && cfg->ca_file[0])
	{
		if (SSL_CTX_load_verify_locations(t->ctx, cfg->ca_file, NULL) != 1)
		{
			char		what[512];

			snprintf(what, sizeof(what), "could not load the CA file \"%s\"", cfg->ca_file);
			set_ssl_error(err, what);
			goto fail;
		}
	}
	else if (t->verify_peer && SSL_CTX_set_default_verify_paths(t->ctx) != 1)
	{
		set_ssl_error(err, "could not load the system's CA certificates");
		goto fail;
	}
	if (cfg->cert_file && cfg->cert_file[0])
	{
		if (SSL_CTX_use_certificate_chain_file(t->ctx, cfg->cert_file) != 1)
		{
			char		what[512];

			snprintf(what, sizeof(what), "could not load the client certificate \"%s\"", cfg->cert_file);
			set_ssl_error(err, what);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(t->ctx,
										cfg->key_file && cfg->key_file[0] ? cfg->key_file : cfg->cert_file,
										SSL_FILETYPE_PEM) != 1)
		{
			char		what[512];

			snprintf(what, sizeof(what), "could not load the client key \"%s\"",
					 cfg->key_file && cfg->key_file[0] ? cfg->key_file : cfg->cert_file);
			set_ssl_error(err, what);
			goto fail;
		}
		if (SSL_CTX_check_private_key(t->ctx) != 1)
		{
			set_ssl_error(err, "the client key does not match the client certificate");
			goto fail;
		}
	}
	SSL_CTX_set_verify(t->ctx, t->verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return t;

fail:
	cql__tls_ctx_free(t);
	return NULL;
}

void
cql__tls_ctx_free(cql__tls_ctx *t)
{
	if (t == NULL)
		return;
	if (t->ctx)
		SSL_CTX_free(t->ctx);
	free(t);
}

cql__tls *
cql__tls_new(cql__tls_ctx *ctx, const char *server_name, cql_error *err)
{
	cql__tls   *t = calloc(1, sizeof(cql__tls));
	unsigned char addr[16];
	bool		is_ip;

	if (t == NULL)
	{
		cql_error_set(err, CQL_ENOMEM, "out of memory creating a TLS session");
		return NULL;
	}
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ctx);
	t->in = BIO_new(BIO_s_mem());
	t->out = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->in == NULL || t->out == NULL)
	{
		set_ssl_error(err, "could not create a TLS session");
		if (t->in)
			BIO_free(t->in);
		if (t->out)
			BIO_free(t->out);
		if (t->ssl)
			SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	SSL_set_bio(t->ssl, t->in, t->out);	/* the SSL owns the BIOs now */
	SSL_set_connect_state(t->ssl);
	t->verify_peer = ctx->verify_peer;

	is_ip = server_name && (inet_pton(AF_INET, server_name, addr) == 1 ||
							inet_pton(AF_INET6, server_name, addr) == 1);
	if (server_name && !is_ip)
		SSL_set_tlsext_host_name(t->ssl, server_name);
	if (ctx->verify_hostname && server_name)
	{
		X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);
		int			ok;

		if (is_ip)
			ok = X509_VERIFY_PARAM_set1_ip_asc(param, server_name);
		else
		{
			X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ok = X509_VERIFY_PARAM_set1_host(param, server_name, 0);
		}
		if (ok != 1)
		{
			set_ssl_error(err, "could not set the name to verify");
			cql__tls_free(t);
			return NULL;
		}
	}
	return t;
}

void
cql__tls_free(cql__tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);			/* frees the BIOs */
	free(t);
}

/* Why the handshake or a read failed: the verification result if any. */
static int
tls_failure(cql__tls *t, int ret, cql_error *err)
{
	long		vr = SSL_get_verify_result(t->ssl);

	if (t->verify_peer && vr != X509_V_OK)
	{
		cql_error_set(err, CQL_ETLS, "certificate verification failed: %s",
					  X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return CQL_ETLS;
	}
	if (SSL_get_error(t->ssl, ret) == SSL_ERROR_ZERO_RETURN)
	{
		cql_error_set(err, CQL_ECONN, "the server closed the TLS session");
		return CQL_ECONN;
	}
	set_ssl_error(err, "TLS failure");
	return CQL_ETLS;
}

int
cql__tls_handshake(cql__tls *t, cql_error *err)
{
	int			ret;

	ERR_clear_error();
	ret = SSL_do_handshake(t->ssl);
	if (ret == 1)
		return CQL_OK;
	switch (SSL_get_error(t->ssl, ret))
	{
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return CQL_EAGAIN;
		default:
			return tls_failure(t, ret, err);
	}
}

int
cql__tls_feed(cql__tls *t, const uint8_t *p, size_t n, cql_error *err)
{
	while (n > 0)
	{
		int			chunk = n > INT32_MAX ? INT32_MAX : (int) n;
		int			w = BIO_write(t->in, p, chunk);

		if (w <= 0)
		{
			set_ssl_error(err, "could not buffer TLS input");
			return CQL_ETLS;
		}
		p += w;
		n -= (size_t) w;
	}
	return CQL_OK;
}

int
cql__tls_read(cql__tls *t, uint8_t *buf, size_t cap, size_t *got, cql_error *err)
{
	int			ret;

	*got = 0;
	ERR_clear_error();
	ret = SSL_read(t->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int) cap);
	if (ret > 0)
	{
		*got = (size_t) ret;
		return CQL_OK;
	}
	switch (SSL_get_error(t->ssl, ret))
	{
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return CQL_EAGAIN;
		default:
			return tls_failure(t, ret, err);
	}
}

int
cql__tls_write(cql__tls *t, const uint8_t *p, size_t n, cql_error *err)
{
	while (n > 0)
	{
		int			ret;

		ERR_clear_error();
		ret = SSL_write(t->ssl, p, n > INT32_MAX ? INT32_MAX : (int) n);
		if (ret <= 0)
		{
			/* memory BIOs grow: a write can only fail for a real error */
			set_ssl_error(err, "TLS write failed");
			return CQL_ETLS;
		}
		p += ret;
		n -= (size_t) ret;
	}
	return CQL_OK;
}

size_t
cql__tls_pending(cql__tls *t)
{
	return BIO_ctrl_pending(t->out);
}

size_t
cql__tls_take(cql__tls *t, uint8_t *buf, size_t cap)
{
	int			r = BIO_read(t->out, buf, cap > INT32_MAX ? INT32_MAX : (int) cap);

	return r > 0 ? (size_t) r : 0;
}
