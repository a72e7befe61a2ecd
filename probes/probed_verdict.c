/* probed_verdict.c: the hijack verdict each target had in the last round,
 * and the change of it.
 *
 * A hijack probe reports one result per name and resolver under test; a
 * target's verdict in a round is the worst of them, so that the question
 * "is this name hijacked from here" keeps its answer's history when the
 * resolvers change (a reload, DHCP rewriting resolv.conf). The verdict and the evidence are read back from the
 * result's own JSON (the field names of outpost-probe(1)): the engine's
 * contract stays one JSON object per result, and the daemon needs no
 * knowledge of the type's structs. The JSON is the engine's and already
 * validated; the scan below still stops at its end whatever it holds. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probed.h"

struct probed_verdict {
	char	*target;
	char	last[16];	/* the verdict of the last round that gave one, or "" */
	char	cur[16];	/* the worst of this round so far, or "" */
	char	*cur_json;	/* the result that gave it (a copy) */
	size_t	cur_len;
};

/* Past one string starting at s[i] == '"'; n when it does not end. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Past one value starting at s[i]: strings, nested objects and arrays,
 * and the bare words and numbers alike. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		char c = s[i];

		if (c == '"') {
			i = skip_string(s, n, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;	/* the end of the enclosing object */
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\t' ||
		    c == '\r')) {
			return i;
		}
		i++;
	}
	return n;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i;
}

int probed_json_field(const char *json, size_t n, const char *key, const char **val,
    size_t *vlen)
{
	size_t klen = strlen(key), i = skip_ws(json, n, 0), k, v;

	if (i >= n || json[i] != '{')
		return -EINVAL;
	for (i = skip_ws(json, n, i + 1); i < n && json[i] == '"';) {
		k = i;
		i = skip_ws(json, n, skip_string(json, n, i));
		if (i >= n || json[i] != ':')
			return -EINVAL;
		v = skip_ws(json, n, i + 1);
		i = skip_value(json, n, v);
		if (i == v)
			return -EINVAL;
		/* Keys are compared as written: the writer escapes none of ours. */
		if (v - k >= klen + 2 && json[k + klen + 1] == '"' &&
		    !memcmp(json + k + 1, key, klen)) {
			*val = json + v;
			*vlen = i - v;
			return 0;
		}
		i = skip_ws(json, n, i);
		if (i < n && json[i] == ',')
			i = skip_ws(json, n, i + 1);
	}
	return -ENOENT;
}

/* A string field's text (no escapes expected in the values used here:
 * verdicts and addresses) into buf. */
static int str_field(const char *json, size_t n, const char *key, char *buf, size_t len)
{
	const char *v;
	size_t vl;

	if (probed_json_field(json, n, key, &v, &vl) < 0 || vl < 2 || v[0] != '"' ||
	    v[vl - 1] != '"' || vl - 2 >= len || memchr(v + 1, '\\', vl - 2))
		return -ENOENT;
	memcpy(buf, v + 1, vl - 2);
	buf[vl - 2] = '\0';
	return 0;
}

void probed_verdicts_free(struct probed_verdicts *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].target);
		free(vs->v[i].cur_json);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

/* How bad a verdict is; -1 for a word outpost-probe(1) does not list. */
static int rank(const char *v)
{
	return !strcmp(v, "clean") ? 0 : !strcmp(v, "suspect") ? 1 : !strcmp(v, "hijacked") ? 2 : -1;
}

int probed_verdict_note(struct probed_verdicts *vs, const char *target, const char *json,
    size_t len)
{
	char verdict[16];
	struct probed_verdict *v = NULL, *t;
	char *copy;

	if (!target || !json || str_field(json, len, "verdict", verdict, sizeof(verdict)) < 0 ||
	    rank(verdict) < 0)
		return 0;	/* no verdict (the lookup failed): nothing to compare */
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].target, target)) {
			v = &vs->v[i];
			break;
		}
	if (!v) {
		if (!(t = reallocarray(vs->v, vs->n + 1, sizeof(*t))))
			return -ENOMEM;
		vs->v = t;
		v = &vs->v[vs->n];
		memset(v, 0, sizeof(*v));
		if (!(v->target = strdup(target)))
			return -ENOMEM;
		vs->n++;
	}
	if (v->cur[0] && rank(verdict) <= rank(v->cur))
		return 0;
	if (!(copy = malloc(len)))
		return -ENOMEM;
	memcpy(copy, json, len);
	free(v->cur_json);
	v->cur_json = copy;
	v->cur_len = len;
	snprintf(v->cur, sizeof(v->cur), "%s", verdict);
	return 0;
}

size_t probed_verdict_round_end(struct probed_verdicts *vs,
    void (*cb)(const struct probed_verdict_change *ch, void *arg), void *arg)
{
	struct probed_verdict_change ch;
	size_t changes = 0;

	for (size_t i = 0; i < vs->n; i++) {
		struct probed_verdict *v = &vs->v[i];

		if (!v->cur[0])
			continue;	/* no verdict this round: the last one stands */
		if (v->last[0] && strcmp(v->last, v->cur) != 0) {
			memset(&ch, 0, sizeof(ch));
			ch.target = v->target;
			snprintf(ch.from, sizeof(ch.from), "%s", v->last);
			snprintf(ch.to, sizeof(ch.to), "%s", v->cur);
			str_field(v->cur_json, v->cur_len, "dst", ch.dst, sizeof(ch.dst));
			if (probed_json_field(v->cur_json, v->cur_len, "checks", &ch.checks,
			    &ch.checks_len) < 0)
				ch.checks = NULL;
			ch.result = v->cur_json;
			ch.result_len = v->cur_len;
			changes++;
			cb(&ch, arg);
		}
		memcpy(v->last, v->cur, sizeof(v->last));
		v->cur[0] = '\0';
		free(v->cur_json);
		v->cur_json = NULL;
		v->cur_len = 0;
	}
	return changes;
}
