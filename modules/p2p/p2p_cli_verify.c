/* p2p_cli_verify.c: outpost-p2p verify: re-hash DIR/<content> against
 * the torrent, trusting no resume file, writing nothing, and naming the
 * files that hold bad pieces. Read-only by construction: it opens with
 * O_RDONLY and never creates the staging folder the store would. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "meta.h"
#include "p2p_cli.h"

struct vfile {
	int	fd;		/* -1: not open */
	bool	missing;	/* absent, not a regular file, or of another size */
	bool	resized;	/* of those: a regular file of another size */
	bool	bad;		/* holds (part of) a piece that does not match */
};

/* Open path under dirfd, one component at a time, following no link:
 * what the store would take as the content. */
static int open_under(int dirfd, const char *path)
{
	char comp[256];
	int fd = dirfd, next;
	const char *p = path;

	for (;;) {
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0';

		if (n == 0 || n >= sizeof(comp)) {
			next = -1;
			errno = EINVAL;
		} else {
			memcpy(comp, p, n);
			comp[n] = '\0';
			next = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
			    O_CLOEXEC | (last ? 0 : O_DIRECTORY));
		}
		if (fd != dirfd)
			close(fd);
		if (next < 0 || last)
			return next;
		fd = next;
		p += n + 1;
	}
}

static void vfile_open(int dirfd, const struct p2p_file *f, struct vfile *v)
{
	struct stat st = { .st_mode = 0 };

	v->fd = open_under(dirfd, f->path);
	if (v->fd < 0 || fstat(v->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != f->length) {
		if (v->fd >= 0) {
			v->resized = S_ISREG(st.st_mode);
			close(v->fd);
		}
		v->fd = -1;
		v->missing = true;
	}
}

static bool overlaps(const struct p2p_file *f, uint64_t start, uint64_t end)
{
	return f->length && f->offset < end && f->offset + f->length > start;
}

/* Assemble piece i from the files into buf; false when a file it needs
 * is missing or cannot be read. */
static bool read_piece(const struct p2p_meta *m, struct vfile *vf, size_t first,
    uint64_t start, uint8_t *buf, uint32_t len)
{
	bool ok = true;

	memset(buf, 0, len);
	for (size_t k = first; k < m->nfiles && m->files[k].offset < start + len; k++) {
		const struct p2p_file *f = &m->files[k];
		uint64_t a, b;

		if (f->pad || !overlaps(f, start, start + len))
			continue;
		if (vf[k].missing) {
			ok = false;
			continue;
		}
		a = f->offset > start ? f->offset : start;
		b = f->offset + f->length < start + len ? f->offset + f->length : start + len;
		for (uint64_t done = 0; done < b - a;) {
			ssize_t n = pread(vf[k].fd, buf + (a - start) + done, b - a - done,
			    (off_t)(a - f->offset + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ok = false;
				break;
			}
			done += (uint64_t)n;
		}
	}
	return ok;
}

static int print_result(const struct p2p_cli *c, const struct p2p_meta *m,
    const struct vfile *vf, uint32_t bad)
{
	size_t nbad = 0;
	struct json j;
	int rc;

	for (size_t k = 0; k < m->nfiles; k++)
		nbad += !m->files[k].pad && (vf[k].bad || vf[k].missing);
	rc = bad || nbad ? P2P_EXIT_FAIL : P2P_EXIT_OK;
	if (c->json) {
		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "type", "verify");
		json_kv_bool(&j, "ok", rc == P2P_EXIT_OK);
		json_kv_uint(&j, "pieces", m->npieces);
		json_kv_uint(&j, "bad", bad);
		json_key(&j, "files_bad");
		json_arr_begin(&j);
		for (size_t k = 0; k < m->nfiles; k++)
			if (!m->files[k].pad && (vf[k].bad || vf[k].missing))
				json_str(&j, m->files[k].path);
		json_arr_end(&j);
		json_obj_end(&j);
		if (p2p_cli_json_print(&j) != P2P_EXIT_OK)
			rc = P2P_EXIT_SYSTEM;
		json_free(&j);
		return rc;
	}
	if (rc == P2P_EXIT_OK) {
		printf("%s: all %" PRIu32 " pieces match\n", m->name, m->npieces);
		return rc;
	}
	printf("%s: %" PRIu32 " of %" PRIu32 " pieces do not match, %zu file%s bad\n", m->name,
	    bad, m->npieces, nbad, nbad == 1 ? "" : "s");
	for (size_t k = 0; k < m->nfiles; k++)
		if (!m->files[k].pad && (vf[k].bad || vf[k].missing))
			printf("  %s: %s\n", vf[k].resized ? "wrong size" : vf[k].missing ? "missing" :
			    "bad", m->files[k].path);
	return rc;
}

static int verify(const struct p2p_cli *c, const struct p2p_meta *m, int dirfd)
{
	struct vfile *vf = calloc(m->nfiles ? m->nfiles : 1, sizeof(*vf));
	uint8_t *buf = malloc(m->piece_len);
	bool tty = isatty(STDERR_FILENO) && !c->json;
	size_t first = 0;
	uint32_t bad = 0;
	int rc, last = -1;

	if (!vf || !buf) {
		free(vf);
		free(buf);
		fprintf(stderr, "%s: %s\n", P2P_PROG, strerror(ENOMEM));
		return P2P_EXIT_SYSTEM;
	}
	for (size_t k = 0; k < m->nfiles; k++) {
		vf[k].fd = -1;
		/* Empty files are in no piece: only their presence counts. */
		if (!m->files[k].pad && !m->files[k].length) {
			vfile_open(dirfd, &m->files[k], &vf[k]);
			if (vf[k].fd >= 0)
				close(vf[k].fd);
			vf[k].fd = -1;
		}
	}
	for (uint32_t i = 0; i < m->npieces; i++) {
		uint64_t start = (uint64_t)i * m->piece_len;
		uint32_t len = p2p_piece_size(m, i);

		/* Files wholly before this piece are done with. */
		while (first < m->nfiles && m->files[first].offset + m->files[first].length <= start) {
			if (vf[first].fd >= 0)
				close(vf[first].fd);
			vf[first++].fd = -1;
		}
		for (size_t k = first; k < m->nfiles && m->files[k].offset < start + len; k++)
			if (!m->files[k].pad && overlaps(&m->files[k], start, start + len) &&
			    vf[k].fd < 0 && !vf[k].missing)
				vfile_open(dirfd, &m->files[k], &vf[k]);
		if (!read_piece(m, vf, first, start, buf, len) || !p2p_piece_verify(m, i, buf, len)) {
			bad++;
			for (size_t k = first; k < m->nfiles && m->files[k].offset < start + len; k++)
				if (overlaps(&m->files[k], start, start + len))
					vf[k].bad = true;
		}
		if (tty && (int)((uint64_t)(i + 1) * 100 / m->npieces) != last) {
			last = (int)((uint64_t)(i + 1) * 100 / m->npieces);
			fprintf(stderr, "\r\033[Kverifying: %d%%", last);
			fflush(stderr);
		}
	}
	if (last >= 0)
		fputs("\r\033[K", stderr);
	for (size_t k = 0; k < m->nfiles; k++)
		if (vf[k].fd >= 0)
			close(vf[k].fd);
	rc = print_result(c, m, vf, bad);
	free(vf);
	free(buf);
	return rc;
}

int p2p_cmd_verify(const struct p2p_cli *c)
{
	struct p2p_meta m;
	int dirfd, rc;

	memset(&m, 0, sizeof(m));
	if ((rc = p2p_cli_load(c->target, &m)) != 0)
		return rc;
	dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, c->dir, strerror(errno));
		rc = errno == ENOENT ? P2P_EXIT_FAIL : errno == ENOTDIR ? P2P_EXIT_USAGE :
		    P2P_EXIT_SYSTEM;
	} else {
		rc = verify(c, &m, dirfd);
		close(dirfd);
	}
	p2p_meta_free(&m);
	return rc;
}
