/* fuzz-hijack-reply: the hijack type's reading of a resolver's reply.
 *
 * The first byte picks the asked type (A or AAAA) and whether the id is
 * checked; the rest is the reply. Invariants: a parsed reply holds at
 * most HIJACK_MAX_ADDRS addresses, each of the asked type's family; a
 * refused one holds none and says why; the same bytes parse the same way
 * twice (nothing depends on leftover state). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hijack_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hijack_reply a, b;
	uint16_t qtype;
	int want_id;

	if (size < 1)
		return 0;
	qtype = data[0] & 1 ? 28 : 1;
	want_id = data[0] & 2 ? (size >= 3 ? (data[1] << 8 | data[2]) : 0) : -1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	hijack_reply_parse(data + 1, size - 1, qtype, want_id, &a);
	hijack_reply_parse(data + 1, size - 1, qtype, want_id, &b);
	if (a.status != b.status || a.n != b.n || a.rcode != b.rcode ||
	    memcmp(a.a, b.a, sizeof(a.a)) != 0)
		abort();
	if (a.n > HIJACK_MAX_ADDRS)
		abort();
	if (a.status < 0 && (a.n != 0 || !a.why[0]))
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (a.a[i].family != (qtype == 28 ? AF_INET6 : AF_INET))
			abort();
	return 0;
}
