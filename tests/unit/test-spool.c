/* test-spool: the event spool, checked against the files it leaves on disk:
 * envelopes, concurrent writers, writers killed mid-write, the size bound,
 * argument errors, and listing. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "../tap.h"

static char writer_path[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *d;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&d, "%s/test-spool.XXXXXX", base) < 0 || mkdtemp(d) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	return d;
}

static struct spool *open_spool(const char *dir, uint64_t max, const char *region)
{
	struct spool_opts o = { .dir = dir, .max_bytes = max, .node = "n1",
				.region = region };
	struct spool *sp = NULL;
	int r = spool_open(&sp, &o);

	if (r < 0)
		bail_out("spool_open %s: %s", dir, strerror(-r));
	return sp;
}

/* What is really in <dir>/<sub>: event count, bytes, highest seq. */
struct disk { uint64_t count, bytes, max_seq, other; };

static struct disk scan_disk(const char *dir, const char *sub)
{
	struct disk d = { 0 };
	char path[4096];
	struct dirent *de;
	struct spool_ref ref;
	struct stat st;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	dp = opendir(path);
	if (dp == NULL)
		bail_out("opendir %s: %s", path, strerror(errno));
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (spool_ref_parse(de->d_name, &ref, NULL, NULL) < 0) {
			d.other++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, de->d_name);
		if (stat(path, &st) < 0)
			continue;
		d.count++;
		d.bytes += (uint64_t)st.st_size;
		if (ref.seq > d.max_seq)
			d.max_seq = ref.seq;
	}
	closedir(dp);
	return d;
}

static size_t count_entries(const char *dir, const char *sub)
{
	char path[4096];
	struct dirent *de;
	size_t n = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	dp = opendir(path);
	if (dp == NULL)
		return (size_t)-1;
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* Check the envelope field by field; on success *data points at the data
 * value inside payload. Returns a reason, or NULL when it is right. */
static const char *check_envelope(const char *p, const char *node, const char *region,
				  const char *kind, const char *name, const char **data)
{
	int y, mo, d, h, mi, s, ms, used = 0;
	char want[512];
	size_t n;

	if (strncmp(p, "{\"ts\":\"", 7) != 0)
		return "no ts first";
	p += 7;
	if (sscanf(p, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ\"%n", &y, &mo, &d, &h, &mi,
		   &s, &ms, &used) != 7 || used != 25 ||
	    p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != '.' || p[23] != 'Z' ||
	    y < 2020 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60 || ms > 999)
		return "bad ts";
	p += 25;
	snprintf(want, sizeof(want), ",\"node\":\"%s\"%s%s%s,\"kind\":\"%s\"%s%s%s,\"data\":",
		 node, region ? ",\"region\":\"" : "", region ? region : "",
		 region ? "\"" : "", kind, name ? ",\"name\":\"" : "",
		 name ? name : "", name ? "\"" : "");
	n = strlen(want);
	if (strncmp(p, want, n) != 0)
		return "fields differ";
	p += n;
	*data = p;
	n = strlen(p);
	if (n < 2 || p[n - 1] != '}')
		return "not closed";
	return NULL;
}

/* ---- (a) basics ---- */

static void test_basic(void)
{
	char *dir = make_dir(), *dir2 = make_dir(), junk[4096];
	struct spool *sp = open_spool(dir, 0, "r1"), *sp2;
	struct spool_ref *refs = NULL;
	struct spool_event ev = { 0 };
	struct spool_stats st;
	uint64_t seq = 0;
	const char *why, *data;
	struct disk dk;
	size_t n = 0;
	int fd;

	is_int(spool_emit(sp, "probe", "dns-home", "{\"x\":1}", &seq), 0, "emit probe/dns-home");
	is_int(seq, 1, "first seq is 1");
	is_int(spool_emit(sp, "heartbeat", NULL, NULL, &seq), 0, "emit heartbeat with no name, no data");
	is_int(seq, 2, "second seq is 2");
	is_int(spool_emit(sp, "line", "tel", " [1, 2]\n ", &seq), 0, "emit with white space around data");
	/* Files that are not events must be ignored. */
	snprintf(junk, sizeof(junk), "%s/new/junk", dir);
	fd = open(junk, O_WRONLY | O_CREAT, 0600);
	close(fd);
	snprintf(junk, sizeof(junk), "%s/new/0000000000000009.BAD", dir);
	fd = open(junk, O_WRONLY | O_CREAT, 0600);
	close(fd);

	is_int(spool_list(sp, 0, 0, &refs, &n), 0, "list");
	if (!is_int(n, 3, "three events listed"))
		bail_out("cannot go on");
	is_str(refs[0].file, "0000000000000001.probe.dns-home", "name with kind and name");
	is_str(refs[1].file, "0000000000000002.heartbeat", "name with kind only");

	is_int(spool_read(sp, &refs[0], &ev), 0, "read event 1");
	is_str(ev.kind, "probe", "kind from name");
	is_str(ev.name, "dns-home", "name from name");
	is_int(ev.len, strlen(ev.payload), "len matches payload");
	why = check_envelope(ev.payload, "n1", "r1", "probe", "dns-home", &data);
	ok(why == NULL, "event 1 envelope (%s)", why ? why : "ok");
	if (why == NULL)
		is_str(data, "{\"x\":1}}", "event 1 data");
	spool_event_clear(&ev);
	spool_event_clear(&ev);

	is_int(spool_read(sp, &refs[1], &ev), 0, "read event 2");
	is_str(ev.name, "", "no name is empty");
	why = check_envelope(ev.payload, "n1", "r1", "heartbeat", NULL, &data);
	ok(why == NULL, "event 2 envelope without name (%s)", why ? why : "ok");
	if (why == NULL)
		is_str(data, "{}}", "NULL data is {}");
	spool_event_clear(&ev);
	is_int(spool_read(sp, &refs[2], &ev), 0, "read event 3");
	why = check_envelope(ev.payload, "n1", "r1", "line", "tel", &data);
	if (ok(why == NULL, "event 3 envelope (%s)", why ? why : "ok"))
		is_str(data, "[1, 2]}", "data white space trimmed");
	spool_event_clear(&ev);

	dk = scan_disk(dir, "new");
	is_int(spool_get_stats(sp, &st), 0, "stats");
	ok(st.count == 3 && st.bytes == dk.bytes && st.last_seq == 3 && st.dropped == 0,
	   "stats match the disk (count %" PRIu64 " bytes %" PRIu64 "/%" PRIu64 ")",
	   st.count, st.bytes, dk.bytes);

	is_int(spool_delete(sp, &refs[0]), 0, "delete event 1");
	is_int(spool_delete(sp, &refs[0]), -ENOENT, "delete again: -ENOENT");
	is_int(spool_read(sp, &refs[0], &ev), -ENOENT, "read deleted: -ENOENT");
	ok(ev.payload == NULL, "no payload after failed read");
	spool_get_stats(sp, &st);
	dk = scan_disk(dir, "new");
	ok(st.count == 2 && st.bytes == dk.bytes, "stats follow the delete");
	{
		struct spool_ref bad = refs[1];

		bad.seq = 7;
		is_int(spool_read(sp, &bad, &ev), -EINVAL, "ref with wrong seq: -EINVAL");
		strcpy(bad.file, "../state");
		is_int(spool_delete(sp, &bad), -EINVAL, "delete of a non-spool name: -EINVAL");
	}
	free(refs);
	ok(strstr(spool_new_dir(sp), "/new") != NULL, "spool_new_dir");
	spool_close(sp);

	/* No region: the key is left out. */
	sp2 = open_spool(dir2, 0, NULL);
	spool_emit(sp2, "p2p", "done", "true", NULL);
	spool_list(sp2, 0, 0, &refs, &n);
	if (is_int(n, 1, "one event in the region-less spool") &&
	    is_int(spool_read(sp2, &refs[0], &ev), 0, "read it")) {
		why = check_envelope(ev.payload, "n1", NULL, "p2p", "done", &data);
		ok(why == NULL, "envelope without region (%s)", why ? why : "ok");
	} else {
		ok(0, "envelope without region");
	}
	spool_event_clear(&ev);
	free(refs);
	spool_close(sp2);
	spool_close(NULL);

	rm_rf(dir);
	rm_rf(dir2);
	free(dir);
	free(dir2);
}

static void test_names(void)
{
	static const struct { const char *file; int ok; const char *kind, *name; } t[] = {
		{ "0000000000000001.probe", 1, "probe", "" },
		{ "00000000000000ff.probe.dns-home", 1, "probe", "dns-home" },
		{ "ffffffffffffffff.a.b.c:d_E-9", 1, "a", "b.c:d_E-9" },
		{ "000000000000000F.probe", 0, NULL, NULL },
		{ "000000000000001.probe", 0, NULL, NULL },
		{ "0000000000000001probe", 0, NULL, NULL },
		{ "0000000000000001.", 0, NULL, NULL },
		{ "0000000000000001.Probe", 0, NULL, NULL },
		{ "0000000000000001.probe.", 0, NULL, NULL },
		{ "0000000000000001.probe.a/b", 0, NULL, NULL },
		{ "0000000000000001.probe.a b", 0, NULL, NULL },
		{ "0000000000000001.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, NULL, NULL },
		{ "", 0, NULL, NULL },
	};
	char kind[SPOOL_KIND_MAX + 1], name[SPOOL_NAME_MAX + 1];
	struct spool_ref ref;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = spool_ref_parse(t[i].file, &ref, kind, name);

		if (t[i].ok)
			ok(r == 0 && strcmp(kind, t[i].kind) == 0 &&
			   strcmp(name, t[i].name) == 0 && strcmp(ref.file, t[i].file) == 0,
			   "name '%s' parses", t[i].file);
		else
			is_int(r, -EINVAL, "name '%s' is refused", t[i].file);
	}
}

/* ---- (b) concurrent writers ---- */

static pid_t spawn_writer(const char *dir, int id, unsigned long count,
			  uint64_t max, unsigned long pad)
{
	char a_id[16], a_count[24], a_max[24], a_pad[24];
	pid_t pid;

	snprintf(a_id, sizeof(a_id), "%d", id);
	snprintf(a_count, sizeof(a_count), "%lu", count);
	snprintf(a_max, sizeof(a_max), "%" PRIu64, max);
	snprintf(a_pad, sizeof(a_pad), "%lu", pad);
	pid = fork();
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		execl(writer_path, writer_path, dir, a_id, a_count, a_max, a_pad,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The writer id and counter of a spool-writer event. */
static int writer_data(const char *payload, unsigned long *w, unsigned long *i)
{
	const char *d = strstr(payload, ",\"data\":{\"w\":");

	if (d == NULL)
		return -1;
	return sscanf(d, ",\"data\":{\"w\":%lu,\"i\":%lu,", w, i) == 2 ? 0 : -1;
}

#define NWRITERS 4
#define PER_WRITER 2000

static void test_concurrent(void)
{
	char *dir = make_dir();
	struct spool *sp = open_spool(dir, 0, NULL);
	struct spool_ref *refs = NULL;
	struct spool_event ev;
	struct spool_stats st;
	pid_t pids[NWRITERS];
	long last[NWRITERS];
	unsigned long seen[NWRITERS] = { 0 }, w, i;
	int k, status, failed = 0, order = 0, bad = 0;
	size_t n = 0, j;

	for (k = 0; k < NWRITERS; k++) {
		pids[k] = spawn_writer(dir, k, PER_WRITER, 0, 16);
		last[k] = -1;
	}
	for (k = 0; k < NWRITERS; k++) {
		if (waitpid(pids[k], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}
	is_int(failed, 0, "%d writers x %d events all exit 0", NWRITERS, PER_WRITER);
	is_int(spool_list(sp, 0, 0, &refs, &n), 0, "list all");
	is_int(n, NWRITERS * PER_WRITER, "every event is there");
	for (j = 0; j < n; j++) {
		if (j > 0 && refs[j].seq <= refs[j - 1].seq)
			order++;
		if (spool_read(sp, &refs[j], &ev) < 0 ||
		    writer_data(ev.payload, &w, &i) < 0 || w >= NWRITERS) {
			bad++;
			spool_event_clear(&ev);
			continue;
		}
		/* Per writer, counters rise with seq, without gaps. */
		if ((long)i != last[w] + 1)
			order++;
		last[w] = (long)i;
		seen[w]++;
		spool_event_clear(&ev);
	}
	is_int(bad, 0, "every event reads back with writer data");
	is_int(order, 0, "seq order is emission order for every writer");
	for (k = 0; k < NWRITERS; k++)
		if (seen[k] != PER_WRITER)
			failed++;
	is_int(failed, 0, "each writer has exactly %d events", PER_WRITER);
	spool_get_stats(sp, &st);
	ok(st.count == NWRITERS * PER_WRITER && st.last_seq == NWRITERS * PER_WRITER,
	   "stats: count %" PRIu64 ", last seq %" PRIu64, st.count, st.last_seq);
	is_int(count_entries(dir, "tmp"), 0, "tmp/ is empty");
	free(refs);
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- (c) writers killed mid-write ---- */

#define KILL_ROUNDS 40
#define KILL_PAD 200000
#define KILL_MAX (3 * 1024 * 1024)

static void test_killed(unsigned seed)
{
	char *dir = make_dir();
	struct spool *sp;
	struct spool_ref *refs = NULL;
	struct spool_event ev;
	struct spool_stats st;
	struct disk dk;
	const char *why, *data;
	unsigned long w, i;
	int round, status, bad = 0, k;
	size_t n = 0, j;

	diag("kill test seed %u", seed);
	srand(seed);
	for (round = 0; round < KILL_ROUNDS; round++) {
		pid_t pid = spawn_writer(dir, round, 0, KILL_MAX, KILL_PAD);
		struct timespec ts = { 0, (rand() % 40 + 1) * 1000000L };

		nanosleep(&ts, NULL);
		/* The first writer is killed only once it recorded something,
		 * however slow a loaded machine starts it. */
		for (k = 0; round == 0 && k < 1000 && count_entries(dir, "new") == 0; k++)
			nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			diag("writer round %d ended early (status %d)", round, status);
			bad++;
		}
	}
	is_int(bad, 0, "%d writers killed mid-run", KILL_ROUNDS);
	{
		char path[4096], line[256] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s/state", dir);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(line, sizeof(line), f) == NULL)
				line[0] = '\0';
			fclose(f);
		}
		diag("state after the last kill: %.40s", line);
		diag("tmp/ leftovers of killed writers: %zu", count_entries(dir, "tmp"));
	}

	dk = scan_disk(dir, "new");
	ok(dk.count > 0, "some events made it (%" PRIu64 ")", dk.count);
	ok(dk.bytes <= KILL_MAX, "bound held through the kills (%" PRIu64 " bytes)", dk.bytes);
	is_int(dk.other, 0, "nothing but events in new/");
	sp = open_spool(dir, KILL_MAX, NULL);
	spool_list(sp, 0, 0, &refs, &n);
	is_int(n, dk.count, "list sees every file");
	bad = 0;
	for (j = 0; j < n; j++) {
		int r = spool_read(sp, &refs[j], &ev);

		why = r < 0 ? "unreadable or invalid JSON" :
		      check_envelope(ev.payload, "test-node", "test-region", ev.kind,
				     ev.name[0] ? ev.name : NULL, &data);
		if (why == NULL && strcmp(ev.kind, "test") == 0)
			why = writer_data(ev.payload, &w, &i) < 0 || ev.len < KILL_PAD ?
			      "incomplete writer event" : NULL;
		else if (why == NULL)
			why = strcmp(ev.kind, "spool") == 0 &&
			      strncmp(data, "{\"dropped\":", 11) == 0 ? NULL :
			      "unexpected event";
		if (why != NULL) {
			diag("%s: %s", refs[j].file, why);
			bad++;
		}
		spool_event_clear(&ev);
	}
	is_int(bad, 0, "every visible event is complete, valid JSON with an envelope");
	is_int(spool_get_stats(sp, &st), 0, "stats after reopen");
	ok(st.count == dk.count && st.bytes == dk.bytes && st.last_seq >= dk.max_seq,
	   "totals equal a fresh scan (count %" PRIu64 "/%" PRIu64 ", bytes %" PRIu64
	   "/%" PRIu64 ", seq %" PRIu64 "/%" PRIu64 ")", st.count, dk.count,
	   st.bytes, dk.bytes, st.last_seq, dk.max_seq);
	/* One more event after all that still gets a fresh, higher seq. */
	{
		uint64_t seq = 0;

		is_int(spool_emit(sp, "after", NULL, "1", &seq), 0, "emit after the kills");
		ok(seq > dk.max_seq, "its seq %" PRIu64 " is above all before", seq);
	}
	free(refs);
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- (d) the bound ---- */

#define BOUND 8192
#define BOUND_EMITS 600

static void test_bound(unsigned seed)
{
	char *dir = make_dir(), data[512], pad[300];
	struct spool *sp = open_spool(dir, BOUND, "r1");
	struct spool_ref *refs = NULL;
	struct spool_event ev;
	struct spool_stats before, after;
	uint64_t seq = 0, first = 0;
	int k, over = 0, drop_bad = 0, drops = 0;
	size_t n = 0, j;
	struct disk dk;

	srand(seed);
	for (k = 0; k < BOUND_EMITS; k++) {
		int plen = rand() % 250;

		memset(pad, 'p', (size_t)plen);
		pad[plen] = '\0';
		snprintf(data, sizeof(data), "{\"k\":%d,\"pad\":\"%s\"}", k, pad);
		spool_get_stats(sp, &before);
		if (spool_emit(sp, "probe", "b", data, &seq) < 0)
			bail_out("emit %d failed", k);
		if (k == 0)
			first = seq;
		spool_get_stats(sp, &after);
		dk = scan_disk(dir, "new");
		if (dk.bytes > BOUND || after.bytes != dk.bytes || after.count != dk.count)
			over++;
		if (after.dropped > before.dropped) {
			/* The dropped record follows the event, with counts. */
			struct spool_ref ref;
			char want[128];
			const char *d;

			drops++;
			ref.seq = seq + 1;
			snprintf(ref.file, sizeof(ref.file), "%016" PRIx64 ".spool.dropped", seq + 1);
			snprintf(want, sizeof(want), "\"data\":{\"dropped\":%" PRIu64
				 ",\"total\":%" PRIu64 "}}", after.dropped - before.dropped,
				 after.dropped);
			if (spool_read(sp, &ref, &ev) < 0 ||
			    (d = strstr(ev.payload, "\"data\":")) == NULL ||
			    strcmp(d, want) != 0) {
				if (drop_bad++ == 0)
					diag("dropped record %s: %s, want %s", ref.file,
					     ev.payload ? ev.payload : "(missing)", want);
			}
			spool_event_clear(&ev);
		}
	}
	is_int(over, 0, "bytes never exceed %d and stats match the disk after every emit", BOUND);
	ok(drops > 0, "evictions happened (%d times)", drops);
	is_int(drop_bad, 0, "each eviction left a spool/dropped record with the right counts");

	spool_list(sp, 0, 0, &refs, &n);
	ok(n > 0 && refs[0].seq > first, "the oldest events are gone");
	ok(n > 0 && refs[n - 1].seq >= seq, "the newest event is kept");
	for (j = 1; j < n; j++)
		if (refs[j].seq != refs[j - 1].seq + 1)
			break;
	ok(j == n, "what is left is the newest, without holes");
	spool_get_stats(sp, &after);
	ok(after.last_seq == after.count + after.dropped,
	   "every seq is either present or counted dropped (%" PRIu64 " = %" PRIu64
	   " + %" PRIu64 ")", after.last_seq, after.count, after.dropped);
	free(refs);
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- (e) errors ---- */

static void test_errors(void)
{
	char *dir = make_dir(), longkind[40], longname[140], *big;
	struct spool *sp = open_spool(dir, BOUND, NULL), *ub;
	static const char *bad_kinds[] = { "", "Probe", "a.b", "a/b", "a b", NULL };
	static const char *bad_names[] = { "", "a/b", "sp ace", "\xc3\xa9", "../x" };
	static const char *bad_data[] = { "{", "[1,]", "", "{} {}", "\"\xff\"", "nul" };
	struct spool_opts o = { 0 };
	struct spool *none = NULL;
	size_t i;

	memset(longkind, 'k', 33);
	longkind[33] = '\0';
	memset(longname, 'n', 129);
	longname[129] = '\0';
	for (i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++)
		is_int(spool_emit(sp, bad_kinds[i], NULL, NULL, NULL), -EINVAL,
		       "kind '%s': -EINVAL", bad_kinds[i] ? bad_kinds[i] : "(null)");
	is_int(spool_emit(sp, longkind, NULL, NULL, NULL), -EINVAL, "33-char kind: -EINVAL");
	longkind[32] = '\0';
	is_int(spool_emit(sp, longkind, NULL, NULL, NULL), 0, "32-char kind is fine");
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		is_int(spool_emit(sp, "k", bad_names[i], NULL, NULL), -EINVAL,
		       "name '%s': -EINVAL", bad_names[i]);
	is_int(spool_emit(sp, "k", longname, NULL, NULL), -EINVAL, "129-char name: -EINVAL");
	longname[128] = '\0';
	is_int(spool_emit(sp, "k", longname, NULL, NULL), 0, "128-char name is fine");
	for (i = 0; i < sizeof(bad_data) / sizeof(bad_data[0]); i++)
		is_int(spool_emit(sp, "k", NULL, bad_data[i], NULL), -EINVAL,
		       "data '%s': -EINVAL", bad_data[i]);

	big = malloc(SPOOL_EVENT_MAX + 16);
	memset(big, 'x', SPOOL_EVENT_MAX + 15);
	big[0] = '"';
	big[BOUND] = '"';
	big[BOUND + 1] = '\0';
	is_int(spool_emit(sp, "k", NULL, big, NULL), -EFBIG, "event above max_bytes: -EFBIG");
	ub = open_spool(dir, 0, NULL);
	big[BOUND] = 'x';
	big[BOUND + 1] = 'x';
	big[SPOOL_EVENT_MAX] = '"';
	big[SPOOL_EVENT_MAX + 1] = '\0';
	is_int(spool_emit(ub, "k", NULL, big, NULL), -EFBIG,
	       "event above SPOOL_EVENT_MAX in an unbounded spool: -EFBIG");
	free(big);
	is_int(count_entries(dir, "new"), 2, "only the two good events are in new/");
	is_int(count_entries(dir, "tmp"), 0, "no tmp/ leftovers");
	is_int(spool_open(&none, &o), -EINVAL, "open without dir: -EINVAL");
	ok(none == NULL, "... and no spool");
	spool_close(ub);
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- batch emit and the data depth ---- */

/* data nested depth levels deep: [[...[1]...]] */
static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 2);
	int i;

	for (i = 0; i < depth; i++)
		s[i] = '[';
	s[depth] = '1';
	for (i = 0; i < depth; i++)
		s[depth + 1 + i] = ']';
	s[2 * depth + 1] = '\0';
	return s;
}

static void test_batch(void)
{
	char *dir = make_dir(), *deep = nested(31), *deeper = nested(32);
	struct spool *sp = open_spool(dir, 0, NULL), *small;
	struct spool_item items[] = {
		{ .kind = "probe", .name = "a", .data_json = "{\"i\":0}" },
		{ .kind = "Bad", .data_json = "{}" },
		{ .kind = "probe", .name = "b", .data_json = "[1" },
		{ .kind = "probe", .name = "c" },
		{ .kind = "deep", .data_json = deep },
		{ .kind = "deep", .data_json = deeper },
	};
	struct spool_item fill[40];
	struct spool_ref *refs = NULL;
	struct spool_event ev = { 0 };
	struct disk before, after;
	size_t n = 0, k;
	uint64_t seq = 0;
	int r;

	r = spool_emit_batch(sp, items, 6, 0);
	is_int(r, 3, "batch of 6 with 3 bad items records 3");
	ok(items[0].result == 0 && items[0].seq == 1, "item 0 recorded as seq 1");
	is_int(items[1].result, -EINVAL, "bad kind fails alone");
	is_int(items[2].result, -EINVAL, "bad JSON fails alone");
	ok(items[3].result == 0 && items[3].seq == 2, "item 3 recorded as seq 2");
	ok(items[4].result == 0 && items[4].seq == 3, "data nested 31 deep is accepted");
	is_int(items[5].result, -EINVAL, "data nested 32 deep is refused: the envelope would pass the limit");
	is_int(spool_emit(sp, "deep", NULL, deeper, NULL), -EINVAL, "spool_emit refuses it too");
	is_int(spool_emit_batch(sp, items + 1, 2, 0), -EINVAL, "a batch with no good item: its error");
	is_int(spool_emit_batch(sp, items, 0, 0), 0, "an empty batch records nothing");
	after = scan_disk(dir, "new");
	is_int(after.count, 3, "three events on disk");
	is_int(count_entries(dir, "tmp"), 0, "no tmp/ leftovers");
	spool_list(sp, 0, 0, &refs, &n);
	for (k = 0; k < n; k++) {
		if (spool_read(sp, &refs[k], &ev) != 0)
			break;
		spool_event_clear(&ev);
	}
	ok(n == 3 && k == n, "every event the batch recorded reads back (the deep one too)");
	free(refs);
	spool_close(sp);
	rm_rf(dir);

	/* SPOOL_NO_EVICT: a full spool refuses instead of evicting. */
	small = open_spool(dir, 2048, NULL);
	for (k = 0; k < 40; k++)
		fill[k] = (struct spool_item){ .kind = "fill", .data_json = "\"0123456789abcdef\"" };
	r = spool_emit_batch(small, fill, 40, SPOOL_NO_EVICT);
	ok(r > 0 && r < 40, "NO_EVICT batch records what fits (%d of 40)", r);
	is_int(fill[39].result, -ENOSPC, "... and the rest get -ENOSPC");
	before = scan_disk(dir, "new");
	ok(before.bytes <= 2048, "the bound holds");
	r = spool_emit_batch(small, fill, 1, SPOOL_NO_EVICT);
	is_int(r, -ENOSPC, "a full spool: -ENOSPC");
	after = scan_disk(dir, "new");
	ok(after.count == before.count && after.max_seq == before.max_seq, "nothing was evicted");
	is_int(spool_emit(small, "fill", NULL, NULL, &seq), 0, "a plain emit evicts as before");
	after = scan_disk(dir, "new");
	ok(after.count < before.count + 1 && seq > before.max_seq, "older events went for it");
	spool_close(small);
	rm_rf(dir);
	free(dir);
	free(deep);
	free(deeper);
}

/* ---- (f) listing ---- */

static int list_is(struct spool *sp, uint64_t after, size_t max, const char *want)
{
	struct spool_ref *refs = NULL;
	char got[256] = "";
	size_t n = 0, j;
	int r = spool_list(sp, after, max, &refs, &n);

	for (j = 0; j < n; j++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%" PRIu64,
			 j ? "," : "", refs[j].seq);
	if (n == 0 && refs != NULL)
		snprintf(got, sizeof(got), "refs not NULL");
	free(refs);
	return is_int(r, 0, "list after %" PRIu64 " max %zu", after, max) &&
	       is_str(got, want, "... gives %s", want);
}

static void test_list(void)
{
	char *dir = make_dir();
	struct spool *sp = open_spool(dir, 0, NULL);
	struct spool_ref ref;
	int k;

	list_is(sp, 0, 0, "");
	for (k = 0; k < 10; k++)
		spool_emit(sp, "e", NULL, NULL, NULL);
	list_is(sp, 0, 3, "1,2,3");
	list_is(sp, 3, 3, "4,5,6");
	list_is(sp, 8, 0, "9,10");
	list_is(sp, 8, 100, "9,10");
	list_is(sp, 10, 5, "");
	list_is(sp, 0, 0, "1,2,3,4,5,6,7,8,9,10");
	ref.seq = 5;
	snprintf(ref.file, sizeof(ref.file), "%016x.e", 5);
	is_int(spool_delete(sp, &ref), 0, "delete 5");
	list_is(sp, 3, 3, "4,6,7");
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- state recovery and tmp/ cleanup ---- */

static void test_recovery(void)
{
	char *dir = make_dir(), path[4096];
	struct spool *sp = open_spool(dir, 0, NULL);
	struct spool_stats st;
	struct timespec old[2];
	struct disk dk;
	FILE *f;
	int k, fd;

	for (k = 0; k < 5; k++)
		spool_emit(sp, "e", NULL, "[1,2,3]", NULL);
	spool_close(sp);
	dk = scan_disk(dir, "new");

	/* A new spool starts from zero. */
	{
		char *d0 = make_dir();
		struct spool *s0 = open_spool(d0, 0, NULL);

		spool_get_stats(s0, &st);
		ok(st.count == 0 && st.bytes == 0 && st.dropped == 0 && st.last_seq == 0,
		   "a new spool has zero totals");
		spool_close(s0);
		rm_rf(d0);
		free(d0);
	}

	/* A garbage state file is rebuilt from new/. */
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "w");
	fputs("outpost-spool 1 dirty=0 seq=7 count=99 garbage that is long enough to matter\n", f);
	fclose(f);
	sp = open_spool(dir, 0, NULL);
	spool_get_stats(sp, &st);
	ok(st.count == dk.count && st.bytes == dk.bytes,
	   "corrupt state is rebuilt from new/");
	/* It may be a write torn by a power cut: the counter goes past
	 * anything it can have held. */
	is_int(st.last_seq, 0xffffffffu, "... and the seq jumps to the end of its 2^32 block");
	spool_close(sp);

	/* A dirty state is rebuilt, keeping a higher stored seq. */
	f = fopen(path, "r+");
	if (f == NULL || fscanf(f, "outpost-spool 1 dirty=%d", &k) != 1)
		bail_out("state file unreadable");
	fseek(f, 0, SEEK_SET);
	fprintf(f, "outpost-spool 1 dirty=1 seq=%020d count=%020d", 40, 1);
	fclose(f);
	sp = open_spool(dir, 0, NULL);
	spool_get_stats(sp, &st);
	ok(st.count == dk.count && st.bytes == dk.bytes && st.last_seq == 40,
	   "dirty state is rebuilt, seq kept (count %" PRIu64 ", seq %" PRIu64 ")",
	   st.count, st.last_seq);
	spool_close(sp);

	/* Stale tmp/ files go at open, fresh ones stay. */
	snprintf(path, sizeof(path), "%s/tmp/999999.1", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 7200;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	futimens(fd, old);
	close(fd);
	snprintf(path, sizeof(path), "%s/tmp/999999.2", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	sp = open_spool(dir, 0, NULL);
	is_int(count_entries(dir, "tmp"), 1, "stale tmp file removed at open, fresh one kept");
	is_int(count_entries(dir, "new"), 5, "new/ untouched");
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- sequence numbers across a reboot ---- */

static void put_state(const char *dir, uint64_t seq, const char *boot)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "w");
	if (f == NULL)
		bail_out("%s: %s", path, strerror(errno));
	fprintf(f, "outpost-spool 1 dirty=0 seq=%020" PRIu64 " count=%020d bytes=%020d"
		" dropped=%020d boot=%-36.36s\n", seq, 0, 0, 0, boot);
	fclose(f);
}

static void delete_all(struct spool *sp)
{
	struct spool_ref *refs = NULL;
	size_t n = 0, k;

	spool_list(sp, 0, 0, &refs, &n);
	for (k = 0; k < n; k++)
		spool_delete(sp, &refs[k]);
	free(refs);
}

static void test_reboot(void)
{
	static const char other[] = "00000000-1111-2222-3333-444444444444";
	char *dir = make_dir(), boot[64] = "", state[256] = "", path[4096];
	struct spool *sp = open_spool(dir, 0, NULL);
	uint64_t seq = 0, s2 = 0;
	FILE *f;
	int k;

	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f == NULL || fscanf(f, "%63s", boot) != 1) {
		skip(9, "no boot id");
		if (f)
			fclose(f);
		spool_close(sp);
		rm_rf(dir);
		free(dir);
		return;
	}
	fclose(f);
	/* Three events handed out and delivered; the power cut loses the
	 * state line back to seq 1 and the machine boots again. */
	for (k = 0; k < 3; k++)
		spool_emit(sp, "e", NULL, NULL, &seq);
	delete_all(sp);
	spool_close(sp);
	put_state(dir, 1, other);
	sp = open_spool(dir, 0, NULL);
	is_int(spool_emit(sp, "e", NULL, NULL, &seq), 0, "emit after the reboot");
	ok(seq > 3, "its seq %" PRIu64 " is above every seq handed out before", seq);
	is_int(seq, UINT64_C(1) << 32, "... the start of the next 2^32 block");
	spool_emit(sp, "e", NULL, NULL, &s2);
	ok(s2 == seq + 1 && list_is(sp, 0, 0, "4294967296,4294967297"),
	   "later events follow it, none lost or skipped");
	spool_close(sp);

	/* Events still in new/ above the stored counter. */
	put_state(dir, 7, other);
	sp = open_spool(dir, 0, NULL);
	spool_emit(sp, "e", NULL, NULL, &seq);
	is_int(seq, UINT64_C(2) << 32, "a stale line below new/: the jump is past new/ too");
	list_is(sp, 0, 0, "4294967296,4294967297,8589934592");
	delete_all(sp);
	spool_close(sp);

	/* Within one boot no jump, and entering a block stores the line. */
	put_state(dir, UINT64_C(0xfffffffe), boot);
	sp = open_spool(dir, 0, NULL);
	spool_emit(sp, "e", NULL, NULL, &seq);
	spool_emit(sp, "e", NULL, NULL, &s2);
	ok(seq == 0xffffffffu && s2 == UINT64_C(1) << 32,
	   "same boot: no jump, the block boundary is crossed in order");
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "r");
	if (f == NULL || fgets(state, sizeof(state), f) == NULL)
		state[0] = '\0';
	if (f)
		fclose(f);
	ok(strstr(state, "seq=00000000004294967296 ") != NULL, "the state line holds the new block");
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

/* ---- odd files in new/ ---- */

static void count_notice(void *arg, const char *text)
{
	int *n = arg;

	(*n)++;
	diag("notice: %s", text);
}

static void plant(const char *dir, const char *name, const char *text)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/new/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail_out("plant %s: %s", path, strerror(errno));
	close(fd);
}

static void test_odd(void)
{
	char *dir = make_dir(), path[4096];
	int notices = 0;
	struct spool_opts o = { .dir = dir, .node = "n1", .notice = count_notice,
				.notice_arg = &notices };
	struct spool_ref *refs = NULL;
	struct spool_event ev;
	struct spool_stats st;
	struct spool *sp = NULL;
	struct stat sb;
	uint64_t seq = 0;
	struct disk dk;
	size_t n = 0, k;
	int good = 0;

	if (spool_open(&sp, &o) < 0)
		bail_out("spool_open");
	for (k = 0; k < 3; k++)
		spool_emit(sp, "e", NULL, "{}", NULL);
	plant(dir, "0000000000000000.zero", "{\"zero\":1}");
	plant(dir, "0000000000000002.dup", "{\"dup\":1}");
	plant(dir, "0000000000000100.high", "{\"high\":1}");
	plant(dir, "garbage-name", "{}");
	snprintf(path, sizeof(path), "%s/new/0000000000000005.folder", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/new/0000000000000006.link", dir);
	if (symlink("/etc/hostname", path) < 0)
		bail_out("symlink: %s", strerror(errno));

	is_int(spool_list(sp, 0, 0, &refs, &n), 0, "list with odd files in new/");
	is_int(notices, 6, "one notice per odd file");
	list_is(sp, 0, 0, "1,2,3,256,257,258");
	for (k = 0; k < n; k++) {
		if (spool_read(sp, &refs[k], &ev) == 0 &&
		    (strstr(ev.payload, "\"zero\"") || strstr(ev.payload, "\"dup\"") ||
		     strstr(ev.payload, "\"high\"")))
			good++;
		spool_event_clear(&ev);
	}
	is_int(good, 3, "seq 0, the shared number and the high one are all listed, readable");
	ok(n == 6 && refs[3].seq == 256 && refs[4].seq > 256 && refs[5].seq > 256,
	   "renumbered files come after the one that raised the counter");
	free(refs);
	is_int(spool_emit(sp, "e", NULL, NULL, &seq), 0, "emit");
	is_int(seq, 259, "new events get numbers above all of them");
	notices = 0;
	list_is(sp, 0, 0, "1,2,3,256,257,258,259");
	is_int(notices, 0, "a second listing finds nothing to do");
	snprintf(path, sizeof(path), "%s/bad/garbage-name.why", dir);
	ok(stat(path, &sb) == 0 && sb.st_size > 0, "the badly named file is in bad/ with a reason");
	snprintf(path, sizeof(path), "%s/bad/0000000000000005.folder", dir);
	ok(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode), "the folder is in bad/");
	snprintf(path, sizeof(path), "%s/bad/0000000000000006.link", dir);
	ok(lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode), "the link itself is in bad/");
	dk = scan_disk(dir, "new");
	spool_get_stats(sp, &st);
	ok(dk.other == 0 && st.count == dk.count && st.bytes == dk.bytes,
	   "new/ holds only events, and the totals match it");
	spool_close(sp);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const char *top = getenv("top_builddir"), *env = getenv("TEST_SEED");
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

	if (env != NULL)
		seed = (unsigned)strtoul(env, NULL, 10);
	diag("seed %u (set TEST_SEED to repeat)", seed);
	snprintf(writer_path, sizeof(writer_path), "%s/tests/tools/spool-writer",
		 top ? top : ".");
	if (access(writer_path, X_OK) < 0)
		bail_out("%s: %s", writer_path, strerror(errno));
	test_names();
	test_basic();
	test_list();
	test_errors();
	test_batch();
	test_reboot();
	test_odd();
	test_recovery();
	test_bound(seed);
	test_concurrent();
	test_killed(seed);
	return done_testing();
}
