/* store_job.c: the whole checks of a store (store.h): the check of what
 * open found, and the final check and fdatasync of finish. Each is a job
 * a worker thread can run while the loop keeps serving: the job only
 * reads (pread) and hashes into its own bitfield, and the store's thread
 * applies the result at the end. (owner: store) */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2p_wire.h"
#include "store_int.h"

struct p2p_store_job {
	struct p2p_store	*s;
	bool			finish;
	bool			report;		/* s->progress: run on the store's thread */
	uint8_t			*bits;
	uint8_t			*buf;
	atomic_uint		ok;
	atomic_uint_fast64_t	ok_bytes;
	int			err;
	char			why[256];
};

static int job_why(struct p2p_store_job *j, int rc, const char *what)
{
	snprintf(j->why, sizeof(j->why), "%s: %s", what, strerror(-rc));
	return j->err = rc;
}

bool p2p_store_need_check(const struct p2p_store *s)
{
	return s->need_check;
}

int p2p_store_job_new(struct p2p_store *s, bool finish, struct p2p_store_job **out)
{
	struct p2p_store_job *j;

	*out = NULL;
	if (finish && (s->need_check || s->count != s->m->npieces))
		return -EAGAIN;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->s = s;
	j->finish = finish;
	atomic_init(&j->ok, 0);
	atomic_init(&j->ok_bytes, 0);
	j->bits = calloc(1, p2p_bitfield_bytes(s->m->npieces));
	j->buf = malloc(s->m->piece_len);
	if (!j->bits || !j->buf) {
		p2p_store_job_free(j);
		return -ENOMEM;
	}
	*out = j;
	return 0;
}

int p2p_store_job_run(struct p2p_store_job *j, bool (*stop)(void *arg), void *arg)
{
	struct p2p_store *s = j->s;
	const struct p2p_meta *m = s->m;
	uint32_t i, ok = 0;
	int rc;

	for (i = 0; i < m->npieces; i++) {
		uint32_t n = p2p_piece_size(m, i);

		if (stop && stop(arg))
			return j->err = -ECANCELED;
		rc = p2p_store_io(s, (uint64_t)i * m->piece_len, j->buf, n, false);
		if (rc < 0)
			return job_why(j, rc, "check");
		if (p2p_piece_verify(m, i, j->buf, n)) {
			p2p_bit_set(j->bits, i);
			ok++;
			atomic_store(&j->ok, ok);
			atomic_fetch_add(&j->ok_bytes, n);
		}
		if (j->report && s->progress)
			s->progress(i + 1, m->npieces, s->arg);
	}
	if (!j->finish || ok != m->npieces || s->seed_only)
		return 0;
	for (size_t f = 0; f < m->nfiles; f++) {
		if (stop && stop(arg))
			return j->err = -ECANCELED;
		if (s->fds[f] >= 0 && fdatasync(s->fds[f]) < 0)
			return job_why(j, -errno, m->files[f].path);
	}
	return 0;
}

uint32_t p2p_store_job_ok(const struct p2p_store_job *j, uint64_t *bytes)
{
	if (bytes)
		*bytes = atomic_load(&j->ok_bytes);
	return atomic_load(&j->ok);
}

static int copy_why(char *why, size_t whylen, const char *text)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", text);
	return 0;
}

int p2p_store_job_end(struct p2p_store_job *j, char *why, size_t whylen)
{
	struct p2p_store *s = j->s;
	const struct p2p_meta *m = s->m;
	uint32_t ok = atomic_load(&j->ok);
	int rc = j->err;

	if (rc < 0) {
		copy_why(why, whylen, j->why);
		goto out;
	}
	memcpy(s->have, j->bits, p2p_bitfield_bytes(m->npieces));
	p2p_store_count_have(s);
	s->dirty = true;
	if (!j->finish) {
		rc = (int)ok;
		if (!s->need_check)
			goto out;
		s->need_check = false;
		s->found = p2p_store_have_bytes(s);
		if (s->seed_only && s->count != m->npieces) {
			if (why && whylen)
				snprintf(why, whylen, "%s: %u of %u pieces do not match", s->dir,
				    m->npieces - s->count, m->npieces);
			rc = -EILSEQ;
		}
		goto out;
	}
	if (ok != m->npieces) {
		if (why && whylen)
			snprintf(why, whylen, "%u of %u pieces changed on disk",
			    m->npieces - ok, m->npieces);
		(void)p2p_store_save(s);
		rc = -EILSEQ;
		goto out;
	}
	rc = s->final ? 0 : p2p_store_place(s, why, whylen);
out:
	p2p_store_job_free(j);
	return rc;
}

void p2p_store_job_free(struct p2p_store_job *j)
{
	if (!j)
		return;
	free(j->bits);
	free(j->buf);
	free(j);
}

/* The same on the caller's thread, as before there were jobs. */
int p2p_store_check(struct p2p_store *s, char *why, size_t whylen)
{
	struct p2p_store_job *j;
	int rc = p2p_store_job_new(s, false, &j);

	if (rc < 0)
		return rc;
	j->report = true;
	(void)p2p_store_job_run(j, NULL, NULL);
	return p2p_store_job_end(j, why, whylen);
}

int p2p_store_finish(struct p2p_store *s, char *why, size_t whylen)
{
	struct p2p_store_job *j;
	int rc = p2p_store_job_new(s, true, &j);

	if (rc < 0)
		return rc;
	(void)p2p_store_job_run(j, NULL, NULL);
	return p2p_store_job_end(j, why, whylen);
}
