/* pub_event.c: outpost-pub --event KIND[/NAME]: device events from
 * scripts, recorded into the spool of the config's [node] and durable on
 * disk before the command returns, whether a broker is up or not.
 * outpost-pubd delivers them later. Invalid JSON is refused with its
 * place; every valid event of the same input is still recorded. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "priv.h"
#include "pub.h"
#include "spool.h"

struct ev_run {
	struct spool	*sp;
	const char	*dir;
	char		 kind[SPOOL_KIND_MAX + 1];
	const char	*name;		/* NULL: none */
	uint64_t	 recorded, refused;
	bool		 failed;	/* the spool could not take an event */
};

/* Split KIND[/NAME] and check both parts. */
static int parse_kind(struct ev_run *e, const char *arg)
{
	const char *slash = strchr(arg, '/');
	size_t klen = slash ? (size_t)(slash - arg) : strlen(arg);

	if (klen < sizeof(e->kind))
		snprintf(e->kind, sizeof(e->kind), "%.*s", (int)klen, arg);
	if (klen >= sizeof(e->kind) || !spool_kind_ok(e->kind)) {
		fprintf(stderr, "outpost-pub: --event %s: the kind must be 1 to %d of "
		    "a-z 0-9 _ -\n", arg, SPOOL_KIND_MAX);
		return -1;
	}
	e->name = slash ? slash + 1 : NULL;
	if (e->name && !spool_name_ok(e->name)) {
		fprintf(stderr, "outpost-pub: --event %s: the name must be 1 to %d of "
		    "A-Z a-z 0-9 _ . : -\n", arg, SPOOL_NAME_MAX);
		return -1;
	}
	return 0;
}

static bool blank(const char *s, size_t n)
{
	return strspn(s, " \t\r\n") >= n;
}

/* Validate and record one document of source:line (line 0: the whole
 * source, lines counted inside it). */
static void record(struct ev_run *e, const char *src, uint64_t line, const char *doc,
    size_t n)
{
	size_t off, l, col;
	const char *why;
	char *copy;
	int r;

	if (e->failed)
		return;
	if (json_validate(doc, n, &off, &why) < 0) {
		json_line_col(doc, n, off, &l, &col);
		fprintf(stderr, "outpost-pub: %s:%" PRIu64 ":%zu: invalid JSON: %s\n", src,
		    line ? line : (uint64_t)l, col, why);
		e->refused++;
		return;
	}
	if (!(copy = strndup(doc, n))) {
		fprintf(stderr, "outpost-pub: %s\n", strerror(ENOMEM));
		e->failed = true;
		return;
	}
	r = spool_emit(e->sp, e->kind, e->name, copy, NULL);
	free(copy);
	if (r == -EFBIG || r == -EINVAL) {
		fprintf(stderr, "outpost-pub: %s:%" PRIu64 ": %s\n", src, line ? line : 1,
		    r == -EFBIG ? "the event is larger than the spool takes" :
		    "the spool refused the event");
		e->refused++;
	} else if (r < 0) {
		fprintf(stderr, "outpost-pub: %s:%" PRIu64 ": spool %s: %s; stopped here\n",
		    src, line ? line : 1, e->dir, strerror(-r));
		e->failed = true;
	} else {
		e->recorded++;
	}
}

/* -l: one document per line; blank lines are skipped. */
static void record_lines(struct ev_run *e)
{
	struct pub_lines in;
	const char *line;
	size_t len;
	ssize_t n;
	int got;

	pub_lines_init(&in, STDIN_FILENO, SPOOL_EVENT_MAX);
	for (;;) {
		while ((got = pub_lines_next(&in, &line, &len)) != 0) {
			if (got == -EMSGSIZE) {
				fprintf(stderr, "outpost-pub: stdin:%" PRIu64 ": longer than %d bytes; "
				    "not recorded\n", in.lineno, SPOOL_EVENT_MAX);
				e->refused++;
			} else if (!blank(line, len)) {
				record(e, "stdin", in.lineno, line, len);
			}
		}
		if (in.eof || e->failed)
			break;
		n = pub_lines_fill(&in);
		if (n < 0 && n != -EAGAIN) {
			fprintf(stderr, "outpost-pub: reading stdin: %s\n", strerror((int)-n));
			e->failed = true;
			break;
		}
	}
	pub_lines_free(&in);
}

static void print_json(const struct ev_run *e)
{
	struct json j;
	const char *out;
	size_t len;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "event");
	json_kv_uint(&j, "recorded", e->recorded);
	json_kv_uint(&j, "refused", e->refused);
	json_obj_end(&j);
	if (json_finish(&j, &out, &len) == 0)
		printf("%s\n", out);
	json_free(&j);
}

int pub_event_run(const struct pub_args *a, const struct conf *conf)
{
	const struct conf_section *node = conf_section_get(conf, "node", NULL);
	struct ev_run e = { .dir = conf_get_str(node, "spool") };
	struct spool_opts so = {
		.dir = e.dir,
		.max_bytes = conf_get_size(node, "spool-max"),
		.node = conf_get_str(node, "id"),
		.region = conf_get_str(node, "region"),
	};
	char why[512] = "", *buf;
	const char *src;
	size_t len;
	uid_t uid;
	gid_t gid;
	int r;

	if (parse_kind(&e, a->event) < 0)
		return PUB_EXIT_USAGE;
	/* As root, refuse a spool owned by anyone but [node] user. */
	so.why = why;
	so.whylen = sizeof(why);
	if (geteuid() == 0 && priv_user_ids(conf_get_str(node, "user"), &uid, &gid) == 0)
		so.owner = uid;
	if ((r = spool_open(&e.sp, &so)) < 0) {
		if (why[0])
			fprintf(stderr, "outpost-pub: %s\n", why);
		else
			fprintf(stderr, "outpost-pub: spool %s: %s\n", e.dir, strerror(-r));
		return PUB_EXIT_FAIL;
	}
	switch (a->src) {
	case PUB_SRC_MSG:
		record(&e, "-m", 0, a->message, strlen(a->message));
		break;
	case PUB_SRC_NULL:
		if ((r = spool_emit(e.sp, e.kind, e.name, NULL, NULL)) < 0) {
			fprintf(stderr, "outpost-pub: spool %s: %s\n", e.dir, strerror(-r));
			e.failed = true;
		} else {
			e.recorded++;
		}
		break;
	case PUB_SRC_LINES:
		record_lines(&e);
		break;
	default:
		src = a->src == PUB_SRC_FILE ? a->file : "stdin";
		r = pub_read_all(a->src == PUB_SRC_FILE ? a->file : NULL, SPOOL_EVENT_MAX,
		    &buf, &len);
		if (r < 0) {
			fprintf(stderr, "outpost-pub: %s: %s\n", src, r == -EFBIG ?
			    "larger than an event can be; not recorded" : strerror(-r));
			if (r == -EFBIG)
				e.refused++;
			else
				e.failed = true;
			break;
		}
		record(&e, src, 0, buf, len);
		free(buf);
		break;
	}
	spool_close(e.sp);
	if (a->json)
		print_json(&e);
	if (e.failed)
		return PUB_EXIT_FAIL;
	return e.refused ? PUB_EXIT_INPUT : PUB_EXIT_OK;
}
