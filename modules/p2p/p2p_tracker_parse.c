/* p2p_tracker_parse.c: the tracker reply parsers (BEP 3, 23, 7, 48) (pure,
 * fuzzed). (owner: net) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"
#include "p2p_net.h"
#include "wire.h"

#define TRACKER_MAX_PEERS	4096	/* far more than any numwant */

static void set_why(char *why, size_t whylen, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
}

static void copy_str(const struct benc *s, char *dst, size_t dn)
{
	size_t k;

	if (!s || dn == 0)
		return;
	k = s->len < dn - 1 ? s->len : dn - 1;
	memcpy(dst, s->s, k);
	dst[k] = '\0';
}

static uint32_t clamp_u32(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int add_peer(struct p2p_tracker_reply *r, const struct p2p_addr *a)
{
	struct p2p_addr *np;

	if (r->npeers >= TRACKER_MAX_PEERS)
		return 0;	/* ignore the excess, do not fail */
	np = reallocarray(r->peers, r->npeers + 1, sizeof(*np));
	if (!np)
		return -ENOMEM;
	r->peers = np;
	r->peers[r->npeers++] = *a;
	return 0;
}

/* Compact peers: 6 bytes (IPv4 + port) or 18 bytes (IPv6 + port) each. */
static int compact(struct p2p_tracker_reply *r, const struct benc *s, size_t each)
{
	struct wire_cur c;

	if (s->len % each)
		return -EBADMSG;
	wire_cur_init(&c, s->s, s->len);
	while (wire_remaining(&c) >= each) {
		struct p2p_addr a;
		memset(&a, 0, sizeof(a));
		if (each == 6) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
			s4->sin_family = AF_INET;
			wire_read_bytes(&c, &s4->sin_addr, 4);
			s4->sin_port = htons(wire_read_u16be(&c));
			a.len = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
			s6->sin6_family = AF_INET6;
			wire_read_bytes(&c, &s6->sin6_addr, 16);
			s6->sin6_port = htons(wire_read_u16be(&c));
			a.len = sizeof(*s6);
		}
		if (wire_error(&c))
			return -EBADMSG;
		if (ntohs(((struct sockaddr_in *)&a.ss)->sin_port) == 0)
			continue;	/* port 0 cannot be dialled */
		int rc = add_peer(r, &a);
		if (rc)
			return rc;
	}
	return 0;
}

/* The dictionary form: a list of {"ip": text, "port": int}. Entries
 * with a host name or a bad port are skipped (we dial numbers only). */
static int dict_peers(struct p2p_tracker_reply *r, const struct benc *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct benc *d = &l->kids[i], *ip = benc_get_str(d, "ip");
		char host[INET6_ADDRSTRLEN + 8], text[INET6_ADDRSTRLEN + 16];
		struct p2p_addr a;
		int64_t port;

		if (!ip || ip->len == 0 || ip->len >= INET6_ADDRSTRLEN || !benc_get_int(d, "port", &port) ||
		    port <= 0 || port > 65535)
			continue;
		copy_str(ip, host, sizeof(host));
		snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, (int)port);
		if (p2p_addr_parse(text, &a))
			continue;
		int rc = add_peer(r, &a);
		if (rc)
			return rc;
	}
	return 0;
}

int p2p_tracker_parse(const uint8_t *body, size_t n, struct p2p_tracker_reply *r, char *why,
    size_t whylen)
{
	struct benc_doc doc;
	const struct benc *root, *v, *p6;
	int64_t x;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = benc_decode(body, n, &doc, why, whylen);
	if (rc)
		return rc == -ENOMEM ? rc : -EBADMSG;
	root = doc.root;
	if (root->type != BENC_DICT) {
		set_why(why, whylen, "reply is not a dictionary");
		rc = -EBADMSG;
		goto out;
	}
	copy_str(benc_get_str(root, "failure reason"), r->failure, sizeof(r->failure));
	copy_str(benc_get_str(root, "warning message"), r->warning, sizeof(r->warning));
	if (benc_get_int(root, "interval", &x))
		r->interval = clamp_u32(x);
	if (benc_get_int(root, "min interval", &x))
		r->min_interval = clamp_u32(x);
	if (benc_get_int(root, "complete", &x))
		r->complete = clamp_u32(x);
	if (benc_get_int(root, "incomplete", &x))
		r->incomplete = clamp_u32(x);
	if (r->failure[0])
		goto out;	/* a failure carries no peers */
	v = benc_get(root, "peers");
	p6 = benc_get_str(root, "peers6");
	if (v && v->type == BENC_STR)
		rc = compact(r, v, 6);
	else if (v && v->type == BENC_LIST)
		rc = dict_peers(r, v);
	else if (v)
		rc = -EBADMSG;
	if (rc == 0 && p6)
		rc = compact(r, p6, 18);
	if (rc == -EBADMSG)
		set_why(why, whylen, "malformed \"peers\" or \"peers6\"");
	else if (rc == 0 && !v && !p6) {
		set_why(why, whylen, "no peers and no failure reason");
		rc = -EBADMSG;
	}
out:
	if (rc)
		p2p_tracker_reply_free(r);
	benc_doc_free(&doc);
	return rc;
}

void p2p_tracker_reply_free(struct p2p_tracker_reply *r)
{
	if (!r)
		return;
	free(r->peers);
	r->peers = NULL;
	r->npeers = 0;
}

int p2p_scrape_parse(const uint8_t *body, size_t n, const uint8_t ih[20], struct p2p_scrape *s,
    char *why, size_t whylen)
{
	struct benc_doc doc;
	const struct benc *files, *f = NULL;
	int64_t x;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = benc_decode(body, n, &doc, why, whylen);
	if (rc)
		return rc == -ENOMEM ? rc : -EBADMSG;
	files = benc_get_dict(doc.root, "files");
	if (!files) {
		set_why(why, whylen, "no \"files\" dictionary");
		rc = -EBADMSG;
		goto out;
	}
	for (size_t k = 0; k < files->n; k++) {
		const struct benc *key = &files->kids[2 * k];
		if (key->len == 20 && memcmp(key->s, ih, 20) == 0) {
			f = &files->kids[2 * k + 1];
			break;
		}
	}
	if (f && f->type == BENC_DICT) {
		s->found = true;
		if (benc_get_int(f, "complete", &x))
			s->complete = clamp_u32(x);
		if (benc_get_int(f, "downloaded", &x))
			s->downloaded = clamp_u32(x);
		if (benc_get_int(f, "incomplete", &x))
			s->incomplete = clamp_u32(x);
	}
out:
	benc_doc_free(&doc);
	return rc;
}
