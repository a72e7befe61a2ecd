/* pub_lines.c: input split into lines with a bounded buffer, so a stream
 * of any length is read in constant memory and a line longer than the
 * limit is refused (and skipped), never cut in two. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pub.h"

#define READ_CHUNK	(64 * 1024)

void pub_lines_init(struct pub_lines *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max;
}

void pub_lines_free(struct pub_lines *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
	r->len = r->off = r->cap = 0;
}

/* Room for one more chunk: drop what was returned, then grow. */
static int make_room(struct pub_lines *r)
{
	size_t need, cap;
	char *n;

	if (r->off > 0) {
		/* scanned is relative to off, so it survives the move. */
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len >= READ_CHUNK / 2)
		return 0;
	need = r->len + READ_CHUNK;
	cap = r->cap ? r->cap : READ_CHUNK;
	while (cap < need)
		cap *= 2;
	n = realloc(r->buf, cap);
	if (!n)
		return -ENOMEM;
	r->buf = n;
	r->cap = cap;
	return 0;
}

ssize_t pub_lines_fill(struct pub_lines *r)
{
	size_t want;
	ssize_t n;
	int e;

	if (r->eof)
		return 0;
	if ((e = make_room(r)) < 0)
		return e;
	want = r->cap - r->len;
	if (want > READ_CHUNK)
		want = READ_CHUNK;
	do
		n = read(r->fd, r->buf + r->len, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		r->eof = true;
	r->len += (size_t)n;
	return n;
}

int pub_lines_next(struct pub_lines *r, const char **line, size_t *len)
{
	for (;;) {
		char *start = r->buf + r->off;
		size_t avail = r->len - r->off;
		/* Scan only what arrived since the last call: a long line
		 * comes in many reads, and rescanning it each time is
		 * quadratic. */
		char *nl = avail > r->scanned ?
		    memchr(start + r->scanned, '\n', avail - r->scanned) : NULL;

		r->scanned = nl ? 0 : avail;
		if (r->skipping) {
			/* The rest of an oversize line: drop it as it comes. */
			if (!nl) {
				r->off = r->len;
				r->scanned = 0;
				if (r->eof)
					r->skipping = false;
				return 0;
			}
			r->off += (size_t)(nl - start) + 1;
			r->skipping = false;
			continue;
		}
		if (nl && (size_t)(nl - start) <= r->max) {
			r->lineno++;
			*line = start;
			*len = (size_t)(nl - start);
			r->off += *len + 1;
			return 1;
		}
		if (nl || avail > r->max) {
			/* Too long: skip to its end, now or as it arrives. */
			r->lineno++;
			if (nl) {
				r->off += (size_t)(nl - start) + 1;
			} else {
				r->off = r->len;
				r->scanned = 0;
				r->skipping = !r->eof;
			}
			return -EMSGSIZE;
		}
		if (r->eof && avail > 0) {
			/* The last line, without a newline. */
			r->lineno++;
			*line = start;
			*len = avail;
			r->off = r->len;
			r->scanned = 0;
			return 1;
		}
		return 0;
	}
}
