/* test-pubd-journal: the QoS 2 in-flight journal of outpost-pubd, from
 * text (replay rules, table-driven) and on disk (append, reopen, torn
 * tails, files that are not regular files). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pubd.h"
#include "tap.h"

#define HDR "outpost-pubd inflight 2\n"

/* One record line. */
static void rec(char *out, size_t cap, char op, uint64_t seq, unsigned pid, uint64_t ident)
{
	size_t n = strlen(out);

	snprintf(out + n, cap - n, "%c %016" PRIx64 " %05u %016" PRIx64 "\n", op, seq, pid,
	    ident);
}

struct rcase {
	const char *name;
	const char *recs[8];	/* "P seq pid ident" in short form */
	const char *tail;	/* appended raw */
	const char *live;	/* "seq/pid/stage ..." expected, stage P or R */
	const char *done;	/* "seq ..." expected */
	int records;		/* whole records read */
};

static const struct rcase cases[] = {
	{ "empty journal", { NULL }, "", "", "", 0 },
	{ "one in flight", { "P 1 1 a" }, "", "1/1/P", "", 1 },
	{ "PUBREC recorded", { "P 1 1 a", "R 1 1 a" }, "", "1/1/R", "", 2 },
	{ "id taken by another event: the first was delivered",
	  { "P 1 1 a", "P 2 1 b" }, "", "2/1/P", "1", 2 },
	{ "same seq, other bytes, same id: the first was delivered",
	  { "P 5 1 a", "P 5 1 b" }, "", "5/1/P", "5", 2 },
	{ "X gives the id back: not delivered, not in flight",
	  { "P 1 1 a", "X 1 1 a", "P 2 1 b" }, "", "2/1/P", "", 3 },
	{ "X of another event's bytes changes nothing",
	  { "P 1 1 a", "X 1 1 b" }, "", "1/1/P", "", 2 },
	{ "delivered, then in flight again: in flight",
	  { "P 1 1 a", "P 2 1 b", "P 1 2 a" }, "", "1/2/P 2/1/P", "", 3 },
	{ "one event on two ids: the latest record wins",
	  { "P 1 1 a", "P 1 2 a" }, "", "1/2/P", "", 2 },
	{ "torn tail ignored", { "P 1 1 a" }, "P 00000000000", "1/1/P", "", 1 },
	{ "garbage stops the replay", { "P 1 1 a" }, "P 0000000000000002 00000 0000000000000001\nP 0000000000000003 00003 0000000000000001\n",
	  "1/1/P", "", 1 },
	{ "uppercase hex is foreign", { "P 1 1 a" }, "P 000000000000000A 00003 0000000000000001\n",
	  "1/1/P", "", 1 },
};

/* Expand a short record "P 1 2 ab" into a line. */
static void add_short(char *buf, size_t cap, const char *s)
{
	char op;
	unsigned long long seq, ident;
	unsigned pid;

	if (sscanf(s, "%c %llx %u %llx", &op, &seq, &pid, &ident) != 4)
		bail_out("bad case record '%s'", s);
	rec(buf, cap, op, seq, pid, ident);
}

static void show_live(const struct pubd_replay *rp, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < rp->nlive && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%" PRIx64 "/%u/%c", i ? " " : "",
		    rp->live[i].seq, rp->live[i].packet_id,
		    rp->live[i].stage == MQTT_STAGE_PUBREC ? 'R' : 'P');
}

static void show_done(const struct pubd_replay *rp, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < rp->ndone && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%" PRIx64, i ? " " : "", rp->done[i].seq);
}

static void text_cases(void)
{
	char buf[2048], got[512];
	struct pubd_replay rp;
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];

		snprintf(buf, sizeof(buf), "%s", HDR);
		for (k = 0; c->recs[k]; k++)
			add_short(buf, sizeof(buf), c->recs[k]);
		strncat(buf, c->tail, sizeof(buf) - strlen(buf) - 1);
		if (!ok(pubd_journal_parse(buf, strlen(buf), &rp) == 0, "%s: parses", c->name))
			continue;
		show_live(&rp, got, sizeof(got));
		is_str(got, c->live, "%s: in flight", c->name);
		show_done(&rp, got, sizeof(got));
		is_str(got, c->done, "%s: delivered", c->name);
		is_int(rp.valid, strlen(HDR) + 42 * (size_t)c->records, "%s: valid length", c->name);
		pubd_replay_free(&rp);
	}
	snprintf(buf, sizeof(buf), "outpost-pubd inflight 1\n"
	    "P 0000000000000001 00001\nP 0000000000000002 00002\nR 0000000000000001 00001\n"
	    "P 0000000000000003 00001\nP 0000000000000004 00003\nX 0000000000000004 00000\n");
	if (ok(pubd_journal_parse(buf, strlen(buf), &rp) == 0 && rp.version == 1,
	    "version 1 is read")) {
		show_live(&rp, got, sizeof(got));
		is_str(got, "2/2/P 3/1/P", "version 1: in flight (X by seq)");
		show_done(&rp, got, sizeof(got));
		is_str(got, "1", "version 1: delivered");
		ok(rp.nlive == 2 && rp.live[0].ident == 0, "version 1: no identity");
		pubd_replay_free(&rp);
	}
	ok(pubd_journal_parse("outpost-pubd inflight 3\n", 24, &rp) == -EBADMSG,
	    "another version is not a journal");
	ok(pubd_journal_parse("", 0, &rp) == -EBADMSG, "an empty file has no header");
}

static char *make_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *d;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&d, "%s/test-pubd-journal.XXXXXX", base) < 0 || mkdtemp(d) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	return d;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		bail_out("asprintf");
	return p;
}

static void disk_cases(void)
{
	struct pubd_restore a = { .seq = 7, .ident = 0x1234, .packet_id = 3,
	    .stage = MQTT_STAGE_PUBLISHED };
	struct pubd_restore b = { .seq = 8, .ident = 0x5678, .packet_id = 4,
	    .stage = MQTT_STAGE_PUBLISHED };
	struct pubd_journal j, j2;
	struct pubd_replay rp;
	char *dir = make_dir(), *jp = path_in(dir, "pubd.inflight");
	char *other = path_in(dir, "other");
	struct stat st;
	int fd;

	ok(pubd_journal_open(&j, dir, true, &rp) == 0 && rp.nlive == 0,
	    "a new journal opens, empty");
	ok(pubd_journal_open(&j2, dir, false, &rp) == -EBUSY, "a second opener gets -EBUSY");
	ok(pubd_journal_append(&j, &a) == 0, "append P");
	a.stage = MQTT_STAGE_PUBREC;
	ok(pubd_journal_append(&j, &a) == 0, "append R");
	ok(pubd_journal_append(&j, &b) == 0 && pubd_journal_release(&j, &b) == 0,
	    "append P and X of another event");
	is_int(j.syncs, 3, "three fdatasyncs: the X record waits for the next");
	ok(stat(jp, &st) == 0 && st.st_blocks * 512 >= 128 * 1024,
	    "room is reserved ahead (%jd bytes allocated)", (intmax_t)st.st_blocks * 512);
	pubd_journal_close(&j);

	/* A crash in the middle of an append leaves a torn record. */
	fd = open(jp, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "P 00000000000000", 16) != 16)
		bail_out("tear %s: %s", jp, strerror(errno));
	close(fd);
	ok(pubd_journal_open(&j, dir, false, &rp) == 0 && rp.nlive == 1 &&
	    rp.live[0].seq == 7 && rp.live[0].stage == MQTT_STAGE_PUBREC &&
	    rp.live[0].ident == 0x1234, "reopened: seq 7 at PUBREC, with its identity");
	pubd_replay_free(&rp);
	ok(pubd_journal_append(&j, &b) == 0, "append over the torn record");
	pubd_journal_close(&j);
	ok(pubd_journal_open(&j, dir, false, &rp) == 0 && rp.nlive == 2 && rp.live[1].seq == 8,
	    "the record after the torn one is read");
	pubd_replay_free(&rp);
	ok(pubd_journal_compact(&j, dir, NULL, 0) == 0 && j.size == (off_t)strlen(HDR),
	    "compacted to the header");
	pubd_journal_close(&j);

	/* An upgrade: a version 1 journal with a message in flight is kept
	 * until it is rewritten, and nothing is appended to it before. */
	fd = open(jp, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, "outpost-pubd inflight 1\nP 0000000000000009 00005\n", 49) != 49)
		bail_out("write v1: %s", strerror(errno));
	close(fd);
	ok(pubd_journal_open(&j, dir, false, &rp) == 0 && j.legacy && rp.nlive == 1 &&
	    rp.live[0].seq == 9 && rp.live[0].packet_id == 5, "version 1: seq 9 on id 5 resumes");
	pubd_replay_free(&rp);
	ok(pubd_journal_append(&j, &b) == -EAGAIN, "version 1: no append before the rewrite");
	a.seq = 9;
	a.packet_id = 5;
	a.ident = 0x99;
	ok(pubd_journal_compact(&j, dir, &a, 1) == 0 && !j.legacy &&
	    pubd_journal_append(&j, &b) == 0, "rewritten: appends go");
	pubd_journal_close(&j);
	ok(pubd_journal_open(&j, dir, false, &rp) == 0 && rp.version == 2 && rp.nlive == 2 &&
	    rp.live[1].seq == 9 && rp.live[1].ident == 0x99, "reopened in version 2, with the identity");
	pubd_replay_free(&rp);
	pubd_journal_close(&j);

	unlink(jp);
	if (mkfifo(jp, 0600) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	ok(pubd_journal_open(&j, dir, false, &rp) == -EINVAL, "a FIFO is refused, not waited on");
	unlink(jp);
	fd = open(other, O_WRONLY | O_CREAT, 0600);
	close(fd);
	if (symlink(other, jp) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(pubd_journal_open(&j, dir, false, &rp) == -EINVAL, "a symbolic link is refused");
	ok(stat(other, &st) == 0 && st.st_size == 0, "its target is untouched");
	unlink(jp);
	unlink(other);
	rmdir(dir);
	free(jp);
	free(other);
	free(dir);
}

/* Issue 6: one fdatasync per message. A round's records go in one batch:
 * one sync for all (over more than one write's worth), all read back. */
static void batch_cases(void)
{
	struct pubd_restore v[200], x = { .seq = 1, .ident = 0x11, .packet_id = 5,
	    .stage = MQTT_STAGE_PUBLISHED };
	struct pubd_journal j;
	struct pubd_replay rp;
	char *dir = make_dir(), *jp = path_in(dir, "pubd.inflight");
	size_t i;

	for (i = 0; i < 200; i++) {
		v[i].seq = 100 + i;
		v[i].ident = 0xabc0 + i;
		v[i].packet_id = (uint16_t)(i + 1);
		v[i].stage = i % 2 ? MQTT_STAGE_PUBREC : MQTT_STAGE_PUBLISHED;
	}
	if (pubd_journal_open(&j, dir, true, &rp) < 0)
		bail_out("open %s", dir);
	/* Seq 1 held id 5 and gave it back: the batch that takes id 5 again
	 * comes after its X in the file, so seq 1 is not taken as delivered. */
	ok(pubd_journal_append(&j, &x) == 0 && pubd_journal_release(&j, &x) == 0 &&
	    pubd_journal_append_batch(&j, v, 200) == 0, "200 records appended as one batch");
	is_int(j.syncs, 2, "one fdatasync for the batch (and one for the single P before)");
	pubd_journal_close(&j);
	ok(pubd_journal_open(&j, dir, false, &rp) == 0 && rp.nlive == 200 && rp.ndone == 0 &&
	    rp.live[199].seq == 299 && rp.live[199].stage == MQTT_STAGE_PUBREC &&
	    rp.live[4].packet_id == 5 && rp.live[4].ident == 0xabc4,
	    "reopened: all 200 in flight with their ids and stages, nothing taken as delivered");
	pubd_replay_free(&rp);
	is_int(pubd_journal_append_batch(&j, v, 0), 0, "an empty batch writes nothing");
	is_int(j.syncs, 0, "... and syncs nothing");
	pubd_journal_close(&j);
	unlink(jp);
	rmdir(dir);
	free(jp);
	free(dir);
}

int main(void)
{
	plan(1 + 12 * 4 + 6 + 18 + 5);
	ok(pubd_event_ident("a", 1) != pubd_event_ident("b", 1) && pubd_event_ident("", 0) != 0,
	    "identities differ and are never 0");
	text_cases();
	disk_cases();
	batch_cases();
	return done_testing();
}
