/* dns_text.c: DNS records for people (dig's presentation form) and for
 * machines (JSON), and the type and rcode names. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_msg.h"
#include "json.h"

struct out {
	char	*p;
	size_t	 cap, len;	/* len: what was needed so far */
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->p + o->len : NULL,
	    o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* A character-string in double quotes, dig's escapes. */
static void put_quoted(struct out *o, const uint8_t *p, size_t n)
{
	put(o, "\"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			put(o, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] > 0x7e)
			put(o, "\\%03u", p[i]);
		else
			put(o, "%c", p[i]);
	}
	put(o, "\"");
}

static void rdata(struct out *o, const struct probe_dns_rr *rr)
{
	if (!rr->decoded) {
		put(o, "\\# %u", rr->rdlen);
		if (rr->rdlen)
			put(o, " ");
		for (size_t i = 0; i < rr->rdlen; i++)
			put(o, "%02X", rr->raw[i]);
		return;
	}
	switch (rr->type) {
	case PROBE_DNS_T_MX:
		put(o, "%u %s", rr->num[0], rr->text);
		break;
	case PROBE_DNS_T_SRV:
		put(o, "%u %u %u %s", rr->num[0], rr->num[1], rr->num[2], rr->text);
		break;
	case PROBE_DNS_T_SOA:
		put(o, "%s %s %u %u %u %u %u", rr->text, rr->text2, rr->num[0], rr->num[1],
		    rr->num[2], rr->num[3], rr->num[4]);
		break;
	case PROBE_DNS_T_TXT:
		for (size_t i = 0; i < rr->n_strs; i++) {
			if (i)
				put(o, " ");
			put_quoted(o, rr->strs[i].p, rr->strs[i].len);
		}
		break;
	case PROBE_DNS_T_CAA:
		put(o, "%u %s ", rr->num[0], rr->text);
		put_quoted(o, rr->strs[0].p, rr->strs[0].len);
		break;
	default:
		put(o, "%s", rr->text);
		break;
	}
}

size_t probe_dns_rdata_text(const struct probe_dns_rr *rr, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };

	if (cap)
		out[0] = '\0';
	rdata(&o, rr);
	return o.len;
}

static void put_type(struct out *o, uint16_t type)
{
	const char *n = probe_dns_type_name(type);

	if (n)
		put(o, "%s", n);
	else
		put(o, "TYPE%u", type);
}

size_t probe_dns_rr_text(const struct probe_dns_rr *rr, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };

	if (cap)
		out[0] = '\0';
	put(&o, "%s\t%u\t", rr->name, rr->ttl);
	if (rr->rclass == PROBE_DNS_C_IN)
		put(&o, "IN\t");
	else
		put(&o, "CLASS%u\t", rr->rclass);
	put_type(&o, rr->type);
	put(&o, "\t");
	rdata(&o, rr);
	return o.len;
}

void probe_dns_rr_json(struct json *j, const struct probe_dns_rr *rr)
{
	char tbuf[16], *data;
	const char *tn = probe_dns_type_name(rr->type);
	size_t n = probe_dns_rdata_text(rr, NULL, 0) + 1;

	if (!tn) {
		snprintf(tbuf, sizeof(tbuf), "TYPE%u", rr->type);
		tn = tbuf;
	}
	json_obj_begin(j);
	json_kv_str(j, "name", rr->name);
	json_kv_str(j, "type", tn);
	json_kv_uint(j, "class", rr->rclass);
	json_kv_uint(j, "ttl", rr->ttl);
	if ((data = malloc(n)) != NULL) {
		probe_dns_rdata_text(rr, data, n);
		json_kv_str(j, "data", data);
		free(data);
	} else {
		j->err = j->err ? j->err : -ENOMEM;
	}
	if (rr->decoded) {
		switch (rr->type) {
		case PROBE_DNS_T_A:
		case PROBE_DNS_T_AAAA:
			json_kv_str(j, "address", rr->text);
			break;
		case PROBE_DNS_T_MX:
			json_kv_uint(j, "preference", rr->num[0]);
			json_kv_str(j, "exchange", rr->text);
			break;
		case PROBE_DNS_T_SRV:
			json_kv_uint(j, "priority", rr->num[0]);
			json_kv_uint(j, "weight", rr->num[1]);
			json_kv_uint(j, "port", rr->num[2]);
			json_kv_str(j, "target", rr->text);
			break;
		case PROBE_DNS_T_SOA:
			json_kv_str(j, "mname", rr->text);
			json_kv_str(j, "rname", rr->text2);
			json_kv_uint(j, "serial", rr->num[0]);
			json_kv_uint(j, "refresh", rr->num[1]);
			json_kv_uint(j, "retry", rr->num[2]);
			json_kv_uint(j, "expire", rr->num[3]);
			json_kv_uint(j, "minimum", rr->num[4]);
			break;
		case PROBE_DNS_T_TXT:
			json_key(j, "strings");
			json_arr_begin(j);
			for (size_t i = 0; i < rr->n_strs; i++)
				json_strn(j, (const char *)rr->strs[i].p, rr->strs[i].len);
			json_arr_end(j);
			break;
		case PROBE_DNS_T_CAA:
			json_kv_uint(j, "flags", rr->num[0]);
			json_kv_str(j, "tag", rr->text);
			json_key(j, "value");
			json_strn(j, (const char *)rr->strs[0].p, rr->strs[0].len);
			break;
		default:
			json_kv_str(j, "target", rr->text);
			break;
		}
	}
	json_obj_end(j);
}

static const struct {
	uint16_t	 type;
	const char	*name;
} types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 13, "HINFO" },
	{ 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" }, { 35, "NAPTR" },
	{ 39, "DNAME" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" },
	{ 48, "DNSKEY" }, { 50, "NSEC3" }, { 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
};

const char *probe_dns_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

int probe_dns_type_parse(const char *s, uint16_t *type)
{
	const char *digits = s;
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(types[i].name, s) == 0) {
			*type = types[i].type;
			return 0;
		}
	if (strncasecmp(s, "TYPE", 4) == 0)
		digits = s + 4;
	if (*digits < '0' || *digits > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(digits, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*type = (uint16_t)v;
	return 0;
}

const char *probe_dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	return NULL;
}

const char *probe_dns_strerror(int err)
{
	switch (err) {
	case PROBE_DNS_ETRUNC:
		return "truncated message";
	case PROBE_DNS_ELOOP:
		return "compression pointer loop";
	case PROBE_DNS_EPTREND:
		return "compression pointer past the end";
	case PROBE_DNS_EFORWARD:
		return "forward compression pointer";
	case PROBE_DNS_ELABEL:
		return "label longer than 63 bytes";
	case PROBE_DNS_ENAME:
		return "name longer than 255 bytes";
	case PROBE_DNS_ERDATA:
		return "record data does not fit its type";
	case PROBE_DNS_ETRAIL:
		return "bytes after the last record";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
