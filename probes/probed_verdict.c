/* probed_verdict.c: the hijack verdict each (target, resolver) had in the
 * last round, and the change of it.
 *
 * A hijack probe reports one result per name and resolver under test, so
 * the state is kept per "target" and "dst" of the result, not per target
 * as reachability is. The verdict and the evidence are read back from the
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
	char	*target, *dst;
	char	verdict[16];
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
		free(vs->v[i].dst);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

int probed_verdict_update(struct probed_verdicts *vs, const char *target, const char *json,
    size_t len, struct probed_verdict_change *ch)
{
	char verdict[16], dst[64] = "";
	struct probed_verdict *v = NULL, *t;

	memset(ch, 0, sizeof(*ch));
	if (!target || !json || str_field(json, len, "verdict", verdict, sizeof(verdict)) < 0)
		return 0;	/* no verdict (the lookup failed): nothing to compare */
	str_field(json, len, "dst", dst, sizeof(dst));
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].target, target) && !strcmp(vs->v[i].dst, dst)) {
			v = &vs->v[i];
			break;
		}
	if (!v) {
		if (!(t = reallocarray(vs->v, vs->n + 1, sizeof(*t))))
			return -ENOMEM;
		vs->v = t;
		v = &vs->v[vs->n];
		if (!(v->target = strdup(target)) || !(v->dst = strdup(dst))) {
			free(v->target);
			return -ENOMEM;
		}
		vs->n++;
		snprintf(v->verdict, sizeof(v->verdict), "%s", verdict);
		return 0;	/* the first verdict seen is no change */
	}
	if (!strcmp(v->verdict, verdict))
		return 0;
	snprintf(ch->from, sizeof(ch->from), "%s", v->verdict);
	snprintf(ch->to, sizeof(ch->to), "%s", verdict);
	snprintf(ch->dst, sizeof(ch->dst), "%s", dst);
	snprintf(v->verdict, sizeof(v->verdict), "%s", verdict);
	if (probed_json_field(json, len, "checks", &ch->checks, &ch->checks_len) < 0) {
		ch->checks = NULL;
		ch->checks_len = 0;
	}
	return 1;
}
