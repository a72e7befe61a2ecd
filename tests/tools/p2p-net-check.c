/* p2p-net-check: drives the net part's clients for tests/p2p/p2p-net.sh.
 *   p2p-net-check lsd IFNAME|- PORT HEX-INFOHASH SECONDS
 * joins LSD (v4 and v6), announces the hash at once and every second,
 * and prints "peer HEX ADDR" for each announce heard from another
 * instance until SECONDS have passed.
 *   p2p-net-check get URL [CA-FILE]
 * fetches URL (p2p_http_get_start) and prints "ok SIZE SHA256" or
 * "error ERRNO-NAME WHY" (exit 1).
 *   p2p-net-check webseed URL CA-FILE|- PIECE-LEN PIECE NAME single|multi PATH:LEN[:pad]...
 * builds the piece space of those files (PATH as in struct p2p_file),
 * fetches PIECE from the web seed and prints "ok LEN SHA256 BYTES". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "loop.h"
#include "resolve.h"
#include "p2p_net.h"

struct lsd_run {
	struct loop	*l;
	struct p2p_lsd	*d;
	uint8_t		ih[1][20];
	uint64_t	end;
};

static void on_peer(const uint8_t ih[20], const struct p2p_addr *a,
    const struct p2p_lsd_member *m, void *arg)
{
	char buf[80];

	(void)arg;
	(void)m;
	p2p_addr_format(a, buf, sizeof(buf));
	printf("peer ");
	for (int i = 0; i < 20; i++)
		printf("%02x", ih[i]);
	printf(" %s\n", buf);
	fflush(stdout);
}

static void on_tick(struct loop *l, void *arg)
{
	struct lsd_run *r = arg;

	if (loop_now_ms() >= r->end) {
		loop_stop(l);
		return;
	}
	(void)p2p_lsd_announce(r->d, (const uint8_t (*)[20])r->ih, 1);
	loop_timer_add(l, 1000, on_tick, r);
}

static int hex20(const char *s, uint8_t out[20])
{
	if (strlen(s) != 40)
		return -EINVAL;
	for (int i = 0; i < 20; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int cmd_lsd(int argc, char **argv)
{
	struct lsd_run r = { 0 };
	struct p2p_lsd_opts o = { .v4 = true, .v6 = true };
	int rc;

	if (argc != 6 || hex20(argv[4], r.ih[0]))
		return 2;
	o.ifname = strcmp(argv[2], "-") ? argv[2] : NULL;
	o.port = (uint16_t)atoi(argv[3]);
	if ((rc = loop_new(&r.l)) < 0)
		return 1;
	if ((rc = p2p_lsd_new(r.l, &o, on_peer, &r, &r.d)) < 0) {
		fprintf(stderr, "p2p-net-check: lsd: %s\n", strerror(-rc));
		loop_free(r.l);
		return 1;
	}
	r.end = loop_now_ms() + 1000u * (unsigned)atoi(argv[5]);
	on_tick(r.l, &r);
	loop_run(r.l);
	p2p_lsd_free(r.d);
	loop_free(r.l);
	return 0;
}

struct get_run {
	struct loop	*l;
	int		rc;
};

static void on_get(int status, const uint8_t *body, size_t n, const char *why, void *arg)
{
	struct get_run *g = arg;
	unsigned char md[32];
	unsigned mdlen = 0;

	if (status) {
		printf("error %s %s\n", strerror(-status), why ? why : "");
		g->rc = 1;
	} else {
		EVP_Digest(body, n, md, &mdlen, EVP_sha256(), NULL);
		printf("ok %zu ", n);
		for (unsigned i = 0; i < mdlen; i++)
			printf("%02x", md[i]);
		printf("\n");
	}
	loop_stop(g->l);
}

static int cmd_get(int argc, char **argv)
{
	struct get_run g = { 0 };
	struct resolver *res = NULL;
	struct resolver_opts ro = { 0 };
	struct p2p_http_req *q;
	SSL_CTX *tls;
	char why[256];
	int rc;

	if (argc < 3 || argc > 4)
		return 2;
	if (!(tls = p2p_tls_ctx_new(argc == 4 ? argv[3] : NULL, why, sizeof(why)))) {
		fprintf(stderr, "p2p-net-check: %s\n", why);
		return 1;
	}
	if (loop_new(&g.l) < 0 || resolver_new(g.l, &ro, &res) < 0)
		return 1;
	if ((rc = p2p_http_get_start(g.l, res, tls, argv[2], 16u << 20, on_get, &g, &q)) < 0) {
		printf("error %s start\n", strerror(-rc));
		g.rc = 1;
	} else {
		loop_run(g.l);
	}
	resolver_free(res);
	loop_free(g.l);
	SSL_CTX_free(tls);
	return g.rc;
}

static void print_sha(const uint8_t *p, size_t n)
{
	unsigned char md[32];
	unsigned mdlen = 0;

	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
}

static void on_piece(struct p2p_webseed *w, uint32_t piece, int status, const uint8_t *data,
    size_t len, const char *why, void *arg)
{
	struct get_run *g = arg;

	(void)piece;
	if (status) {
		printf("error %s %s\n", strerror(-status), why ? why : "");
		g->rc = 1;
	} else {
		printf("ok %zu ", len);
		print_sha(data, len);
		printf(" %llu\n", (unsigned long long)p2p_webseed_bytes(w));
	}
	loop_stop(g->l);
}

static int cmd_webseed(int argc, char **argv)
{
	struct p2p_file files[16];
	struct p2p_meta m = { 0 };
	struct p2p_webseed_opts o = { 0 };
	struct get_run g = { 0 };
	struct resolver *res = NULL;
	struct resolver_opts ro = { 0 };
	struct p2p_webseed *w;
	SSL_CTX *tls;
	char why[256];
	uint64_t off = 0;
	int rc;

	if (argc < 9 || argc - 8 > 16)
		return 2;
	memset(files, 0, sizeof(files));
	m.piece_len = (uint32_t)strtoul(argv[4], NULL, 10);
	m.name = argv[6];
	m.multi = strcmp(argv[7], "multi") == 0;
	for (int i = 8; i < argc; i++) {
		struct p2p_file *f = &files[m.nfiles++];
		char *c = strchr(argv[i], ':');
		if (!c)
			return 2;
		*c++ = '\0';
		f->path = argv[i];
		f->length = strtoull(c, &c, 10);
		f->pad = strcmp(c, ":pad") == 0;
		f->offset = off;
		off += f->length;
		if (!f->pad)
			m.size += f->length;
	}
	m.files = files;
	m.space = off;
	m.npieces = (uint32_t)((off + m.piece_len - 1) / m.piece_len);
	if (!(tls = p2p_tls_ctx_new(strcmp(argv[3], "-") ? argv[3] : NULL, why, sizeof(why)))) {
		fprintf(stderr, "p2p-net-check: %s\n", why);
		return 1;
	}
	if (loop_new(&g.l) < 0 || resolver_new(g.l, &ro, &res) < 0)
		return 1;
	o.url = argv[2];
	o.meta = &m;
	o.tls = tls;
	o.retries = 2;
	if ((rc = p2p_webseed_new(g.l, res, &o, on_piece, &g, &w)) < 0 ||
	    (rc = p2p_webseed_fetch(w, (uint32_t)strtoul(argv[5], NULL, 10))) < 0) {
		printf("error %s start\n", strerror(-rc));
		g.rc = 1;
	} else {
		loop_run(g.l);
	}
	p2p_webseed_free(w);
	resolver_free(res);
	loop_free(g.l);
	SSL_CTX_free(tls);
	return g.rc;
}

static void on_ann(int status, const struct p2p_tracker_reply *r, const char *why, void *arg)
{
	struct get_run *g = arg;
	char buf[80];

	if (status) {
		printf("error %s %s\n", strerror(-status), why ? why : "");
		g->rc = 1;
	} else if (r->failure[0]) {
		printf("failure %s\n", r->failure);
		g->rc = 1;
	} else {
		printf("interval %u\n", r->interval);
		for (size_t i = 0; i < r->npeers; i++) {
			p2p_addr_format(&r->peers[i], buf, sizeof(buf));
			printf("peer %s\n", buf);
		}
	}
	loop_stop(g->l);
}

/* announce URL HEX-INFOHASH PORT: one "started" announce, its peers. */
static int cmd_announce(int argc, char **argv)
{
	struct p2p_announce a = { .event = P2P_ANN_STARTED, .left = 1 };
	struct get_run g = { 0 };
	struct resolver *res = NULL;
	struct resolver_opts ro = { 0 };
	struct p2p_http_req *q;
	int rc;

	if (argc != 5 || hex20(argv[3], a.info_hash))
		return 2;
	a.url = argv[2];
	a.port = (uint16_t)atoi(argv[4]);
	{
		char id[32];

		snprintf(id, sizeof(id), "-OP0001-%012d", a.port);
		memcpy(a.peer_id, id, sizeof(a.peer_id));
	}
	if (loop_new(&g.l) < 0 || resolver_new(g.l, &ro, &res) < 0)
		return 1;
	if ((rc = p2p_announce_start(g.l, res, NULL, &a, on_ann, &g, &q)) < 0) {
		printf("error %s start\n", strerror(-rc));
		g.rc = 1;
	} else {
		loop_run(g.l);
	}
	resolver_free(res);
	loop_free(g.l);
	return g.rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "lsd") == 0)
		return cmd_lsd(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "get") == 0)
		return cmd_get(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "webseed") == 0)
		return cmd_webseed(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "announce") == 0)
		return cmd_announce(argc, argv);
	fprintf(stderr, "usage: p2p-net-check lsd IFNAME|- PORT HEX-INFOHASH SECONDS\n"
	    "       p2p-net-check get URL [CA-FILE]\n");
	return 2;
}
