/* fuzz-p2p-tracker: the BEP 14 datagram parser and the scrape URL mapping
 * (the announce and scrape reply parsers join once bencode.c has landed).
 * The first byte chooses the parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "p2p_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ih[8][20];
	uint16_t port;
	char ck[64], url[512], out[600];

	if (size < 1)
		return 0;
	switch (data[0] % 2) {
	case 0:
		(void)p2p_lsd_parse(data + 1, size - 1, ih, 8, &port, ck, sizeof(ck));
		break;
	case 1:
		if (size - 1 >= sizeof(url))
			return 0;
		memcpy(url, data + 1, size - 1);
		url[size - 1] = '\0';
		(void)p2p_scrape_url(url, out, sizeof(out));
		break;
	}
	return 0;
}
