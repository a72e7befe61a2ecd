/* fuzz-metainfo: any bytes as a .torrent. What parses must hold the
 * invariants the engine and the store rely on: safe relative paths,
 * files in piece-space order inside the space, piece sizes within the
 * piece length, and piece checks that never read past their input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
	if (!p || !*p || p[0] == '/' || strstr(p, "//") || p[strlen(p) - 1] == '/')
		abort();
	for (const char *c = p; *c; ) {
		size_t l = strcspn(c, "/");

		if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c += l + (c[l] == '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_meta m;
	char why[256];
	uint64_t prev = 0;

	if (p2p_meta_parse(data, size, &m, why, sizeof(why)) < 0)
		return 0;
	if (m.npieces == 0 || m.piece_len == 0 || m.size == 0 || m.size > m.space)
		abort();
	check_path(m.name);
	for (size_t i = 0; i < m.nfiles; i++) {
		const struct p2p_file *f = &m.files[i];

		check_path(f->path);
		if (f->offset < prev || (f->length && f->offset + f->length > m.space))
			abort();
		prev = f->offset;
	}
	for (uint32_t i = 0; i < m.npieces && i < 64; i++) {
		uint32_t n = p2p_piece_size(&m, i);
		uint8_t *buf;

		if (n > m.piece_len)
			abort();
		buf = calloc(1, n ? n : 1);
		if (buf) {
			(void)p2p_piece_verify(&m, i, buf, n);
			free(buf);
		}
	}
	p2p_meta_free(&m);
	return 0;
}
