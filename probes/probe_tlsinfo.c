/* probe_tlsinfo.c: what a TLS session shows an operator.
 *
 * Protocol, cipher, the leaf certificate's subject, issuer, names and
 * expiry, and OpenSSL's verdict on the chain and the name. The fields
 * are fixed-size: a certificate is the server's text, so it is cut, not
 * trusted to be short. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include "web.h"

/* A name in RFC 2253 form ("CN=localhost,O=Outpost"). */
static void name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long l;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		l = BIO_get_mem_data(b, &p);
		if (l > 0)
			snprintf(buf, len, "%.*s", (int)l, p);
	}
	BIO_free(b);
}

static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? "," : "", s);
}

/* DNS and IP subjectAltNames, comma-separated. */
static void sans_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char tmp[260];

	buf[0] = '\0';
	if (!gens)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int n;

		if (g->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(g->d.dNSName);
			n = ASN1_STRING_length(g->d.dNSName);
			snprintf(tmp, sizeof(tmp), "DNS:%.*s", n > 250 ? 250 : n, (const char *)d);
			/* An embedded NUL or comma would blur the list. */
			for (char *p = tmp; *p; p++)
				if (*p == ',' || (unsigned char)*p < ' ')
					*p = '?';
			append(buf, len, tmp);
		} else if (g->type == GEN_IPADD) {
			char a[INET6_ADDRSTRLEN];

			d = ASN1_STRING_get0_data(g->d.iPAddress);
			n = ASN1_STRING_length(g->d.iPAddress);
			if ((n == 4 || n == 16) &&
			    inet_ntop(n == 4 ? AF_INET : AF_INET6, d, a, sizeof(a))) {
				snprintf(tmp, sizeof(tmp), "IP:%s", a);
				append(buf, len, tmp);
			}
		}
	}
	GENERAL_NAMES_free(gens);
}

void probe_tls_info_get(SSL *ssl, struct probe_tls_info *info)
{
	X509 *x;
	struct tm tm;
	int day, sec;

	memset(info, 0, sizeof(*info));
	snprintf(info->protocol, sizeof(info->protocol), "%s", SSL_get_version(ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(ssl));
	info->verify_code = SSL_get_verify_result(ssl);
	snprintf(info->verify, sizeof(info->verify), "%s",
	    X509_verify_cert_error_string(info->verify_code));
	if (!(x = SSL_get1_peer_certificate(ssl)))
		return;
	info->has_cert = true;
	name_text(X509_get_subject_name(x), info->subject, sizeof(info->subject));
	name_text(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	sans_text(x, info->sans, sizeof(info->sans));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(info->not_after, sizeof(info->not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Whole days from now to notAfter, rounded toward minus infinity, so
	 * a certificate that expired an hour ago shows -1, not 0. */
	if (ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(x)) == 1)
		info->days_left = day - (sec < 0 ? 1 : 0);
	X509_free(x);
}

void probe_tls_info_json(struct json *j, const struct probe_tls_info *info)
{
	json_kv_str(j, "protocol", info->protocol);
	json_kv_str(j, "cipher", info->cipher);
	if (info->has_cert) {
		json_kv_str(j, "subject", info->subject);
		json_kv_str(j, "issuer", info->issuer);
		json_key(j, "san");
		json_arr_begin(j);
		for (const char *p = info->sans; *p;) {
			size_t n = strcspn(p, ",");

			json_strn(j, p, n);
			p += n;
			if (*p)
				p++;
		}
		json_arr_end(j);
		json_kv_str(j, "not_after", info->not_after);
		json_kv_int(j, "days_left", info->days_left);
	}
	json_kv_bool(j, "verified", info->verify_code == 0);
	json_kv_str(j, "verify", info->verify);
}
