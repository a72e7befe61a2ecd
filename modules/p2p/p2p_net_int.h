/* p2p_net_int.h: helpers shared by the net part's files (not a contract
 * for other parts). (owner: net) */
#ifndef OUTPOST_P2P_NET_INT_H
#define OUTPOST_P2P_NET_INT_H

#include <stddef.h>
#include <stdint.h>

/* Percent-encode n bytes (RFC 3986: unreserved kept, the rest %XX) into
 * out, NUL-terminated. The length written, or -ENOSPC. */
int p2p_pct_encode(const uint8_t *p, size_t n, char *out, size_t outlen);

#endif
