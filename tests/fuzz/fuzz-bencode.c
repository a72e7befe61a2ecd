/* fuzz-bencode: any bytes through the decoder; what decodes must encode
 * back to exactly the input (the decoder accepts only canonical bencode),
 * and every node's raw span must lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(struct wire_buf *b, const struct benc *n, const uint8_t *lo, const uint8_t *hi)
{
	if (n->raw < lo || n->raw + n->raw_len > hi)
		abort();
	switch (n->type) {
	case BENC_INT:
		benc_put_int(b, n->i);
		break;
	case BENC_STR:
		benc_put_str(b, n->s, n->len);
		break;
	case BENC_LIST:
	case BENC_DICT:
		wire_put_u8(b, n->type == BENC_LIST ? 'l' : 'd');
		for (size_t i = 0; i < (n->type == BENC_LIST ? n->n : 2 * n->n); i++)
			put(b, &n->kids[i], lo, hi);
		benc_put_end(b);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct benc_doc doc;
	struct wire_buf b;
	char why[160];

	if (benc_decode(data, size, &doc, why, sizeof(why)) < 0) {
		if (strnlen(why, sizeof(why)) == sizeof(why))
			abort();
		return 0;
	}
	wire_buf_init(&b);
	put(&b, doc.root, data, data + size);
	if (!wire_buf_error(&b) && (b.len != size || memcmp(b.data, data, size)))
		abort();
	wire_buf_free(&b);
	benc_doc_free(&doc);
	return 0;
}
