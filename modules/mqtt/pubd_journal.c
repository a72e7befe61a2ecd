/* pubd_journal.c: <spool>/pubd.inflight, the QoS 2 messages in flight.
 *
 * QoS 2 is exactly once only if a restarted daemon resumes each message
 * with the packet id it had: a PUBLISH sent again with DUP and the same id
 * is recognised by the broker, under a new id it is a second message. So
 * before a QoS 2 PUBLISH can reach the socket (the client calls on_state
 * before it encodes the packet) the journal records, durably,
 *	P <seq> <packet id>	the event holds this id, PUBLISH may be out
 *	R <seq> <packet id>	PUBREC came: only PUBREL may follow
 * and when the broker refuses the message, giving the id back without
 * delivering it,
 *	X <seq> 00000		the event holds no id any more
 * One fixed-size line each, appended and fdatasync'ed. Nothing is written
 * when a message completes: its spool file is deleted, and on reading the
 * journal a record whose event is gone is ignored. An event whose id was
 * later taken by another event was delivered (the client gives an id back
 * only on completion, or with an X record), so if a power loss undid its
 * deletion it is deleted rather than sent again.
 *
 * The journal is compacted (rewritten to hold only the messages in flight)
 * once it passes JOURNAL_COMPACT bytes; the deletions it forgets are made
 * durable first by an fsync of new/. A torn last line (a crash while
 * appending, before that PUBLISH could be sent) is ignored. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pubd.h"

#define JOURNAL_NAME	"pubd.inflight"
#define JOURNAL_TMP	"pubd.inflight.tmp"
#define JOURNAL_HEADER	"outpost-pubd inflight 1\n"
#define REC_LEN		25	/* "P 0123456789abcdef 65535\n" */
#define JOURNAL_COMPACT	(64 * 1024)

struct slot {
	uint64_t seq;		/* 0: free */
	enum mqtt_stage stage;
};

static int format_rec(char *buf, char op, uint64_t seq, uint16_t pid)
{
	return snprintf(buf, REC_LEN + 1, "%c %016" PRIx64 " %05u\n", op, seq, pid);
}

/* Parse one record; false for anything torn or foreign. */
static bool parse_rec(const char *p, char *op, uint64_t *seq, uint16_t *pid)
{
	char again[REC_LEN + 1];
	unsigned long long s;
	unsigned v;

	if (sscanf(p, "%c %16llx %5u", op, &s, &v) != 3 || v > 65535 ||
	    (*op != 'P' && *op != 'R' && *op != 'X'))
		return false;
	if (format_rec(again, *op, (uint64_t)s, (uint16_t)v) != REC_LEN ||
	    memcmp(again, p, REC_LEN) != 0)
		return false;
	if (s == 0 || (*op != 'X' && v == 0))
		return false;
	*seq = (uint64_t)s;
	*pid = (uint16_t)v;
	return true;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int cmp_restore(const void *a, const void *b)
{
	const struct pubd_restore *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Replay the records in buf into the live set and the delivered list. */
static int replay(const char *buf, size_t len, struct pubd_restore **out, size_t *n,
    uint64_t **done, size_t *ndone)
{
	struct slot *by_pid = calloc(65536, sizeof(*by_pid));
	struct pubd_restore *live = NULL;
	uint64_t *dv = NULL, *tmp;
	size_t nd = 0, cap = 0, nl = 0, off, i, k;
	int r = 0;

	if (!by_pid)
		return -ENOMEM;
	for (off = strlen(JOURNAL_HEADER); off + REC_LEN <= len; off += REC_LEN) {
		uint64_t seq;
		uint16_t pid;
		char op;

		if (!parse_rec(buf + off, &op, &seq, &pid))
			break;
		if (op == 'X') {
			for (i = 1; i < 65536; i++)
				if (by_pid[i].seq == seq)
					by_pid[i].seq = 0;
			continue;
		}
		if (by_pid[pid].seq && by_pid[pid].seq != seq) {
			/* The id went to another event: this one completed. */
			if (nd == cap) {
				cap = cap ? cap * 2 : 64;
				tmp = reallocarray(dv, cap, sizeof(*dv));
				if (!tmp) {
					r = -ENOMEM;
					goto out;
				}
				dv = tmp;
			}
			dv[nd++] = by_pid[pid].seq;
		}
		by_pid[pid].seq = seq;
		by_pid[pid].stage = op == 'R' ? MQTT_STAGE_PUBREC : MQTT_STAGE_PUBLISHED;
	}
	for (i = 1; i < 65536; i++)
		nl += by_pid[i].seq != 0;
	if (nl) {
		live = calloc(nl, sizeof(*live));
		if (!live) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (i = 1, k = 0; i < 65536; i++) {
		if (!by_pid[i].seq)
			continue;
		live[k].seq = by_pid[i].seq;
		live[k].packet_id = (uint16_t)i;
		live[k].stage = by_pid[i].stage;
		k++;
	}
	if (nl)
		qsort(live, nl, sizeof(*live), cmp_restore);
	/* An event both delivered and in flight again is in flight. */
	for (i = 0, k = 0; i < nd; i++) {
		struct pubd_restore key = { .seq = dv[i] };

		if (!nl || !bsearch(&key, live, nl, sizeof(*live), cmp_restore))
			dv[k++] = dv[i];
	}
	nd = k;
	if (nd)
		qsort(dv, nd, sizeof(*dv), cmp_u64);
	*out = live;
	*n = nl;
	*done = dv;
	*ndone = nd;
	live = NULL;
	dv = NULL;
out:
	free(live);
	free(dv);
	free(by_pid);
	return r;
}

/* Read the whole journal file. */
static int slurp(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t k;

	if (fstat(fd, &st) < 0)
		return -errno;
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		k = pread(fd, *buf + got, (size_t)st.st_size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(*buf);
			*buf = NULL;
			return -errno;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* Open and lock the journal and read what it holds. */
int pubd_journal_open(struct pubd_journal *j, const char *spooldir,
    struct pubd_restore **out, size_t *n, uint64_t **done, size_t *ndone)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	*out = NULL;
	*n = *ndone = 0;
	*done = NULL;
	j->dirfd = open(spooldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0)
		return -errno;
	j->fd = openat(j->dirfd, JOURNAL_NAME, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (j->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	r = slurp(j->fd, &buf, &len);
	if (r < 0)
		goto fail;
	if (len >= strlen(JOURNAL_HEADER) &&
	    memcmp(buf, JOURNAL_HEADER, strlen(JOURNAL_HEADER)) == 0)
		r = replay(buf, len, out, n, done, ndone);
	free(buf);
	if (r < 0)
		goto fail;
	j->size = (off_t)len;
	return 0;
fail:
	pubd_journal_close(j);
	return r;
}

static int append(struct pubd_journal *j, char op, uint64_t seq, uint16_t pid)
{
	char rec[REC_LEN + 1];
	int r;

	if (j->fd < 0)
		return -EBADF;
	format_rec(rec, op, seq, pid);
	r = write_all(j->fd, rec, REC_LEN);
	if (r == 0 && fdatasync(j->fd) < 0)
		r = -errno;
	if (r == 0)
		j->size += REC_LEN;
	j->writes++;
	return r;
}

/* Record durably that seq holds packet_id at stage op ('P' or 'R'). */
int pubd_journal_append(struct pubd_journal *j, char op, uint64_t seq, uint16_t packet_id)
{
	return append(j, op, seq, packet_id);
}

/* Record durably that seq gave its packet id back undelivered. */
int pubd_journal_release(struct pubd_journal *j, uint64_t seq)
{
	return append(j, 'X', seq, 0);
}

/* Whether the journal is worth compacting. */
bool pubd_journal_full(const struct pubd_journal *j)
{
	return j->size > JOURNAL_COMPACT;
}

/* Rewrite the journal to hold exactly live[0..n), durably. */
int pubd_journal_compact(struct pubd_journal *j, const char *newdir,
    const struct pubd_restore *live, size_t n)
{
	char rec[REC_LEN + 1];
	size_t i;
	int fd, nfd, r = 0;

	if (j->dirfd < 0)
		return -EBADF;
	/* The records dropped here stand for deletions: make them durable. */
	nfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	if (fsync(nfd) < 0)
		r = -errno;
	close(nfd);
	if (r < 0)
		return r;
	fd = openat(j->dirfd, JOURNAL_TMP, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0640);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	r = write_all(fd, JOURNAL_HEADER, strlen(JOURNAL_HEADER));
	for (i = 0; r == 0 && i < n; i++) {
		format_rec(rec, live[i].stage == MQTT_STAGE_PUBREC ? 'R' : 'P', live[i].seq,
		    live[i].packet_id);
		r = write_all(fd, rec, REC_LEN);
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(j->dirfd, JOURNAL_TMP, j->dirfd, JOURNAL_NAME) < 0)
		r = -errno;
	if (r == 0 && fsync(j->dirfd) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->size = (off_t)(strlen(JOURNAL_HEADER) + n * REC_LEN);
	j->writes = 0;
	return 0;
fail:
	unlinkat(j->dirfd, JOURNAL_TMP, 0);
	close(fd);
	return r;
}

/* Close; NULL-safe. */
void pubd_journal_close(struct pubd_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	j->fd = j->dirfd = -1;
}
