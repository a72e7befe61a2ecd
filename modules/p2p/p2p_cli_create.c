/* p2p_cli_create.c: outpost-p2p create: hash a file or a folder into a
 * .torrent, written whole to a temporary and only then put in place, so
 * a failed run never leaves half a torrent or replaces one by mistake. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "json.h"
#include "meta.h"
#include "p2p_cli.h"

/* The last component of path, trailing slashes ignored. */
static int base_name(const char *path, char *out, size_t n)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start == 0 || len - start >= n ||
	    (len - start == 1 && path[start] == '.') ||
	    (len - start == 2 && path[start] == '.' && path[start + 1] == '.'))
		return -EINVAL;
	memcpy(out, path + start, len - start);
	out[len - start] = '\0';
	return 0;
}

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	int *last = arg;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\r\033[Khashing: %d%%", pct);
	fflush(stderr);
}

/* Write the bytes to a temporary beside file, then link it in (refusing
 * an existing file) or, with force, rename over it. */
static int write_out(const char *file, const struct wire_buf *b, bool force, char *why,
    size_t whylen)
{
	char *tmp = NULL;
	int fd = -1, r = 0;

	if (asprintf(&tmp, "%s.%ld.tmp", file, (long)getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((r = fs_write_all(fd, b->data, b->len)) < 0) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(-r));
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		r = -errno;
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (force ? rename(tmp, file) : link(tmp, file)) {
		r = -errno;
		if (errno == EEXIST)
			snprintf(why, whylen, "%s exists (-f replaces it)", file);
		else
			snprintf(why, whylen, "%s: %s", file, strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	if (!force || r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

static int report(const struct p2p_cli *c, const char *file, const struct wire_buf *b)
{
	struct p2p_meta m;
	char why[512] = "", h1[41], h2[65], sz[32], pl[32];
	struct json j;
	int rc;

	/* Read back what was written: the hashes, and proof it parses. */
	memset(&m, 0, sizeof(m));
	if (p2p_meta_parse(b->data, b->len, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: does not parse back: %s\n", P2P_PROG, file, why);
		return P2P_EXIT_SYSTEM;
	}
	if (c->json) {
		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "type", "created");
		json_kv_str(&j, "file", file);
		p2p_cli_json_meta(&j, &m);
		json_obj_end(&j);
		rc = p2p_cli_json_print(&j);
		json_free(&j);
	} else {
		p2p_cli_hashes(&m, h1, h2);
		p2p_fmt_bytes(m.size, sz, sizeof(sz));
		p2p_fmt_bytes(m.piece_len, pl, sizeof(pl));
		printf("created %s: %s, %s in %" PRIu32 " pieces of %s (%s)\n", file, m.name, sz,
		    m.npieces, pl, p2p_cli_version_name(m.version));
		if (h1[0])
			printf("info hash:    %s\n", h1);
		if (h2[0])
			printf("info hash v2: %s\n", h2);
		rc = P2P_EXIT_OK;
	}
	p2p_meta_free(&m);
	return rc;
}

int p2p_cmd_create(const struct p2p_cli *c)
{
	char name[256], why[512] = "", *def = NULL;
	const char *file = c->out;
	struct p2p_create_opts o = {
		.path = c->target, .version = c->version, .piece_len = c->piece_len,
		.trackers = c->trackers, .ntrackers = c->ntrackers,
		.webseeds = c->webseeds, .nwebseeds = c->nwebseeds,
		.comment = c->comment, .created_by = P2P_PROG " " PACKAGE_VERSION,
		.creation_date = (int64_t)time(NULL), .private_ = c->private_,
	};
	struct wire_buf b;
	struct stat st;
	int last = -1, r, rc = P2P_EXIT_OK;

	if (base_name(c->target, name, sizeof(name)) < 0) {
		fprintf(stderr, "%s: create: '%s' has no name to give the torrent\n", P2P_PROG,
		    c->target);
		return P2P_EXIT_USAGE;
	}
	if (stat(c->target, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, c->target, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
	}
	if (!file) {
		if (asprintf(&def, "%s.torrent", name) < 0)
			return P2P_EXIT_SYSTEM;
		file = def;
	}
	/* Refuse before an hour of hashing, not after. */
	if (!c->force && lstat(file, &st) == 0) {
		fprintf(stderr, "%s: %s exists (-f replaces it)\n", P2P_PROG, file);
		free(def);
		return P2P_EXIT_USAGE;
	}
	if (isatty(STDERR_FILENO) && !c->json) {
		o.progress = on_progress;
		o.arg = &last;
	}
	wire_buf_init(&b);
	r = p2p_create(&o, &b, why, sizeof(why));
	if (last >= 0)
		fputs("\r\033[K", stderr);
	if (r == 0 && wire_buf_error(&b))
		r = wire_buf_error(&b);
	if (r < 0) {
		fprintf(stderr, "%s: create %s: %s\n", P2P_PROG, c->target,
		    why[0] ? why : strerror(-r));
		rc = r == -EINVAL || r == -ENOENT || r == -E2BIG || r == -ELOOP ?
		    P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
		goto out;
	}
	why[0] = '\0';
	if ((r = write_out(file, &b, c->force, why, sizeof(why))) < 0) {
		fprintf(stderr, "%s: %s\n", P2P_PROG, why[0] ? why : strerror(-r));
		rc = r == -EEXIST ? P2P_EXIT_USAGE : P2P_EXIT_SYSTEM;
		goto out;
	}
	rc = report(c, file, &b);
out:
	wire_buf_free(&b);
	free(def);
	return rc;
}
