/* dns_msg.c: building queries and parsing replies.
 *
 * Compression pointers are the dangerous part of a reply: they may loop,
 * point past the end or forward into bytes not yet read. A name keeps the
 * lowest offset it has read from; each pointer must go strictly below it,
 * so following pointers always ends, and a pointer back into what the name
 * already read is reported as a loop rather than followed. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"

#define NAME_WIRE_MAX	255
#define LABEL_MAX	63
#define HOPS_MAX	64

static bool plain(uint8_t ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\' && ch != '"' && ch != '(' &&
	    ch != ')' && ch != ';' && ch != '@' && ch != '$';
}

/* Append one label in presentation form; out has room (PROBE_DNS_NAME_TEXT
 * covers 255 wire bytes at 4 characters each). */
static size_t put_label(char *out, size_t o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (plain(ch)) {
			out[o++] = (char)ch;
		} else if (ch > 0x20 && ch < 0x7f) {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else {
			o += (size_t)snprintf(out + o, 5, "\\%03u", ch);
		}
	}
	out[o++] = '.';
	return o;
}

static bool seen(const size_t *v, size_t n, size_t pos)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pos)
			return true;
	return false;
}

int probe_dns_name_read(struct wire_cur *c, const uint8_t *msg, size_t len, char *out)
{
	size_t visited[NAME_WIRE_MAX / 2 + HOPS_MAX + 1];
	size_t pos, limit, after = 0, wire = 1, o = 0, n_vis = 0, hops = 0;
	bool jumped = false;

	out[0] = '\0';
	if (wire_error(c))
		return wire_error(c);
	if (c->p < msg || c->p > msg + len)
		return -EINVAL;
	pos = limit = (size_t)(c->p - msg);
	for (;;) {
		uint8_t b;

		if (pos >= len)
			return PROBE_DNS_ETRUNC;
		b = msg[pos];
		if (n_vis < sizeof(visited) / sizeof(visited[0]))
			visited[n_vis++] = pos;
		if ((b & 0xc0) == 0xc0) {
			size_t t;

			if (pos + 1 >= len)
				return PROBE_DNS_ETRUNC;
			t = (size_t)(b & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				after = pos + 2;
			jumped = true;
			if (t >= len)
				return PROBE_DNS_EPTREND;
			if (seen(visited, n_vis, t) || ++hops > HOPS_MAX)
				return PROBE_DNS_ELOOP;
			if (t > pos)
				return PROBE_DNS_EFORWARD;
			if (t >= limit)
				return PROBE_DNS_ELOOP;
			limit = pos = t;
			continue;
		}
		if (b & 0xc0)
			return PROBE_DNS_ELABEL;
		if (b == 0) {
			pos++;
			break;
		}
		if (pos + 1 + b > len)
			return PROBE_DNS_ETRUNC;
		wire += 1 + (size_t)b;
		if (wire > NAME_WIRE_MAX)
			return PROBE_DNS_ENAME;
		o = put_label(out, o, msg + pos + 1, b);
		pos += 1 + (size_t)b;
	}
	if (!jumped)
		after = pos;
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	wire_skip(c, after - (size_t)(c->p - msg));
	return wire_error(c) ? PROBE_DNS_ETRUNC : 0;
}

int probe_dns_name_encode(struct wire_buf *b, const char *name)
{
	uint8_t label[LABEL_MAX + 1];
	size_t wire = 1, n = 0;
	const char *s = name;

	if (!name)
		return -EINVAL;
	if (s[0] == '.' && s[1] == '\0')
		s++;
	while (*s) {
		unsigned ch = (unsigned char)*s++;

		if (ch == '.') {
			if (n == 0)
				return -EINVAL;
			goto flush;
		}
		if (ch == '\\') {
			if (s[0] >= '0' && s[0] <= '9') {
				if (!(s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'))
					return -EINVAL;
				ch = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
				if (ch > 255)
					return -EINVAL;
				s += 3;
			} else if (*s) {
				ch = (unsigned char)*s++;
			} else {
				return -EINVAL;
			}
		}
		if (n == LABEL_MAX)
			return PROBE_DNS_ELABEL;
		label[n++] = (uint8_t)ch;
		if (*s)
			continue;
flush:
		wire += n + 1;
		if (wire > NAME_WIRE_MAX)
			return PROBE_DNS_ENAME;
		wire_put_u8(b, (uint8_t)n);
		wire_put_bytes(b, label, n);
		n = 0;
	}
	wire_put_u8(b, 0);
	return wire_buf_error(b);
}

int probe_dns_query_build(struct wire_buf *b, const char *name, uint16_t type, uint16_t rclass,
    const struct probe_dns_query_opts *o)
{
	size_t start = b->len;
	int rc;

	wire_put_u16be(b, o->id);
	wire_put_u16be(b, o->rd ? PROBE_DNS_F_RD : 0);
	wire_put_u16be(b, 1);
	wire_put_u16be(b, 0);
	wire_put_u16be(b, 0);
	wire_put_u16be(b, o->edns ? 1 : 0);
	if ((rc = probe_dns_name_encode(b, name)) < 0) {
		b->len = start;
		return rc;
	}
	wire_put_u16be(b, type);
	wire_put_u16be(b, rclass);
	if (o->edns) {
		wire_put_u8(b, 0);			/* root owner */
		wire_put_u16be(b, PROBE_DNS_T_OPT);
		wire_put_u16be(b, o->edns_size ? o->edns_size : 1232);
		wire_put_u32be(b, o->edns_do ? 0x8000 : 0);
		wire_put_u16be(b, 0);			/* no options */
	}
	return wire_buf_error(b);
}

/* rdata errors: an overrun inside rdata means rdata does not fit its type. */
static int rd_err(int rc)
{
	return rc == PROBE_DNS_ETRUNC ? PROBE_DNS_ERDATA : rc;
}

static int rd_name(struct wire_cur *rd, const uint8_t *msg, size_t len, char **out)
{
	char buf[PROBE_DNS_NAME_TEXT];
	int rc = probe_dns_name_read(rd, msg, len, buf);

	if (rc < 0)
		return rd_err(rc);
	if (!(*out = strdup(buf)))
		return -ENOMEM;
	return 0;
}

static int decode_txt(struct probe_dns_rr *rr)
{
	struct wire_cur c;
	size_t n = 0;

	/* Empty rdata has no buffer, and TXT needs at least one string. */
	if (!rr->raw)
		return rr->type == PROBE_DNS_T_TXT ? PROBE_DNS_ERDATA : 0;
	wire_cur_init(&c, rr->raw, rr->rdlen);
	while (wire_remaining(&c))
		wire_skip(&c, wire_read_u8(&c)), n++;
	if (wire_error(&c) || (n == 0 && rr->type == PROBE_DNS_T_TXT))
		return PROBE_DNS_ERDATA;
	if (n && !(rr->strs = calloc(n, sizeof(*rr->strs))))
		return -ENOMEM;
	wire_cur_init(&c, rr->raw, rr->rdlen);
	while (wire_remaining(&c)) {
		struct probe_dns_str *s = &rr->strs[rr->n_strs++];

		s->len = wire_read_u8(&c);
		s->p = wire_read_ptr(&c, s->len);
	}
	return 0;
}

static int decode_caa(struct probe_dns_rr *rr)
{
	struct wire_cur c;
	const uint8_t *tag;
	uint8_t tlen;

	if (!rr->raw)
		return PROBE_DNS_ERDATA;
	wire_cur_init(&c, rr->raw, rr->rdlen);
	rr->num[0] = wire_read_u8(&c);
	tlen = wire_read_u8(&c);
	tag = wire_read_ptr(&c, tlen);
	if (wire_error(&c) || tlen == 0)
		return PROBE_DNS_ERDATA;
	if (!(rr->text = strndup((const char *)tag, tlen)) ||
	    !(rr->strs = calloc(1, sizeof(*rr->strs))))
		return -ENOMEM;
	if (memchr(tag, 0, tlen))
		return PROBE_DNS_ERDATA;
	rr->n_strs = 1;
	rr->strs[0].len = (uint16_t)wire_remaining(&c);
	rr->strs[0].p = wire_read_ptr(&c, rr->strs[0].len);
	return 0;
}

/* Decode rdata of the types we know; rd covers rdata inside msg. */
static int decode(struct probe_dns_rr *rr, struct wire_cur *rd, const uint8_t *msg, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int rc = 0;

	switch (rr->type) {
	case PROBE_DNS_T_A:
	case PROBE_DNS_T_AAAA: {
		size_t n = rr->type == PROBE_DNS_T_A ? 4 : 16;

		if (rr->rdlen != n)
			return PROBE_DNS_ERDATA;
		inet_ntop(n == 4 ? AF_INET : AF_INET6, rr->raw, a, sizeof(a));
		if (!(rr->text = strdup(a)))
			return -ENOMEM;
		wire_skip(rd, n);
		break;
	}
	case PROBE_DNS_T_CNAME:
	case PROBE_DNS_T_NS:
	case PROBE_DNS_T_PTR:
		rc = rd_name(rd, msg, len, &rr->text);
		break;
	case PROBE_DNS_T_MX:
		rr->num[0] = wire_read_u16be(rd);
		rc = rd_name(rd, msg, len, &rr->text);
		break;
	case PROBE_DNS_T_SRV:
		rr->num[0] = wire_read_u16be(rd);
		rr->num[1] = wire_read_u16be(rd);
		rr->num[2] = wire_read_u16be(rd);
		rc = rd_name(rd, msg, len, &rr->text);
		break;
	case PROBE_DNS_T_SOA:
		if ((rc = rd_name(rd, msg, len, &rr->text)) < 0 ||
		    (rc = rd_name(rd, msg, len, &rr->text2)) < 0)
			break;
		for (int i = 0; i < 5; i++)
			rr->num[i] = wire_read_u32be(rd);
		break;
	case PROBE_DNS_T_TXT:
		wire_skip(rd, rr->rdlen);
		rc = decode_txt(rr);
		break;
	case PROBE_DNS_T_CAA:
		wire_skip(rd, rr->rdlen);
		rc = decode_caa(rr);
		break;
	default:
		return 0;
	}
	if (rc == 0 && (wire_error(rd) || wire_remaining(rd)))
		rc = PROBE_DNS_ERDATA;
	if (rc == 0)
		rr->decoded = true;
	return rc;
}

static void rr_clear(struct probe_dns_rr *rr)
{
	free(rr->raw);
	free(rr->text);
	free(rr->text2);
	free(rr->strs);
}

/* One record at c; an OPT record fills m's EDNS fields instead (*opt). */
static int parse_rr(struct wire_cur *c, const uint8_t *msg, size_t len, struct probe_dns_rr *rr,
    struct probe_dns_msg *m, bool *opt)
{
	struct wire_cur rd;
	int rc;

	if ((rc = probe_dns_name_read(c, msg, len, rr->name)) < 0)
		return rc;
	rr->type = wire_read_u16be(c);
	rr->rclass = wire_read_u16be(c);
	rr->ttl = wire_read_u32be(c);
	rr->rdlen = wire_read_u16be(c);
	rd = wire_sub(c, rr->rdlen);
	if (wire_error(c))
		return PROBE_DNS_ETRUNC;
	*opt = rr->type == PROBE_DNS_T_OPT;
	if (*opt) {
		m->edns = true;
		m->edns_size = rr->rclass;
		m->rcode |= (rr->ttl >> 24) << 4;
		m->edns_version = (uint8_t)(rr->ttl >> 16);
		m->edns_do = rr->ttl & 0x8000;
		return 0;
	}
	if (rr->rdlen && !(rr->raw = malloc(rr->rdlen)))
		return -ENOMEM;
	if (rr->rdlen)
		memcpy(rr->raw, rd.p, rr->rdlen);
	return decode(rr, &rd, msg, len);
}

int probe_dns_msg_parse(const uint8_t *msg, size_t len, struct probe_dns_msg *m)
{
	struct wire_cur c;
	unsigned qd, an, ns, ar, total;
	size_t k = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	wire_cur_init(&c, msg, len);
	m->id = wire_read_u16be(&c);
	m->flags = wire_read_u16be(&c);
	qd = wire_read_u16be(&c);
	an = wire_read_u16be(&c);
	ns = wire_read_u16be(&c);
	ar = wire_read_u16be(&c);
	if (wire_error(&c))
		return PROBE_DNS_ETRUNC;
	m->rcode = m->flags & 0xf;
	for (unsigned i = 0; i < qd; i++) {
		char name[PROBE_DNS_NAME_TEXT];

		if ((rc = probe_dns_name_read(&c, msg, len, name)) < 0)
			goto fail;
		uint16_t t = wire_read_u16be(&c), cl = wire_read_u16be(&c);

		if (wire_error(&c)) {
			rc = PROBE_DNS_ETRUNC;
			goto fail;
		}
		if (i == 0) {
			memcpy(m->qname, name, sizeof(name));
			m->qtype = t;
			m->qclass = cl;
			m->has_question = true;
		}
	}
	total = an + ns + ar;
	/* Each record takes at least 11 bytes: refuse counts the bytes cannot
	 * hold before allocating for them. */
	if ((size_t)total * 11 > wire_remaining(&c))
		return PROBE_DNS_ETRUNC;
	if (total && !(m->rr = calloc(total, sizeof(*m->rr))))
		return -ENOMEM;
	for (unsigned i = 0; i < total; i++) {
		struct probe_dns_rr *rr = &m->rr[k];
		bool opt = false;

		rc = parse_rr(&c, msg, len, rr, m, &opt);
		if (rc < 0) {
			rr_clear(rr);
			goto fail;
		}
		if (opt && i >= an + ns) {
			memset(rr, 0, sizeof(*rr));
			continue;
		}
		if (opt) {
			rc = PROBE_DNS_ERDATA;	/* OPT outside the additional section */
			goto fail;
		}
		if (i < an)
			m->n_an++;
		else if (i < an + ns)
			m->n_ns++;
		else
			m->n_ar++;
		k++;
	}
	if (wire_remaining(&c)) {
		rc = PROBE_DNS_ETRAIL;
		goto fail;
	}
	return 0;
fail:
	probe_dns_msg_free(m);
	return rc;
}

void probe_dns_msg_free(struct probe_dns_msg *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < probe_dns_msg_count(m); i++)
		rr_clear(&m->rr[i]);
	free(m->rr);
	memset(m, 0, sizeof(*m));
}
