/* p2p-mkmeta: the meta part's interop helper. "create VER PATH OUT
 * [PIECE_LEN]" writes a .torrent made by p2p_create (VER v1, v2 or
 * hybrid); "info TORRENT [DIR]" parses one and prints its version and
 * info-hashes, and with DIR (the folder holding the content) checks every
 * piece against the bytes there, so other tools' torrents can be checked
 * from a shell test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* Piece i's bytes read from the files under dir; pad ranges stay zero. */
static uint8_t *read_piece(const struct p2p_meta *m, const char *dir, uint32_t i, uint32_t *n)
{
	uint64_t start = (uint64_t)i * m->piece_len;
	uint8_t *buf;

	*n = p2p_piece_size(m, i);
	buf = calloc(1, *n ? *n : 1);
	if (!buf)
		return NULL;
	for (size_t k = 0; k < m->nfiles; k++) {
		const struct p2p_file *f = &m->files[k];
		uint64_t a = f->offset > start ? f->offset : start;
		uint64_t end = f->offset + f->length, stop = start + *n;
		uint64_t b = end < stop ? end : stop;
		char p[P2P_PATH_MAX + 512];
		FILE *fp;

		if (f->pad || a >= b)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, f->path);
		fp = fopen(p, "rb");
		if (!fp || fseek(fp, (long)(a - f->offset), SEEK_SET) != 0 ||
		    fread(buf + (a - start), 1, (size_t)(b - a), fp) != b - a) {
			if (fp)
				fclose(fp);
			free(buf);
			return NULL;
		}
		fclose(fp);
	}
	return buf;
}

static int cmd_info(const char *torrent, const char *dir)
{
	struct p2p_meta m;
	char why[512], h1[41] = "-", h2[65] = "-";
	uint32_t good = 0;

	if (p2p_meta_load(torrent, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "p2p-mkmeta: %s\n", why);
		return 1;
	}
	if (m.version & P2P_V1)
		hex(m.ih1, 20, h1);
	if (m.version & P2P_V2)
		hex(m.ih2, 32, h2);
	printf("version %d v1 %s v2 %s pieces %u files %zu size %llu\n", m.version, h1, h2,
	    m.npieces, m.nfiles, (unsigned long long)m.size);
	if (dir) {
		for (uint32_t i = 0; i < m.npieces; i++) {
			uint32_t n;
			uint8_t *p = read_piece(&m, dir, i, &n);

			if (p && p2p_piece_verify(&m, i, p, n))
				good++;
			free(p);
		}
		printf("verified %u/%u\n", good, m.npieces);
	}
	p2p_meta_free(&m);
	return 0;
}

static int cmd_create(const char *ver, const char *path, const char *out, const char *plen)
{
	struct p2p_create_opts o = { .path = path, .created_by = "outpost-p2p test" };
	struct wire_buf b;
	char why[512];
	FILE *fp;
	int e;

	o.version = !strcmp(ver, "v1") ? P2P_V1 : !strcmp(ver, "v2") ? P2P_V2 : P2P_HYBRID;
	o.piece_len = plen ? (uint32_t)strtoul(plen, NULL, 10) : 0;
	wire_buf_init(&b);
	e = p2p_create(&o, &b, why, sizeof(why));
	if (e < 0) {
		fprintf(stderr, "p2p-mkmeta: %s\n", why);
		wire_buf_free(&b);
		return 1;
	}
	fp = fopen(out, "wb");
	if (!fp || fwrite(b.data, 1, b.len, fp) != b.len || fclose(fp) != 0) {
		fprintf(stderr, "p2p-mkmeta: %s: %s\n", out, strerror(errno));
		wire_buf_free(&b);
		return 1;
	}
	wire_buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "info"))
		return cmd_info(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 5 && !strcmp(argv[1], "create"))
		return cmd_create(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL);
	fprintf(stderr, "usage: p2p-mkmeta info TORRENT [DIR] | create v1|v2|hybrid PATH OUT [PIECE_LEN]\n");
	return 2;
}
