/* p2p_pct.c: percent-encoding of binary query values (info_hash,
 * peer_id) and URL path parts. (owner: net) */
#include <errno.h>

#include "p2p_net_int.h"

static int unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

int p2p_pct_encode(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		size_t need = unreserved(p[i]) ? 1 : 3;
		if (o + need >= outlen)
			return -ENOSPC;
		if (need == 1) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '%';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	if (o >= outlen)
		return -ENOSPC;
	out[o] = '\0';
	return (int)o;
}
