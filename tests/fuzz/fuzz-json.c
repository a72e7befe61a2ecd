/* fuzz-json: json_validate() over arbitrary bytes.
 *
 * Invariants checked: the verdict is stable, a rejection points inside
 * [0, n] with a reason, an accepted document stays accepted when wrapped in
 * an array (so nesting is accounted), and every accepted value is also
 * accepted by the writer as a raw value and re-emitted byte for byte.
 * And whatever spool_emit() accepts as event data, spool_read() reads
 * back with that data in the envelope (a spool in /dev/shm, or TMPDIR,
 * made once): an event reported durable is never one the reader would
 * throw away as corrupt. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct spool *sp;
static char spool_dir[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void rm_spool(void)
{
	spool_close(sp);
	nftw(spool_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct spool *spool_once(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	struct spool_opts o = { .dir = spool_dir, .node = "fuzz" };

	if (sp != NULL)
		return sp;
	snprintf(spool_dir, sizeof(spool_dir), "%s/fuzz-json.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(spool_dir) == NULL || spool_open(&sp, &o) < 0)
		abort();
	atexit(rm_spool);
	return sp;
}

/* Emit buf as event data; if accepted, it must read back, data intact. */
static void emit_then_read(const char *buf, size_t size, bool deep_ok)
{
	struct spool_event ev;
	struct spool_ref ref;
	uint64_t seq = 0;
	char *text;
	const char *d;
	int r;

	text = malloc(size + 1);
	if (text == NULL)
		return;
	memcpy(text, buf, size);
	text[size] = '\0';
	r = spool_emit(spool_once(), "fuzz", NULL, text, &seq);
	/* Valid data is refused only when the envelope would nest it too
	 * deep, or when it is too big for an event. */
	if (r == -EINVAL && deep_ok)
		abort();
	if (r < 0 && r != -EINVAL && r != -EFBIG)
		abort();
	if (r == 0) {
		ref.seq = seq;
		snprintf(ref.file, sizeof(ref.file), "%016" PRIx64 ".fuzz", seq);
		if (spool_read(sp, &ref, &ev) != 0)
			abort();
		d = strstr(ev.payload, ",\"data\":");
		if (d == NULL || ev.len < 1 || ev.payload[ev.len - 1] != '}')
			abort();
		spool_event_clear(&ev);
		if (spool_delete(sp, &ref) != 0)
			abort();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *why = NULL, *out;
	size_t off = (size_t)-1, off2 = 0, len, line, col;
	struct json j;
	char *wrapped;
	int r, r2;

	r = json_validate(buf, size, &off, &why);
	r2 = json_validate(buf, size, &off2, NULL);
	if (r != r2)
		abort();
	if (r < 0) {
		if (r != -EINVAL || why == NULL || off > size || off != off2)
			abort();
		json_line_col(buf, size, off, &line, &col);
		if (line < 1 || col < 1 || col > off + 1)
			abort();
		return 0;
	}
	/* Inside one more array, valid unless that is one level too deep. */
	wrapped = malloc(size + 2);
	if (wrapped == NULL)
		return 0;
	wrapped[0] = '[';
	memcpy(wrapped + 1, buf, size);
	wrapped[size + 1] = ']';
	r = json_validate(wrapped, size + 2, &off, &why);
	if (r < 0 && strcmp(why, "nesting too deep") != 0)
		abort();
	free(wrapped);
	emit_then_read(buf, size, r == 0);
	/* The writer takes it as a raw value, unchanged. */
	json_init(&j);
	json_arr_begin(&j);
	json_raw(&j, buf, size);
	json_arr_end(&j);
	if (json_finish(&j, &out, &len) != 0 || len != size + 2 ||
	    memcmp(out + 1, buf, size) != 0)
		abort();
	json_free(&j);
	return 0;
}
