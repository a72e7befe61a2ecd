/* p2p_cli_info.c: outpost-p2p info, and the pieces of a torrent's
 * description that create prints too. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "meta.h"
#include "p2p_cli.h"

const char *p2p_cli_version_name(int version)
{
	return version == P2P_V1 ? "v1" : version == P2P_V2 ? "v2" : "hybrid";
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

void p2p_cli_hashes(const struct p2p_meta *m, char h1[41], char h2[65])
{
	h1[0] = h2[0] = '\0';
	if (m->version & P2P_V1)
		hex(m->ih1, sizeof(m->ih1), h1);
	if (m->version & P2P_V2)
		hex(m->ih2, sizeof(m->ih2), h2);
}

void p2p_cli_json_meta(struct json *j, const struct p2p_meta *m)
{
	char h1[41], h2[65];

	p2p_cli_hashes(m, h1, h2);
	json_kv_str(j, "name", m->name);
	json_kv_uint(j, "size", m->size);
	json_kv_uint(j, "pieces", m->npieces);
	json_kv_uint(j, "piece_size", m->piece_len);
	json_kv_str(j, "version", p2p_cli_version_name(m->version));
	json_kv_str(j, "info_hash", h1[0] ? h1 : NULL);
	json_kv_str(j, "info_hash_v2", h2[0] ? h2 : NULL);
}

int p2p_cli_json_print(struct json *j)
{
	const char *text;
	size_t n;
	int r = json_finish(j, &text, &n);

	if (r < 0) {
		fprintf(stderr, "%s: json: %s\n", P2P_PROG, strerror(-r));
		return P2P_EXIT_SYSTEM;
	}
	fwrite(text, 1, n, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	return P2P_EXIT_OK;
}

static int info_json(const struct p2p_meta *m)
{
	struct json j;
	int rc;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "info");
	p2p_cli_json_meta(&j, m);
	json_kv_bool(&j, "private", m->private_);
	json_kv_str(&j, "comment", m->comment);
	json_key(&j, "trackers");
	json_arr_begin(&j);
	for (size_t i = 0; i < m->ntrackers; i++)
		json_str(&j, m->trackers[i]);
	json_arr_end(&j);
	json_key(&j, "webseeds");
	json_arr_begin(&j);
	for (size_t i = 0; i < m->nwebseeds; i++)
		json_str(&j, m->webseeds[i]);
	json_arr_end(&j);
	json_key(&j, "files");
	json_arr_begin(&j);
	for (size_t i = 0; i < m->nfiles; i++) {
		if (m->files[i].pad)
			continue;
		json_obj_begin(&j);
		json_kv_str(&j, "path", m->files[i].path);
		json_kv_uint(&j, "size", m->files[i].length);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	rc = p2p_cli_json_print(&j);
	json_free(&j);
	return rc;
}

static void info_text(const struct p2p_meta *m)
{
	char h1[41], h2[65], sz[32], pl[32];
	size_t files = 0;

	p2p_cli_hashes(m, h1, h2);
	p2p_fmt_bytes(m->size, sz, sizeof(sz));
	p2p_fmt_bytes(m->piece_len, pl, sizeof(pl));
	printf("name:         %s\n", m->name);
	printf("size:         %" PRIu64 " bytes (%s)\n", m->size, sz);
	printf("pieces:       %" PRIu32 " of %s\n", m->npieces, pl);
	printf("version:      %s%s\n", p2p_cli_version_name(m->version),
	    m->private_ ? ", private" : "");
	if (h1[0])
		printf("info hash:    %s\n", h1);
	if (h2[0])
		printf("info hash v2: %s\n", h2);
	if (m->comment)
		printf("comment:      %s\n", m->comment);
	for (size_t i = 0; i < m->ntrackers; i++)
		printf("tracker:      %s\n", m->trackers[i]);
	for (size_t i = 0; i < m->nwebseeds; i++)
		printf("web seed:     %s\n", m->webseeds[i]);
	for (size_t i = 0; i < m->nfiles; i++)
		files += !m->files[i].pad;
	printf("files:        %zu\n", files);
	for (size_t i = 0; i < m->nfiles; i++)
		if (!m->files[i].pad)
			printf("  %12" PRIu64 "  %s\n", m->files[i].length, m->files[i].path);
}

/* Load TORRENT, printing why it is refused: 0, or an exit status. */
int p2p_cli_load(const char *path, struct p2p_meta *m)
{
	char why[512] = "";
	int r = p2p_meta_load(path, m, why, sizeof(why));

	if (r == 0)
		return 0;
	fprintf(stderr, "%s: %s\n", P2P_PROG, why[0] ? why : strerror(-r));
	/* A file that cannot be read or is refused is bad input; only a
	 * lack of memory is the system's. */
	return r == -ENOMEM ? P2P_EXIT_SYSTEM : P2P_EXIT_USAGE;
}

int p2p_cmd_info(const struct p2p_cli *c)
{
	struct p2p_meta m;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = p2p_cli_load(c->target, &m)) != 0)
		return rc;
	if (c->json)
		rc = info_json(&m);
	else
		info_text(&m);
	p2p_meta_free(&m);
	return rc;
}
