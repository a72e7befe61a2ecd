/* fuzz-p2p-tracker: the announce and scrape reply parsers, the BEP 14
 * datagram parser (with a region member's x-outpost- lines, whose
 * accepted values must format back to a datagram that parses the same)
 * and the scrape URL mapping. The first byte chooses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "p2p_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ih[8][20];
	char ck[64], url[512], out[1500];

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		struct p2p_lsd_info a, b;
		uint8_t ih2[8][20];
		int k;

		if (p2p_lsd_parse(data + 1, size - 1, ih, 8, &a) != 1 || !a.member)
			break;
		/* what was accepted is what goes out again */
		k = p2p_lsd_format(out, sizeof(out), false, a.port, "c", ih, 1, &a.m);
		if (k < 0 || p2p_lsd_parse((uint8_t *)out, (size_t)k, ih2, 8, &b) != 1 ||
		    !b.member || memcmp(&a.m, &b.m, sizeof(a.m)) || memcmp(ih, ih2, 20) ||
		    a.port != b.port)
			__builtin_trap();
		break;
	}
	case 1:
		if (size - 1 >= sizeof(url))
			return 0;
		memcpy(url, data + 1, size - 1);
		url[size - 1] = '\0';
		(void)p2p_scrape_url(url, out, sizeof(out));
		break;
	case 2: {
		struct p2p_tracker_reply r;
		if (p2p_tracker_parse(data + 1, size - 1, &r, ck, sizeof(ck)) == 0)
			p2p_tracker_reply_free(&r);
		break;
	}
	case 3: {
		struct p2p_scrape s;
		memset(ih[0], 0xab, 20);
		(void)p2p_scrape_parse(data + 1, size - 1, ih[0], &s, ck, sizeof(ck));
		break;
	}
	}
	return 0;
}
