/* p2p_tracker_url.c: the scrape URL for an announce URL (BEP 48) and
 * the announce query. (owner: net) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "p2p_net.h"
#include "p2p_net_int.h"

int p2p_scrape_url(const char *announce, char *out, size_t n)
{
	const char *q = strchr(announce, '?');
	size_t plen = q ? (size_t)(q - announce) : strlen(announce);
	const char *slash = NULL;

	for (size_t i = 0; i < plen; i++)
		if (announce[i] == '/')
			slash = announce + i;
	if (!slash || (size_t)(announce + plen - slash - 1) < 8 ||
	    strncmp(slash + 1, "announce", 8) != 0)
		return -ENOTSUP;
	size_t head = (size_t)(slash + 1 - announce);
	int w = snprintf(out, n, "%.*sscrape%.*s%s", (int)head, announce,
	    (int)(plen - head - 8), slash + 9, q ? q : "");
	if (w < 0 || (size_t)w >= n)
		return -ENOSPC;
	return 0;
}

static const char *event_name(enum p2p_announce_event e)
{
	switch (e) {
	case P2P_ANN_STARTED: return "started";
	case P2P_ANN_STOPPED: return "stopped";
	case P2P_ANN_COMPLETED: return "completed";
	default: return NULL;
	}
}

int p2p_announce_url(const struct p2p_announce *a, char *out, size_t n)
{
	char ih[61], pid[61];
	const char *ev = event_name(a->event);
	int w;

	if (p2p_pct_encode(a->info_hash, 20, ih, sizeof(ih)) < 0 ||
	    p2p_pct_encode(a->peer_id, 20, pid, sizeof(pid)) < 0)
		return -ENOSPC;
	w = snprintf(out, n,
	    "%s%cinfo_hash=%s&peer_id=%s&port=%u&uploaded=%" PRIu64 "&downloaded=%" PRIu64
	    "&left=%" PRIu64 "&compact=1&numwant=%u&key=%08" PRIx32 "%s%s",
	    a->url, strchr(a->url, '?') ? '&' : '?', ih, pid, a->port, a->uploaded, a->downloaded,
	    a->left, a->numwant ? a->numwant : 50, a->key, ev ? "&event=" : "", ev ? ev : "");
	if (w < 0 || (size_t)w >= n)
		return -ENOSPC;
	return 0;
}
