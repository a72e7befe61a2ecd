/* p2p_pipe.c: the two directions of block traffic on one peer: the
 * requests we keep out (a pipeline that grows towards the peer's reqq as
 * it answers quickly) and the requests we serve from the store (bounded
 * by the output cap and the upload buckets). (owner: engine) */
#include "config.h"

#include <string.h>

#include "p2p_int.h"

/* ---- requesting ---- */

static bool in_flight(uint32_t piece, uint32_t begin, void *arg)
{
	struct p2p_peer *p = arg;

	for (size_t i = 0; i < p->nreqs; i++)
		if (p->reqs[i].piece == piece && p->reqs[i].begin == begin)
			return true;
	return false;
}

static bool down_allowed(struct p2p_peer *p, uint64_t now)
{
	return p2p_bucket_avail(&p->x->down, now) > 0 && p2p_bucket_avail(&p->c->down, now) > 0;
}

void p2p_peer_fill(struct p2p_peer *p)
{
	struct p2p_xfer *x = p->x;
	struct p2p_block_req br[32];
	uint64_t now = loop_now_ms();

	if (p->st != PS_ACTIVE || !x->pick || x->state != P2P_DOWNLOADING)
		return;
	/* interest is rechecked (a scan of the pieces) only when it may
	 * have changed: not yet interested, or nothing left to ask for */
	if (!p->am_interested)
		p2p_peer_update_interest(p);
	if (p->st != PS_ACTIVE || !p->am_interested)
		return;
	if (p->peer_choking && !(p->fast && p->nfast))
		return;
	if (!p->reqs) {
		p->reqs = calloc(P2P_PIPE_MAX, sizeof(*p->reqs));
		if (!p->reqs)
			return;
	}
	while (p->nreqs < p->pipe && down_allowed(p, now)) {
		size_t want = p->pipe - p->nreqs, n;
		bool full = false;

		if (want > 32)
			want = 32;
		if (p->peer_choking)
			n = p2p_pick_next_in(x->pick, p->fastp, p->nfast,
			    p->have_all ? NULL : p->bits, br, want);
		else
			n = p2p_pick_next(x->pick, p->have_all ? NULL : p->bits, br, want,
			    in_flight, p);
		for (size_t i = 0; i < n; i++) {
			struct p2p_req *r;

			if (full || !p2p_xfer_can_buffer(x, br[i].piece)) {
				/* the block memory is full: finish what is begun first */
				p2p_pick_dropped(x->pick, br[i].piece, br[i].begin);
				full = true;
				continue;
			}
			r = &p->reqs[p->nreqs++];
			r->piece = br[i].piece;
			r->begin = br[i].begin;
			r->len = br[i].len;
			r->sent_ms = now;
			p2p_put_request(&p->out, P2P_REQUEST, r->piece, r->begin, r->len);
		}
		if (n < want || full)
			break;
	}
	if (!p->nreqs && !p->peer_choking)
		p2p_peer_update_interest(p);
	if (p->nreqs < p->pipe && !down_allowed(p, now))
		p->up_wait = true;	/* ask again when the bucket refills */
	p2p_peer_flush(p);
}

bool p2p_peer_forget_req(struct p2p_peer *p, uint32_t piece, uint32_t begin)
{
	for (size_t i = 0; i < p->nreqs; i++) {
		if (p->reqs[i].piece == piece && p->reqs[i].begin == begin) {
			p->reqs[i] = p->reqs[--p->nreqs];
			return true;
		}
	}
	return false;
}

/* ---- serving ---- */

void p2p_peer_serve(struct p2p_peer *p)
{
	struct p2p_xfer *x = p->x;
	uint64_t now = loop_now_ms();

	if (p->st != PS_ACTIVE)
		return;
	while (p->nserve && p2p_out_pending(p) < P2P_OUT_CAP) {
		struct p2p_req r = p->serve[0];
		int err;

		if (!p2p_bucket_avail(&x->up, now) || !p2p_bucket_avail(&p->c->up, now)) {
			p->up_wait = true;	/* the context's tick wakes us */
			break;
		}
		memmove(p->serve, p->serve + 1, --p->nserve * sizeof(p->serve[0]));
		if (!wire_buf_reserve(&p->out, 13 + (size_t)r.len))
			break;
		p2p_put_piece_head(&p->out, r.piece, r.begin, r.len);
		err = p2p_store_read(x->store, r.piece, r.begin, p->out.data + p->out.len, r.len);
		if (err < 0) {
			p->out.len -= 13;
			if (p->fast)
				p2p_put_request(&p->out, P2P_REJECT, r.piece, r.begin, r.len);
			continue;
		}
		p->out.len += r.len;
		p2p_bucket_spend(&x->up, r.len);
		p2p_bucket_spend(&p->c->up, r.len);
		p2p_meter_add(&p->up, r.len, now);
		p2p_meter_add(&x->mup, r.len, now);
		x->uploaded += r.len;
	}
	p2p_peer_flush(p);
}
