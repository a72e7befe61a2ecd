/* pubd_journal.c: <spool>/pubd.inflight, the QoS 2 messages in flight.
 *
 * QoS 2 is exactly once only if a restarted daemon resumes each message
 * with the packet id it had: a PUBLISH sent again with DUP and the same id
 * is recognised by the broker, under a new id it is a second message. So
 * before a QoS 2 PUBLISH can reach the socket (the client calls on_state
 * before it encodes the packet) the journal records, durably,
 *	P <seq> <packet id> <ident>	the event holds this id, PUBLISH may be out
 *	R <seq> <packet id> <ident>	PUBREC came: only PUBREL may follow
 * and when the broker refuses the message, giving the id back without
 * delivering it,
 *	X <seq> <packet id> <ident>	the event holds no id any more
 * One fixed-size line each. P and R are fdatasync'ed before the call
 * returns; X is not: it only matters once the id is taken again, and the
 * P record that takes it is synced after it, in file order.
 *
 * The daemon does not append one record per message: the client reports
 * each stage (on_state), the drain marks the message not journaled, and
 * before the client writes its output (on_flush) every such record of
 * that loop round goes in one write and one fdatasync
 * (pubd_journal_append_batch), so a round of many QoS 2 messages costs
 * one sync, and none of their PUBLISH or PUBREL is on the wire before.
 *
 * <ident> is a hash of the event's bytes (its envelope, which carries the
 * time stamp): sequence numbers are not unique across a power cut (the
 * spool's counter may fall back), so a record names "seq S with these
 * bytes", and a record never matches another event that reused S.
 *
 * Nothing is written when a message completes: its spool file is deleted,
 * and on reading the journal a record whose event is gone (or is another
 * event now) is ignored. An event whose id was later taken by another
 * event was delivered (the client gives an id back only on completion, or
 * with an X record), so if a power loss undid its deletion it is deleted
 * rather than sent again.
 *
 * Starting must not need free space (a full spool is exactly when the
 * daemon has to run): the journal is not rewritten at start, a torn tail
 * (a crash while appending, before that PUBLISH could be sent) is written
 * over by the next record, and for QoS 2 room for JOURNAL_PREALLOC bytes is
 * reserved ahead with fallocate(FALLOC_FL_KEEP_SIZE) while there is space.
 * Once it passes JOURNAL_COMPACT bytes the journal is compacted (rewritten
 * beside and renamed over) to hold only the messages in flight; the
 * deletions it forgets are made durable first by an fsync of new/. */
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

#include "fs.h"
#include "pubd.h"

#define JOURNAL_NAME	"pubd.inflight"
#define JOURNAL_TMP	"pubd.inflight.tmp"
#define JOURNAL_HEADER	"outpost-pubd inflight 2\n"
#define HEADER_LEN	(sizeof(JOURNAL_HEADER) - 1)
/* "P 0123456789abcdef 65535 0123456789abcdef\n" */
#define REC_LEN		42
/* Version 1 (before records named their event): "P <seq> <id>\n", and
 * "X <seq> 00000". Still read, so that an upgrade resumes what was in
 * flight with its packet ids; never written. */
#define JOURNAL_HEADER_V1 "outpost-pubd inflight 1\n"
#define REC_LEN_V1	25
/* A version 1 X record names no id: finding it costs a walk over all ids,
 * so a journal with more of them than this is read only up to there. */
#define V1_X_MAX	256
#define JOURNAL_COMPACT	(64 * 1024)
#define JOURNAL_PREALLOC (2 * JOURNAL_COMPACT)
/* Read no more than this at start: a journal only grows this far when
 * compaction keeps failing, and what lies beyond is not trusted. */
#define JOURNAL_READ_MAX (4 * 1024 * 1024)

/* FNV-1a over the event's bytes: an identity, not a defence. */
uint64_t pubd_event_ident(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

static void format_rec(char *buf, char op, uint64_t seq, uint16_t pid, uint64_t ident)
{
	char tmp[REC_LEN + 1];

	snprintf(tmp, sizeof(tmp), "%c %016" PRIx64 " %05u %016" PRIx64 "\n", op, seq,
	    (unsigned)pid, ident);
	memcpy(buf, tmp, REC_LEN);
}

static bool hex16(const char *p, uint64_t *v)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			x = x << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*v = x;
	return true;
}

/* Parse one record; false for anything torn or foreign. */
static bool parse_rec(const char *p, char *op, struct pubd_restore *r)
{
	unsigned v = 0;
	int i;

	if ((p[0] != 'P' && p[0] != 'R' && p[0] != 'X') || p[1] != ' ' || p[18] != ' ' ||
	    p[24] != ' ' || p[41] != '\n')
		return false;
	if (!hex16(p + 2, &r->seq) || !hex16(p + 25, &r->ident))
		return false;
	for (i = 19; i < 24; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535 || r->seq == 0 || r->ident == 0)
		return false;
	*op = p[0];
	r->packet_id = (uint16_t)v;
	r->stage = p[0] == 'R' ? MQTT_STAGE_PUBREC : MQTT_STAGE_PUBLISHED;
	return true;
}

/* Parse one version 1 record (its identity is 0: unknown). */
static bool parse_rec_v1(const char *p, char *op, struct pubd_restore *r)
{
	unsigned v = 0;
	int i;

	if ((p[0] != 'P' && p[0] != 'R' && p[0] != 'X') || p[1] != ' ' || p[18] != ' ' ||
	    p[24] != '\n' || !hex16(p + 2, &r->seq) || r->seq == 0)
		return false;
	for (i = 19; i < 24; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > 65535 || (p[0] == 'X') != (v == 0))
		return false;
	*op = p[0];
	r->ident = 0;
	r->packet_id = (uint16_t)v;
	r->stage = p[0] == 'R' ? MQTT_STAGE_PUBREC : MQTT_STAGE_PUBLISHED;
	return true;
}

static int cmp_restore(const void *a, const void *b)
{
	const struct pubd_restore *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->ident < y->ident ? -1 : x->ident > y->ident;
}

static bool same_event(const struct pubd_restore *a, const struct pubd_restore *b)
{
	return a->seq == b->seq && a->ident == b->ident;
}

struct slot {
	struct pubd_restore r;	/* r.seq 0: free */
	size_t order;		/* index of the record that set it */
};

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	int c = cmp_restore(&x->r, &y->r);

	if (c)
		return c;
	return x->order > y->order ? -1 : x->order < y->order;
}

static int push(struct pubd_restore **v, size_t *n, size_t *cap, const struct pubd_restore *r)
{
	struct pubd_restore *t;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;

		t = reallocarray(*v, c, sizeof(*t));
		if (!t)
			return -ENOMEM;
		*v = t;
		*cap = c;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

/* Free what a replay holds; NULL-safe. */
void pubd_replay_free(struct pubd_replay *rp)
{
	if (!rp)
		return;
	free(rp->live);
	free(rp->done);
	memset(rp, 0, sizeof(*rp));
}

/* Replay the journal text in buf. */
int pubd_journal_parse(const char *buf, size_t len, struct pubd_replay *rp)
{
	struct slot *by_pid = NULL;
	struct pubd_restore *live = NULL, *dv = NULL;
	size_t nl = 0, nd = 0, capd = 0, off, i, k, order = 0;
	int r = 0;

	size_t rl = REC_LEN, xs = 0;
	bool v1 = false;

	memset(rp, 0, sizeof(*rp));
	if (len >= HEADER_LEN && memcmp(buf, JOURNAL_HEADER_V1, HEADER_LEN) == 0)
		v1 = true;
	else if (len < HEADER_LEN || memcmp(buf, JOURNAL_HEADER, HEADER_LEN) != 0)
		return -EBADMSG;
	if (v1)
		rl = REC_LEN_V1;
	by_pid = calloc(65536, sizeof(*by_pid));
	if (!by_pid)
		return -ENOMEM;
	for (off = HEADER_LEN; len - off >= rl; off += rl, order++) {
		struct pubd_restore rec;
		struct slot *s;
		char op;

		if (!(v1 ? parse_rec_v1(buf + off, &op, &rec) : parse_rec(buf + off, &op, &rec)))
			break;
		if (op == 'X' && v1) {
			if (++xs > V1_X_MAX)
				break;
			for (i = 1; i < 65536; i++)
				if (by_pid[i].r.seq == rec.seq)
					by_pid[i].r.seq = 0;
			continue;
		}
		s = &by_pid[rec.packet_id];
		if (op == 'X') {
			if (s->r.seq && same_event(&s->r, &rec))
				s->r.seq = 0;
			continue;
		}
		if (s->r.seq && !same_event(&s->r, &rec)) {
			/* The id went to another event: this one completed. */
			r = push(&dv, &nd, &capd, &s->r);
			if (r < 0)
				goto out;
		}
		s->r = rec;
		s->order = order;
	}
	rp->valid = off;
	rp->version = v1 ? 1 : 2;
	/* One event holds one id: if records say otherwise (a damaged file),
	 * the latest record wins and the other id is forgotten. */
	for (i = 1; i < 65536; i++)
		nl += by_pid[i].r.seq != 0;
	if (nl) {
		struct slot *tmp = calloc(nl, sizeof(*tmp));

		if (!tmp) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 1, k = 0; i < 65536; i++)
			if (by_pid[i].r.seq)
				tmp[k++] = by_pid[i];
		live = calloc(nl, sizeof(*live));
		if (!live) {
			free(tmp);
			r = -ENOMEM;
			goto out;
		}
		/* Latest record first within each event, keep that one. */
		qsort(tmp, nl, sizeof(*tmp), cmp_slot);
		for (i = 0, k = 0; i < nl; i++)
			if (i == 0 || !same_event(&tmp[i - 1].r, &tmp[i].r))
				live[k++] = tmp[i].r;
		nl = k;
		free(tmp);
	}
	/* An event both delivered and in flight again is in flight. */
	for (i = 0, k = 0; i < nd; i++)
		if (!nl || !bsearch(&dv[i], live, nl, sizeof(*live), cmp_restore))
			dv[k++] = dv[i];
	nd = k;
	if (nd)
		qsort(dv, nd, sizeof(*dv), cmp_restore);
	rp->live = live;
	rp->nlive = nl;
	rp->done = dv;
	rp->ndone = nd;
	live = dv = NULL;
out:
	free(live);
	free(dv);
	free(by_pid);
	return r;
}

/* The journal text holding exactly live[0..n). */
int pubd_journal_render(const struct pubd_restore *live, size_t n, char **buf, size_t *len)
{
	size_t i;
	char *b;

	if (n > (SIZE_MAX - HEADER_LEN) / REC_LEN)
		return -EOVERFLOW;
	b = malloc(HEADER_LEN + n * REC_LEN + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, JOURNAL_HEADER, HEADER_LEN);
	for (i = 0; i < n; i++)
		format_rec(b + HEADER_LEN + i * REC_LEN,
		    live[i].stage == MQTT_STAGE_PUBREC ? 'R' : 'P', live[i].seq,
		    live[i].packet_id, live[i].ident);
	b[HEADER_LEN + n * REC_LEN] = '\0';
	*buf = b;
	*len = HEADER_LEN + n * REC_LEN;
	return 0;
}

/* Read the journal file, up to JOURNAL_READ_MAX. */
static int slurp(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0, want;
	ssize_t k;

	if (fstat(fd, &st) < 0)
		return -errno;
	want = st.st_size > JOURNAL_READ_MAX ? JOURNAL_READ_MAX : (size_t)st.st_size;
	*buf = malloc(want + 1);
	if (!*buf)
		return -ENOMEM;
	while (got < want) {
		k = pread(fd, *buf + got, want - got, (off_t)got);
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

/* Open a journal file by name: never follow a link, never wait on a FIFO,
 * and accept only a regular file. */
static int open_file(int dirfd, const char *name, int flags)
{
	struct stat st;
	int fd, fl;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		fl = -errno;
		close(fd);
		return fl;
	}
	return fd;
}

/* Write the header of an empty journal in place (no-op once written). */
static int put_header(struct pubd_journal *j)
{
	int r;

	if (j->headed)
		return 0;
	r = fs_pwrite_all(j->fd, JOURNAL_HEADER, HEADER_LEN, 0);
	if (r < 0)
		return r;
	j->headed = true;
	j->size = (off_t)HEADER_LEN;
	return 0;
}

/* Reserve room ahead, best effort: a full disk later must not stop the
 * records that let the daemon free space. */
static void reserve(struct pubd_journal *j)
{
	if (j->prealloc && j->fd >= 0)
		(void)fallocate(j->fd, FALLOC_FL_KEEP_SIZE, 0, JOURNAL_PREALLOC);
}

/* Open and lock the journal and read what it holds. */
int pubd_journal_open(struct pubd_journal *j, const char *spooldir, bool prealloc,
    struct pubd_replay *rp)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(j, 0, sizeof(*j));
	memset(rp, 0, sizeof(*rp));
	j->fd = -1;
	j->prealloc = prealloc;
	j->dirfd = open(spooldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0)
		return -errno;
	j->fd = open_file(j->dirfd, JOURNAL_NAME, O_RDWR | O_CREAT);
	if (j->fd < 0) {
		r = j->fd;
		goto fail;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	r = slurp(j->fd, &buf, &len);
	if (r < 0)
		goto fail;
	r = pubd_journal_parse(buf, len, rp);
	free(buf);
	if (r == 0 && rp->version == 1 && rp->nlive) {
		/* Kept as it is until the daemon rewrites it in this version
		 * (pubd_journal_compact), before anything is appended. */
		j->legacy = true;
		return 0;
	} else if (r == 0 && rp->version == 1) {
		len = (size_t)-1;	/* nothing in flight: start afresh */
	} else if (r == 0) {
		j->headed = true;
		j->size = (off_t)rp->valid;
	} else if (r == -EBADMSG) {
		/* Empty, or not a journal of this version: start afresh. */
		r = 0;
	} else {
		goto fail;
	}
	/* A torn record (shorter than a record) is overwritten by the next
	 * append; a longer foreign tail is cut off. Neither needs space, and
	 * leaving a torn record keeps the room reserved past it. */
	if ((len == (size_t)-1 || len - (size_t)j->size >= REC_LEN) &&
	    ftruncate(j->fd, j->size) < 0) {
		r = -errno;
		goto fail;
	}
	reserve(j);
	/* Without space the header waits for the first append. */
	(void)put_header(j);
	return 0;
fail:
	pubd_replay_free(rp);
	pubd_journal_close(j);
	return r;
}

/* Append one record, not synced (an X record: made durable by the next
 * batch), at the end of what is valid. What a failure leaves there is
 * overwritten by the next append, so no torn record sits in front of
 * later ones. */
static int append_unsynced(struct pubd_journal *j, char op, const struct pubd_restore *rec)
{
	char buf[REC_LEN];
	int r;

	if (j->fd < 0)
		return -EBADF;
	if (j->legacy)
		return -EAGAIN;		/* rewrite it first */
	r = put_header(j);
	if (r < 0)
		return r;
	format_rec(buf, op, rec->seq, rec->packet_id, rec->ident);
	r = fs_pwrite_all(j->fd, buf, REC_LEN, j->size);
	if (r < 0)
		return r;
	j->size += REC_LEN;
	j->writes++;
	return 0;
}

/* Records per write of a batch: 4 KiB on the stack. */
#define BATCH_CHUNK	96

/* Append n P or R records (by stage) after what is valid and make them
 * durable with one fdatasync. Until that returned nothing counts: a
 * failure leaves the valid end where it was, to be written over. */
int pubd_journal_append_batch(struct pubd_journal *j, const struct pubd_restore *recs,
    size_t n)
{
	char buf[BATCH_CHUNK * REC_LEN];
	size_t i = 0, k;
	off_t at;
	int r;

	if (j->fd < 0)
		return -EBADF;
	if (j->legacy)
		return -EAGAIN;		/* rewrite it first */
	if (n == 0)
		return 0;
	r = put_header(j);
	if (r < 0)
		return r;
	at = j->size;
	while (i < n) {
		for (k = 0; k < BATCH_CHUNK && i < n; k++, i++)
			format_rec(buf + k * REC_LEN, recs[i].stage == MQTT_STAGE_PUBREC ? 'R' : 'P',
			    recs[i].seq, recs[i].packet_id, recs[i].ident);
		r = fs_pwrite_all(j->fd, buf, k * REC_LEN, at);
		if (r < 0)
			return r;
		at += (off_t)(k * REC_LEN);
	}
	if (fdatasync(j->fd) < 0)
		return -errno;
	j->size = at;
	j->writes += (unsigned)n;
	j->syncs++;
	return 0;
}

/* Record durably that an event holds its packet id at its stage. */
int pubd_journal_append(struct pubd_journal *j, const struct pubd_restore *rec)
{
	return pubd_journal_append_batch(j, rec, 1);
}

/* Record that an event gave its packet id back undelivered. */
int pubd_journal_release(struct pubd_journal *j, const struct pubd_restore *rec)
{
	return append_unsynced(j, 'X', rec);
}

/* Whether the journal is worth compacting. */
bool pubd_journal_full(const struct pubd_journal *j)
{
	return j->size > (j->compact_at ? j->compact_at : JOURNAL_COMPACT);
}

/* Rewrite the journal to hold exactly live[0..n), durably. */
int pubd_journal_compact(struct pubd_journal *j, const char *newdir,
    const struct pubd_restore *live, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, nfd, r = 0;

	if (j->dirfd < 0)
		return -EBADF;
	/* Whatever happens, do not try again at every append. */
	j->compact_at = j->size + JOURNAL_COMPACT / 4;
	/* The records dropped here stand for deletions: make them durable. */
	nfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	if (fsync(nfd) < 0)
		r = -errno;
	close(nfd);
	if (r < 0)
		return r;
	r = pubd_journal_render(live, n, &buf, &len);
	if (r < 0)
		return r;
	unlinkat(j->dirfd, JOURNAL_TMP, 0);
	fd = open_file(j->dirfd, JOURNAL_TMP, O_RDWR | O_CREAT | O_EXCL);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	r = fs_pwrite_all(fd, buf, len, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(j->dirfd, JOURNAL_TMP, j->dirfd, JOURNAL_NAME) < 0)
		r = -errno;
	if (r == 0 && fsync(j->dirfd) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	free(buf);
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->headed = true;
	j->legacy = false;
	j->size = (off_t)len;
	j->writes = 0;
	j->compact_at = 0;
	reserve(j);
	return 0;
fail:
	free(buf);
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
