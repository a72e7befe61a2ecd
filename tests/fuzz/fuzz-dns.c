/* fuzz-dns: the DNS message parser on any bytes.
 *
 * Invariants: a refusal is one of the parser's own errors (or -ENOMEM) and
 * leaves nothing allocated; an accepted message has every record's rdata
 * copied in full and a presentation form whose length the first call
 * predicts; every name it read encodes again and, placed in a fresh
 * message, reads back to the same text; a query built from the question
 * parses back to the same question. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const char *name)
{
	struct wire_buf b;
	struct wire_cur c;
	char back[PROBE_DNS_NAME_TEXT];

	wire_buf_init(&b);
	if (probe_dns_name_encode(&b, name) != 0)
		abort();
	wire_cur_init(&c, b.data, b.len);
	if (probe_dns_name_read(&c, b.data, b.len, back) != 0 || strcmp(back, name) != 0 ||
	    wire_remaining(&c) != 0)
		abort();
	wire_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_dns_msg m;
	int rc = probe_dns_msg_parse(data, size, &m);

	if (rc < 0) {
		if (rc != PROBE_DNS_ETRUNC && rc != PROBE_DNS_ELOOP && rc != PROBE_DNS_EPTREND &&
		    rc != PROBE_DNS_EFORWARD && rc != PROBE_DNS_ELABEL && rc != PROBE_DNS_ENAME &&
		    rc != PROBE_DNS_ERDATA && rc != PROBE_DNS_ETRAIL && rc != -ENOMEM)
			abort();
		if (m.rr || probe_dns_msg_count(&m))
			abort();
		return 0;
	}
	if (m.has_question) {
		struct probe_dns_query_opts qo = { .id = m.id, .rd = true };
		struct probe_dns_msg q;
		struct wire_buf b;

		roundtrip(m.qname);
		wire_buf_init(&b);
		if (probe_dns_query_build(&b, m.qname, m.qtype, m.qclass, &qo) != 0 ||
		    probe_dns_msg_parse(b.data, b.len, &q) != 0 || strcmp(q.qname, m.qname) != 0 ||
		    q.qtype != m.qtype || q.id != m.id)
			abort();
		probe_dns_msg_free(&q);
		wire_buf_free(&b);
	}
	for (size_t i = 0; i < probe_dns_msg_count(&m); i++) {
		const struct probe_dns_rr *rr = &m.rr[i];
		char small[8], *big;
		size_t need = probe_dns_rr_text(rr, small, sizeof(small));
		struct json j;

		roundtrip(rr->name);
		if (rr->rdlen && !rr->raw)
			abort();
		big = malloc(need + 1);
		if (!big)
			abort();
		if (probe_dns_rr_text(rr, big, need + 1) != need || strlen(big) != need)
			abort();
		free(big);
		if (rr->decoded && rr->text && rr->type != PROBE_DNS_T_A && rr->type != PROBE_DNS_T_AAAA &&
		    rr->type != PROBE_DNS_T_CAA)
			roundtrip(rr->text);
		json_init(&j);
		probe_dns_rr_json(&j, rr);
		if (json_finish(&j, NULL, NULL) != 0)
			abort();
		json_free(&j);
	}
	probe_dns_msg_free(&m);
	return 0;
}
