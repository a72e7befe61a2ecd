/* p2p_ext.c: the BEP 10 extension handshake we send and what we read
 * from a peer's. */
#include <errno.h>
#include <string.h>

#include "bencode.h"
#include "p2p_wire.h"

void p2p_put_ext_hs(struct wire_buf *b, const struct p2p_ext_hs *ours)
{
	struct wire_buf d;

	wire_buf_init(&d);
	benc_put_dict(&d);			/* keys in byte order */
	benc_put_cstr(&d, "m");
	benc_put_dict(&d);
	benc_put_end(&d);
	if (ours->node[0]) {
		benc_put_cstr(&d, "outpost_node");
		benc_put_cstr(&d, ours->node);
	}
	if (ours->region[0]) {
		benc_put_cstr(&d, "outpost_region");
		benc_put_cstr(&d, ours->region);
	}
	if (ours->port) {
		benc_put_cstr(&d, "p");
		benc_put_int(&d, ours->port);
	}
	if (ours->reqq) {
		benc_put_cstr(&d, "reqq");
		benc_put_int(&d, ours->reqq);
	}
	if (ours->upload_only) {
		benc_put_cstr(&d, "upload_only");
		benc_put_int(&d, 1);
	}
	if (ours->client[0]) {
		benc_put_cstr(&d, "v");
		benc_put_cstr(&d, ours->client);
	}
	if (ours->yourip_len == 4 || ours->yourip_len == 16) {
		benc_put_cstr(&d, "yourip");
		benc_put_str(&d, ours->yourip, ours->yourip_len);
	}
	benc_put_end(&d);
	if (wire_buf_error(&d))
		b->err = wire_buf_error(&d);
	else
		p2p_put_extended(b, 0, d.data, d.len);
	wire_buf_free(&d);
}

/* An id from the "m" dict: 1..255, else 0 (not offered). */
static uint8_t ext_id(const struct benc *m, const char *name)
{
	int64_t v;

	if (!benc_get_int(m, name, &v) || v <= 0 || v > 255)
		return 0;
	return (uint8_t)v;
}

/* A string value as printable text ('?' for anything else), cut to fit. */
static void printable(const struct benc *s, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; s && i < s->len && k + 1 < size; i++)
		out[k++] = s->s[i] >= 0x20 && s->s[i] < 0x7f ? (char)s->s[i] : '?';
	out[k] = '\0';
}

int p2p_ext_hs_parse(const uint8_t *payload, size_t n, struct p2p_ext_hs *out)
{
	struct benc_doc doc;
	const struct benc *m, *s;
	char why[128];
	int64_t v;

	memset(out, 0, sizeof(*out));
	if (benc_decode(payload, n, &doc, why, sizeof(why)) < 0)
		return -EBADMSG;
	if (doc.root->type != BENC_DICT) {
		benc_doc_free(&doc);
		return -EBADMSG;
	}
	if (benc_get_int(doc.root, "p", &v) && v > 0 && v <= 65535)
		out->port = (uint16_t)v;
	if (benc_get_int(doc.root, "reqq", &v) && v > 0)
		out->reqq = v > 100000 ? 100000 : (uint32_t)v;
	if (benc_get_int(doc.root, "upload_only", &v))
		out->upload_only = v != 0;
	printable(benc_get_str(doc.root, "v"), out->client, sizeof(out->client));
	printable(benc_get_str(doc.root, "outpost_node"), out->node, sizeof(out->node));
	printable(benc_get_str(doc.root, "outpost_region"), out->region, sizeof(out->region));
	s = benc_get_str(doc.root, "yourip");
	if (s && (s->len == 4 || s->len == 16)) {
		memcpy(out->yourip, s->s, s->len);
		out->yourip_len = s->len;
	}
	m = benc_get_dict(doc.root, "m");
	if (m) {
		out->ut_pex = ext_id(m, "ut_pex");
		out->ut_metadata = ext_id(m, "ut_metadata");
	}
	benc_doc_free(&doc);
	return 0;
}
