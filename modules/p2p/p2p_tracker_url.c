/* p2p_tracker_url.c: the scrape URL for an announce URL (BEP 48).
 * (owner: net) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "p2p_net.h"

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
