/* store_resume.c: the resume file. Binary, big-endian:
 *   "OPRS" u32 version(1) hash[32] u32 npieces u32 nfiles
 *   nfiles * (u64 size, u64 mtime_ns)  bitfield  sha256[32] of all before.
 * Written to a temporary, fsynced, renamed; anything that does not match
 * the torrent or the files as they are now is stale. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "fs.h"
#include "p2p_wire.h"
#include "store_int.h"
#include "wire.h"

#define RESUME_MAGIC	"OPRS"
#define RESUME_VERSION	1u
#define RESUME_MAX	((size_t)P2P_MAX_FILES * 16 + P2P_MAX_PIECES / 8 + 128)

static void hash32(const struct p2p_meta *m, uint8_t out[32])
{
	memset(out, 0, 32);
	if (m->version & P2P_V1)
		memcpy(out, m->ih1, 20);
	else
		memcpy(out, m->ih2, 32);
}

static uint64_t mtime_ns(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
}

static void put_u64(struct wire_buf *b, uint64_t v)
{
	wire_put_u32be(b, (uint32_t)(v >> 32));
	wire_put_u32be(b, (uint32_t)v);
}

static uint64_t read_u64(struct wire_cur *c)
{
	uint64_t hi = wire_read_u32be(c);

	return hi << 32 | wire_read_u32be(c);
}

static int open_stage(struct p2p_store *s, int *out)
{
	return p2p_fs_opendir(s->dirfd, P2P_STAGE_DIR, 0, out);
}

int p2p_resume_write(struct p2p_store *s)
{
	const struct p2p_meta *m = s->m;
	struct wire_buf b;
	uint8_t h[32], dig[32];
	char tmp[96];
	struct stat st;
	size_t i, off;
	int sfd = -1, fd = -1, rc;

	wire_buf_init(&b);
	wire_put_bytes(&b, RESUME_MAGIC, 4);
	wire_put_u32be(&b, RESUME_VERSION);
	hash32(m, h);
	wire_put_bytes(&b, h, 32);
	wire_put_u32be(&b, m->npieces);
	wire_put_u32be(&b, (uint32_t)m->nfiles);
	for (i = 0; i < m->nfiles; i++) {
		memset(&st, 0, sizeof(st));
		if (s->fds[i] >= 0 && fstat(s->fds[i], &st) < 0) {
			rc = -errno;
			goto out;
		}
		put_u64(&b, (uint64_t)st.st_size);
		put_u64(&b, mtime_ns(&st));
	}
	wire_put_bytes(&b, s->have, p2p_bitfield_bytes(m->npieces));
	if ((rc = wire_buf_error(&b)) < 0)
		goto out;
	SHA256(b.data, b.len, dig);
	wire_put_bytes(&b, dig, 32);
	if ((rc = wire_buf_error(&b)) < 0 || (rc = open_stage(s, &sfd)) < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->resume);
	fd = openat(sfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	for (off = 0; off < b.len;) {
		ssize_t n = write(fd, b.data + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || renameat(sfd, tmp, sfd, s->resume) < 0 || fsync(sfd) < 0) {
		rc = -errno;
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	wire_buf_free(&b);
	return rc;
}

int p2p_resume_parse(struct p2p_store *s, const uint8_t *buf, size_t len)
{
	const struct p2p_meta *m = s->m;
	size_t nb = p2p_bitfield_bytes(m->npieces), i;
	uint8_t h[32], dig[32];
	struct wire_cur c;
	const uint8_t *bits;
	struct stat st;

	if (len < 32)
		return -ESTALE;
	SHA256(buf, len - 32, dig);
	if (memcmp(dig, buf + len - 32, 32) != 0)
		return -ESTALE;
	wire_cur_init(&c, buf, len - 32);
	hash32(m, h);
	bits = wire_read_ptr(&c, 4);
	if (!bits || memcmp(bits, RESUME_MAGIC, 4) != 0 || wire_read_u32be(&c) != RESUME_VERSION)
		return -ESTALE;
	bits = wire_read_ptr(&c, 32);
	if (!bits || memcmp(bits, h, 32) != 0 || wire_read_u32be(&c) != m->npieces ||
	    wire_read_u32be(&c) != m->nfiles)
		return -ESTALE;
	for (i = 0; i < m->nfiles; i++) {
		uint64_t size = read_u64(&c), mt = read_u64(&c);

		memset(&st, 0, sizeof(st));
		if (s->fds[i] >= 0 && fstat(s->fds[i], &st) < 0)
			return -ESTALE;
		if (wire_error(&c) || size != (uint64_t)st.st_size || mt != mtime_ns(&st))
			return -ESTALE;
	}
	bits = wire_read_ptr(&c, nb);
	if (!bits || wire_remaining(&c) != 0 ||
	    (m->npieces % 8 && (bits[nb - 1] & (0xffu >> (m->npieces % 8)))))
		return -ESTALE;
	memcpy(s->have, bits, nb);
	return 0;
}

int p2p_resume_load(struct p2p_store *s)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int sfd, fd, rc;

	if ((rc = open_stage(s, &sfd)) < 0)
		return rc == -ENOENT ? -ENOENT : -ESTALE;
	rc = p2p_fs_open(sfd, s->resume, O_RDONLY, 0, &fd);
	close(sfd);
	if (rc < 0)
		return rc == -ENOENT ? -ENOENT : -ESTALE;
	rc = fs_read_fd(fd, RESUME_MAX, &buf, &len);
	close(fd);
	if (rc < 0)
		return rc == -ENOMEM ? rc : -ESTALE;
	rc = p2p_resume_parse(s, buf, len);
	free(buf);
	return rc;
}
