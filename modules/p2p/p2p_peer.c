/* p2p_peer.c: one peer connection on the loop: connect, handshakes,
 * message handling, the request pipeline and serving blocks. Every byte
 * from the peer is decoded by p2p_wire (bounded by P2P_MSG_MAX); output
 * is capped per peer. (owner: engine) */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p2p_int.h"

static void on_io(struct loop *l, int fd, uint32_t events, void *arg);

static void set_events(struct p2p_peer *p)
{
	uint32_t ev;

	if (p->st == PS_DEAD)
		return;
	if (p->st == PS_CONNECTING)
		ev = EPOLLOUT;
	else
		ev = (p->throttled ? 0 : EPOLLIN) | (p2p_out_pending(p) ? EPOLLOUT : 0);
	if (ev != p->events && loop_fd_mod(p->c->loop, p->fd, ev) == 0)
		p->events = ev;
}

static struct p2p_peer *peer_new(struct p2p_ctx *c, struct p2p_xfer *x, int fd,
    const struct p2p_addr *a)
{
	struct p2p_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->in = malloc(P2P_IN_CAP);
	if (!p->in) {
		free(p);
		return NULL;
	}
	p->c = c;
	p->x = x;
	p->fd = fd;
	p->addr = *a;
	p->known = -1;
	p2p_addr_format(a, p->name, sizeof(p->name));
	wire_buf_init(&p->out);
	p->am_choking = p->peer_choking = true;
	p->pipe = P2P_PIPE_MIN;
	p->start_ms = p->last_rx_ms = p->last_tx_ms = loop_now_ms();
	return p;
}

void p2p_peer_free(struct p2p_peer *p)
{
	if (!p)
		return;
	if (p->st != PS_DEAD)
		p2p_peer_close(p, NULL);
	wire_buf_free(&p->out);
	free(p->in);
	free(p->bits);
	free(p->reqs);
	free(p);
}

static void tune_socket(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The local address an outgoing connection to family leaves from with
 * share_port: the listen address and port, or its family's any address
 * when listening on the dual-stack any address. 0: no such address. */
static socklen_t shared_local(const struct p2p_ctx *c, int family, struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *l6 = (const void *)&c->lss;

	if (!c->share_port)
		return 0;
	memset(ss, 0, sizeof(*ss));
	if (c->lss.ss_family == family) {
		*ss = c->lss;
		return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	if (family == AF_INET && IN6_IS_ADDR_UNSPECIFIED(&l6->sin6_addr)) {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = l6->sin6_port;
		return sizeof(*s4);
	}
	return 0;
}

/* A connecting socket, from the listen port when we share it. If that
 * fails (the kernel refuses the port, or the four-tuple is taken: that
 * peer is already connected to us from its listen port), an ephemeral
 * port will do: the connection works, only a port-based shaper counts
 * it as other traffic. */
static int connect_from(struct p2p_ctx *c, const struct p2p_addr *a, bool shared)
{
	struct sockaddr_storage ls;
	socklen_t llen = shared ? shared_local(c, a->ss.ss_family, &ls) : 0;
	int fd, one = 1, err;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	tune_socket(fd);
	if (llen && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)&ls, llen) < 0)) {
		close(fd);
		return connect_from(c, a, false);
	}
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0 && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		if (llen && (err == -EADDRNOTAVAIL || err == -EADDRINUSE))
			return connect_from(c, a, false);
		return err;
	}
	return fd;
}

int p2p_peer_connect(struct p2p_xfer *x, const struct p2p_addr *a, long known)
{
	struct p2p_peer *p;
	int fd, err;

	fd = connect_from(x->c, a, true);
	if (fd < 0)
		return fd;
	p = peer_new(x->c, x, fd, a);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->known = known;
	p->st = PS_CONNECTING;
	p->events = EPOLLOUT;
	err = loop_fd_add(x->c->loop, fd, EPOLLOUT, on_io, p);
	if (err < 0) {
		close(fd);
		p->st = PS_DEAD;
		p2p_peer_free(p);
		return err;
	}
	p->next = x->peers;
	x->peers = p;
	x->npeers++;
	x->c->nconns++;
	return 0;
}

int p2p_peer_accept(struct p2p_ctx *c, int fd, const struct p2p_addr *a)
{
	struct p2p_peer *p = peer_new(c, NULL, fd, a);
	int err;

	if (!p)
		return -ENOMEM;
	tune_socket(fd);
	p->incoming = true;
	p->st = PS_HANDSHAKE;
	p->events = EPOLLIN;
	err = loop_fd_add(c->loop, fd, EPOLLIN, on_io, p);
	if (err < 0) {
		p->st = PS_DEAD;
		p2p_peer_free(p);
		return err;
	}
	p->next = c->pending;
	c->pending = p;
	c->nconns++;
	return 0;
}

/* Give back every request we have out (the picker may hand them out again). */
static void drop_reqs(struct p2p_peer *p)
{
	if (p->x && p->x->pick)
		for (size_t i = 0; i < p->nreqs; i++)
			p2p_pick_dropped(p->x->pick, p->reqs[i].piece, p->reqs[i].begin);
	p->nreqs = 0;
}

void p2p_peer_close(struct p2p_peer *p, const char *why)
{
	struct p2p_xfer *x = p->x;
	bool was_active = p->st == PS_ACTIVE;

	if (p->st == PS_DEAD)
		return;
	loop_fd_del(p->c->loop, p->fd);
	close(p->fd);
	p->fd = -1;
	p->st = PS_DEAD;
	p->c->nconns--;
	if (!x)
		return;
	drop_reqs(p);
	if (p->in_pick && x->pick)
		p2p_pick_remove_peer(x->pick, p->have_all ? NULL : p->bits);
	p->in_pick = false;
	x->npeers--;
	p2p_region_changed(x);
	if (p->known >= 0 && (size_t)p->known < x->nknown) {
		struct p2p_known *k = &x->known[p->known];
		uint64_t back = 5000ull << (k->tries < 7 ? k->tries : 7);

		k->connected = false;
		k->complete = was_active && p2p_peer_is_seed(p);
		k->tries++;
		k->next_ms = loop_now_ms() + back;
	}
	if (was_active && why)
		p2p_xfer_event(x, P2P_EV_PEER, "%s left: %s", p->name, why);
}

/* ---- output ---- */

void p2p_peer_flush(struct p2p_peer *p)
{
	/* one send per batch of input, not one per request or block: on a
	 * LAN each send costs as much as the copy of a block */
	if (p->corked)
		return;
	while (p2p_out_pending(p)) {
		ssize_t n = send(p->fd, p->out.data + p->out_off, p2p_out_pending(p),
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			p2p_peer_close(p, strerror(errno));
			return;
		}
		p->out_off += (size_t)n;
		p->last_tx_ms = loop_now_ms();
	}
	if (!p2p_out_pending(p)) {
		wire_buf_reset(&p->out);
		p->out_off = 0;
	} else if (p->out_off > p->out.len / 2) {
		wire_buf_consume(&p->out, p->out_off);
		p->out_off = 0;
	}
	if (wire_buf_error(&p->out)) {
		p2p_peer_close(p, "out of memory");
		return;
	}
	set_events(p);
}

void p2p_peer_send_simple(struct p2p_peer *p, enum p2p_msg_id id)
{
	if (p->st != PS_ACTIVE)
		return;
	p2p_put_simple(&p->out, id);
	p2p_peer_flush(p);
}

void p2p_peer_send_have(struct p2p_peer *p, uint32_t piece)
{
	if (p->st != PS_ACTIVE)
		return;
	p2p_put_index(&p->out, P2P_HAVE, piece);
	p2p_peer_flush(p);
}

void p2p_peer_send_cancel(struct p2p_peer *p, const struct p2p_req *r)
{
	if (p->st != PS_ACTIVE)
		return;
	p2p_put_request(&p->out, P2P_CANCEL, r->piece, r->begin, r->len);
	p2p_peer_flush(p);
}

void p2p_peer_choke(struct p2p_peer *p, bool choke)
{
	if (p->st != PS_ACTIVE || p->am_choking == choke)
		return;
	p->am_choking = choke;
	if (choke) {
		/* BEP 6: pending requests are rejected explicitly; without
		 * it they are just dropped. */
		for (size_t i = 0; p->fast && i < p->nserve; i++)
			p2p_put_request(&p->out, P2P_REJECT, p->serve[i].piece, p->serve[i].begin,
			    p->serve[i].len);
		p->nserve = 0;
	} else {
		p->unchoked_ms = loop_now_ms();
	}
	p2p_put_simple(&p->out, choke ? P2P_CHOKE : P2P_UNCHOKE);
	p2p_peer_flush(p);
}

bool p2p_peer_is_seed(const struct p2p_peer *p)
{
	return p->st == PS_ACTIVE && p->x && (p->have_all || p->nhave == p->x->m->npieces);
}

void p2p_peer_update_interest(struct p2p_peer *p)
{
	struct p2p_xfer *x = p->x;
	bool want;

	if (p->st != PS_ACTIVE || !x->pick)
		return;
	want = x->state == P2P_DOWNLOADING &&
	    p2p_pick_interesting(x->pick, p->have_all ? NULL : p->bits);
	if (want == p->am_interested)
		return;
	p->am_interested = want;
	p2p_peer_send_simple(p, want ? P2P_INTERESTED : P2P_NOT_INTERESTED);
}

/* ---- the handshakes ---- */

static void send_handshake(struct p2p_peer *p, const uint8_t ih[20])
{
	p2p_handshake_put(&p->out, ih, p->c->peer_id, (p->x->m->version & P2P_V2) != 0);
	p->sent_hs = true;
}

static void send_intro(struct p2p_peer *p)
{
	struct p2p_xfer *x = p->x;
	uint32_t have = p2p_store_count(x->store);
	struct p2p_ext_hs hs;

	if (p->fast && have == x->m->npieces)
		p2p_put_simple(&p->out, P2P_HAVE_ALL);
	else if (p->fast && have == 0)
		p2p_put_simple(&p->out, P2P_HAVE_NONE);
	else if (have)
		p2p_put_bitfield(&p->out, p2p_store_have(x->store), p2p_bitfield_bytes(x->m->npieces));
	if (p->ext) {
		memset(&hs, 0, sizeof(hs));
		hs.port = p->c->port;
		snprintf(hs.client, sizeof(hs.client), "%s", p->c->client);
		hs.reqq = P2P_SERVE_MAX - 6;
		if (p->addr.ss.ss_family == AF_INET) {
			memcpy(hs.yourip, &((struct sockaddr_in *)&p->addr.ss)->sin_addr, 4);
			hs.yourip_len = 4;
		} else if (p->addr.ss.ss_family == AF_INET6) {
			memcpy(hs.yourip, &((struct sockaddr_in6 *)&p->addr.ss)->sin6_addr, 16);
			hs.yourip_len = 16;
		}
		hs.upload_only = x->state == P2P_SEEDING;
		snprintf(hs.node, sizeof(hs.node), "%s", p2p_region_node(x));
		snprintf(hs.region, sizeof(hs.region), "%s", p2p_region_name(x));
		p2p_put_ext_hs(&p->out, &hs);
	}
}

/* Move an incoming peer from the context's pending list to x. */
static int bind_incoming(struct p2p_peer *p, struct p2p_xfer *x)
{
	struct p2p_peer **pp;

	if (!x->pick || x->state == P2P_FAILED || x->state == P2P_FINISHING)
		return -EAGAIN;
	if (p2p_xfer_is_banned(x, &p->addr))
		return -EPERM;
	if (x->npeers >= x->lim.max_peers)
		return -EMFILE;
	for (pp = &p->c->pending; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = p->next;
	p->x = x;
	p->next = x->peers;
	x->peers = p;
	x->npeers++;
	p->known = p2p_xfer_known_add(x, &p->addr);
	if (p->known >= 0 && !x->known[p->known].connected) {
		/* its source port is not where it listens: never dial it */
		x->known[p->known].nodial = true;
		x->known[p->known].connected = true;
	}
	return 0;
}

static int on_handshake(struct p2p_peer *p, const uint8_t *buf)
{
	struct p2p_handshake h;
	struct p2p_xfer *x;

	if (p2p_handshake_parse(buf, P2P_HANDSHAKE_LEN, &h) < 0)
		return -EBADMSG;
	if (p->incoming && !p->x) {
		x = p2p_xfer_by_hash(p->c, h.info_hash);
		if (!x || bind_incoming(p, x) < 0)
			return -ENOENT;
		send_handshake(p, h.info_hash);
	}
	x = p->x;
	if (!p2p_meta_hash_is(x->m, h.info_hash))
		return -ENOENT;
	if (!memcmp(h.peer_id, p->c->peer_id, 20)) {
		if (p->known >= 0)
			x->known[p->known].self = true;
		return -ELOOP;
	}
	for (struct p2p_peer *q = x->peers; q; q = q->next)
		if (q != p && q->st == PS_ACTIVE && !memcmp(q->id, h.peer_id, 20))
			return -EEXIST;
	memcpy(p->id, h.peer_id, 20);
	p->fast = P2P_RSV_FAST(h.reserved);
	p->ext = P2P_RSV_EXT(h.reserved);
	if (!p->ext && !p2p_region_peer_ok(x, p)) {
		/* no extension handshake to name a region: its address decides */
		p2p_peer_close(p, "not of this region");
		return 0;
	}
	p->bits = calloc(1, p2p_bitfield_bytes(x->m->npieces));
	if (!p->bits)
		return -ENOMEM;
	p->st = PS_ACTIVE;
	if (p->known >= 0)
		x->known[p->known].tries = 0;
	send_intro(p);
	p2p_xfer_event(x, P2P_EV_PEER, "%s connected", p->name);
	return 0;
}

/* ---- incoming messages ---- */

static void got_have(struct p2p_peer *p, uint32_t i)
{
	p->last_have_ms = loop_now_ms();
	if (p->have_all || p2p_bit(p->bits, i))
		return;
	p2p_bit_set(p->bits, i);
	p->nhave++;
	if (p->in_pick)
		p2p_pick_add_have(p->x->pick, i);
}

static void join_pick(struct p2p_peer *p)
{
	if (p->in_pick)
		return;
	p2p_pick_add_peer(p->x->pick, p->have_all ? NULL : p->bits);
	p->in_pick = true;
}

static int got_request(struct p2p_peer *p, const struct p2p_msg *m)
{
	struct p2p_xfer *x = p->x;
	bool ok = m->index < x->m->npieces && m->length && m->length <= P2P_BLOCK &&
	    p2p_bit(p2p_store_have(x->store), m->index) &&
	    (uint64_t)m->begin + m->length <= p2p_piece_span(x->m, m->index);

	if (ok && !p->am_choking && p->nserve < P2P_SERVE_MAX) {
		struct p2p_req *r = &p->serve[p->nserve++];

		r->piece = m->index;
		r->begin = m->begin;
		r->len = m->length;
		p2p_peer_serve(p);
		return 0;
	}
	if (p->fast) {
		p2p_put_request(&p->out, P2P_REJECT, m->index, m->begin, m->length);
		p2p_peer_flush(p);
	}
	return 0;
}

static void got_piece(struct p2p_peer *p, const struct p2p_msg *m)
{
	struct p2p_xfer *x = p->x;
	uint64_t now = loop_now_ms();
	size_t i;

	for (i = 0; i < p->nreqs; i++)
		if (p->reqs[i].piece == m->index && p->reqs[i].begin == m->begin &&
		    p->reqs[i].len == m->data_len)
			break;
	p2p_meter_add(&p->down, m->data_len, now);
	p2p_meter_add(&x->mdown, m->data_len, now);
	if (i == p->nreqs) {
		x->wasted += m->data_len;	/* not asked (any more): cancelled late */
		return;
	}
	/* slow start: a quick answer earns one more request out */
	if (p->pipe < P2P_PIPE_MAX && (!p->reqq || p->pipe < p->reqq) &&
	    now - p->reqs[i].sent_ms < 2000)
		p->pipe++;
	p->reqs[i] = p->reqs[--p->nreqs];
	p->last_block_ms = now;
	p->snubbed = false;
	x->from_peers += m->data_len;
	p2p_xfer_block(x, p, m->index, m->begin, m->data, (uint32_t)m->data_len);
}

static int on_msg(struct p2p_peer *p, const struct p2p_msg *m)
{
	struct p2p_xfer *x = p->x;
	uint32_t np = x->m->npieces;

	switch (m->id) {
	case P2P_KEEPALIVE:
		break;
	case P2P_CHOKE:
		p->peer_choking = true;
		if (!p->fast)
			drop_reqs(p);	/* BEP 3: a choke discards our requests */
		break;
	case P2P_UNCHOKE:
		p->peer_choking = false;
		p2p_peer_fill(p);
		break;
	case P2P_INTERESTED:
		p->peer_interested = true;
		p2p_choke_interested(x, p);
		break;
	case P2P_NOT_INTERESTED:
		p->peer_interested = false;
		break;
	case P2P_HAVE:
		if (m->index >= np)
			return -EBADMSG;
		got_have(p, m->index);
		p2p_peer_fill(p);
		break;
	case P2P_BITFIELD:
		if (!p2p_bitfield_valid(m->data, m->data_len, np))
			return -EBADMSG;
		/* aria2 sends a fresh bitfield after HAVE_NONE once it has
		 * pieces: take it as a replacement, not as an error. */
		if (p->in_pick && x->pick)
			p2p_pick_remove_peer(x->pick, p->have_all ? NULL : p->bits);
		p->in_pick = false;
		p->have_all = false;
		memcpy(p->bits, m->data, m->data_len);
		p->last_have_ms = loop_now_ms();
		p->nhave = 0;
		for (uint32_t i = 0; i < np; i++)
			p->nhave += p2p_bit(p->bits, i);
		join_pick(p);
		p2p_peer_fill(p);
		break;
	case P2P_HAVE_ALL:
		if (!p->fast || p->in_pick)
			return -EBADMSG;
		p->have_all = true;
		p->last_have_ms = loop_now_ms();
		p->nhave = np;
		for (uint32_t i = 0; i < np; i++)
			p2p_bit_set(p->bits, i);
		join_pick(p);
		p2p_peer_fill(p);
		break;
	case P2P_HAVE_NONE:
		if (!p->fast || p->in_pick)
			return -EBADMSG;
		join_pick(p);
		break;
	case P2P_REQUEST:
		return got_request(p, m);
	case P2P_PIECE:
		got_piece(p, m);
		p->refill = true;	/* once for the batch, in parse_input */
		break;
	case P2P_CANCEL:
		for (size_t i = 0; i < p->nserve; i++) {
			if (p->serve[i].piece == m->index && p->serve[i].begin == m->begin) {
				memmove(p->serve + i, p->serve + i + 1,
				    (p->nserve - i - 1) * sizeof(p->serve[0]));
				p->nserve--;
				break;
			}
		}
		break;
	case P2P_REJECT:
		/* given back; asked again on the next tick, not now, so a
		 * peer that rejects everything does not spin us */
		if (p2p_peer_forget_req(p, m->index, m->begin) && x->pick)
			p2p_pick_dropped(x->pick, m->index, m->begin);
		break;
	case P2P_ALLOWED_FAST:
		if (m->index < np && p->nfast < P2P_FAST_MAX)
			p->fastp[p->nfast++] = m->index;
		break;
	case P2P_EXTENDED:
		if (m->ext_id == 0) {
			struct p2p_ext_hs hs;

			if (p2p_ext_hs_parse(m->data, m->data_len, &hs) == 0) {
				p->reqq = hs.reqq;
				if (p->reqq && p->pipe > p->reqq)
					p->pipe = p->reqq < 2 ? 2 : p->reqq;
				memcpy(p->node, hs.node, sizeof(p->node));
				memcpy(p->region, hs.region, sizeof(p->region));
				if (!p2p_region_peer_ok(x, p)) {
					p2p_peer_close(p, "not of this region");
					return 0;
				}
				p2p_region_changed(x);
			}
		}
		break;
	default:
		break;	/* SUGGEST, PORT, v2 hash messages, unknown: ignored */
	}
	return 0;
}

/* Decode what is buffered; returns <0 when the peer must go. */
static int parse_input(struct p2p_peer *p)
{
	size_t off = 0;
	int err = 0;

	if (p->st == PS_HANDSHAKE) {
		if (p->in_len < P2P_HANDSHAKE_LEN)
			return 0;
		err = on_handshake(p, p->in);
		if (err < 0)
			return err;
		off = P2P_HANDSHAKE_LEN;
	}
	p->corked = true;
	while (p->st == PS_ACTIVE && off < p->in_len) {
		struct p2p_msg m;
		ssize_t n = p2p_msg_decode(p->in + off, p->in_len - off, P2P_MSG_MAX, &m, NULL);

		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		err = on_msg(p, &m);
		if (err < 0)
			break;
	}
	p->corked = false;
	if (err < 0)
		return err;
	if (p->st == PS_DEAD)
		return 0;
	if (p->refill && p->st == PS_ACTIVE) {
		p->refill = false;
		p2p_peer_fill(p);	/* flushes too */
	} else {
		p2p_peer_flush(p);
	}
	if (p->st == PS_DEAD)
		return 0;
	if (off) {
		memmove(p->in, p->in + off, p->in_len - off);
		p->in_len -= off;
	}
	return 0;
}

static void do_read(struct p2p_peer *p)
{
	uint64_t now = loop_now_ms();

	for (int round = 0; round < 8 && p->st != PS_DEAD; round++) {
		size_t room = P2P_IN_CAP - p->in_len, lim;
		ssize_t n;
		int err;

		if (p->x && p->st == PS_ACTIVE) {
			lim = p2p_bucket_avail(&p->x->down, now);
			if (lim > p2p_bucket_avail(&p->c->down, now))
				lim = p2p_bucket_avail(&p->c->down, now);
			if (!lim) {
				p->throttled = true;
				set_events(p);
				return;
			}
			if (room > lim)
				room = lim;
		}
		if (!room) {	/* cannot happen with whole messages <= P2P_MSG_MAX */
			p2p_peer_close(p, "input buffer full");
			return;
		}
		n = recv(p->fd, p->in + p->in_len, room, MSG_DONTWAIT);
		if (n == 0) {
			p2p_peer_close(p, "closed by the peer");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				p2p_peer_close(p, strerror(errno));
			return;
		}
		p->in_len += (size_t)n;
		p->last_rx_ms = now;
		if (p->x) {
			p2p_bucket_spend(&p->x->down, (size_t)n);
			p2p_bucket_spend(&p->c->down, (size_t)n);
		}
		err = parse_input(p);
		if (err < 0) {
			p2p_peer_close(p, err == -EBADMSG || err == -EMSGSIZE ?
			    "protocol error" : strerror(-err));
			return;
		}
		if ((size_t)n < room)
			return;
	}
}

static void on_connected(struct p2p_peer *p)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		p2p_peer_close(p, strerror(soerr));
		return;
	}
	p->st = PS_HANDSHAKE;
	p->start_ms = p->last_rx_ms = loop_now_ms();
	send_handshake(p, p2p_meta_wire_hash(p->x->m));
	p2p_peer_flush(p);
}

static void on_io(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct p2p_peer *p = arg;

	(void)l;
	(void)fd;
	if (p->st == PS_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_connected(p);
		return;
	}
	if (events & EPOLLOUT) {
		p2p_peer_flush(p);
		if (p->st == PS_ACTIVE && p->nserve)
			p2p_peer_serve(p);
	}
	if (p->st != PS_DEAD && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		do_read(p);
}

void p2p_peer_wake(struct p2p_peer *p)
{
	if (p->st == PS_DEAD)
		return;
	p->throttled = p->up_wait = false;
	set_events(p);
	if (p->st == PS_ACTIVE) {
		p2p_peer_serve(p);
		p2p_peer_fill(p);
	}
}

void p2p_peer_tick(struct p2p_peer *p, uint64_t now)
{
	if (p->st == PS_DEAD)
		return;
	if (p->st != PS_ACTIVE) {
		if (now - p->start_ms > P2P_CONNECT_MS)
			p2p_peer_close(p, p->st == PS_CONNECTING ? "connect timed out" :
			    "no handshake");
		return;
	}
	if (now - p->last_rx_ms > P2P_IDLE_MS) {
		p2p_peer_close(p, "silent for 180 s");
		return;
	}
	if (now - p->last_tx_ms >= P2P_KEEPALIVE_MS) {
		p2p_put_keepalive(&p->out);
		p2p_peer_flush(p);
		if (p->st == PS_DEAD)
			return;
	}
	p->down_rate = p2p_meter_rate(&p->down, now);
	p->up_rate = p2p_meter_rate(&p->up, now);
	/* A peer that holds our requests without answering: give its blocks
	 * to others, and ask it for few from now on. */
	if (p->nreqs) {
		uint64_t oldest = now;

		for (size_t i = 0; i < p->nreqs; i++)
			if (p->reqs[i].sent_ms < oldest)
				oldest = p->reqs[i].sent_ms;
		if (now - oldest > P2P_REQ_TIMEOUT_MS &&
		    now - p->last_block_ms > P2P_REQ_TIMEOUT_MS) {
			for (size_t i = 0; i < p->nreqs; i++)
				p2p_put_request(&p->out, P2P_CANCEL, p->reqs[i].piece,
				    p->reqs[i].begin, p->reqs[i].len);
			drop_reqs(p);
			p->snubbed = true;
			p->pipe = 2;
		}
	}
	p2p_peer_serve(p);
	p2p_peer_fill(p);
}
