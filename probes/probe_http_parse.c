/* probe_http_parse.c: the HTTP/1.1 response parser of the http probe.
 *
 * A head is collected whole (it is capped) and then read line by line
 * through a wire cursor; bodies are walked through a cursor over each
 * piece as it arrives. Anything RFC 9112 calls invalid is an error with a
 * reason, never a guess: the probe measures servers, and a server that
 * sends nonsense should be reported as such. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "probe_http_parse.h"

enum {
	ST_HEAD,
	ST_LENGTH,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_END,
	ST_TRAILERS,
	ST_CLOSE,
	ST_DONE,
	ST_ERROR
};

static const char *const framing_names[] = {
	[PROBE_HTTP_NO_BODY] = "none",
	[PROBE_HTTP_LENGTH] = "content-length",
	[PROBE_HTTP_CHUNKED] = "chunked",
	[PROBE_HTTP_CLOSE] = "close",
};

const char *probe_http_framing_name(enum probe_http_framing f)
{
	return (unsigned)f < 4 ? framing_names[f] : "?";
}

void probe_http_parser_init(struct probe_http_parser *p)
{
	memset(p, 0, sizeof(*p));
	wire_buf_init(&p->line);
	p->status = -1;
}

void probe_http_parser_free(struct probe_http_parser *p)
{
	if (p)
		wire_buf_free(&p->line);
}

bool probe_http_head_done(const struct probe_http_parser *p)
{
	return p->state != ST_HEAD && p->status >= 0;
}

static int fail(struct probe_http_parser *p, int err, const char *why)
{
	p->state = ST_ERROR;
	p->error = why;
	return err;
}

/* The next line of c without its LF (and CR); NULL at the end. */
static const uint8_t *next_line(struct wire_cur *c, size_t *len)
{
	size_t left = wire_remaining(c);
	const uint8_t *nl, *l;

	if (!left || !(nl = memchr(c->p, '\n', left)))
		return NULL;
	*len = (size_t)(nl - c->p);
	l = wire_read_ptr(c, *len + 1);
	if (l && *len && l[*len - 1] == '\r')
		(*len)--;
	return l;
}

static bool is_tchar(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/* "name: value" with a token name and a value of visible characters,
 * spaces and tabs; the value is trimmed. -EBADMSG when malformed. */
static int field_split(const uint8_t *l, size_t len, size_t *nlen, const uint8_t **v,
    size_t *vlen)
{
	size_t i = 0, e;

	while (i < len && is_tchar(l[i]))
		i++;
	if (i == 0 || i == len || l[i] != ':')
		return -EBADMSG;
	*nlen = i++;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	e = len;
	while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
		e--;
	for (size_t k = i; k < e; k++)
		if ((l[k] < ' ' && l[k] != '\t') || l[k] == 0x7f)
			return -EBADMSG;
	*v = l + i;
	*vlen = e - i;
	return 0;
}

static bool name_is(const uint8_t *n, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp((const char *)n, want, len);
}

static int content_length(struct probe_http_parser *p, const uint8_t *v, size_t n)
{
	uint64_t x = 0;

	if (n == 0)
		return fail(p, -EBADMSG, "empty Content-Length");
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return fail(p, -EBADMSG, "Content-Length is not a number");
		if (x > (UINT64_MAX - 9) / 10)
			return fail(p, -EOVERFLOW, "Content-Length overflows");
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (p->has_length && x != p->content_length)
		return fail(p, -EBADMSG, "conflicting Content-Length fields");
	p->has_length = true;
	p->content_length = x;
	return 0;
}

/* Only the last transfer coding tells how the body ends. */
static bool last_coding_chunked(const uint8_t *v, size_t n)
{
	size_t s = n;

	while (s > 0 && v[s - 1] != ',')
		s--;
	while (s < n && (v[s] == ' ' || v[s] == '\t'))
		s++;
	return n - s == 7 && !strncasecmp((const char *)v + s, "chunked", 7);
}

/* Connection: a list of options; only "close" and "keep-alive" matter. */
static void connection_options(struct probe_http_parser *p, const uint8_t *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (name_is(v + s, e - s, "close"))
			p->conn_close = true;
		else if (name_is(v + s, e - s, "keep-alive"))
			p->conn_keep_alive = true;
	}
}

static int status_line(struct probe_http_parser *p, const uint8_t *l, size_t len)
{
	size_t r;

	if (len < 12 || memcmp(l, "HTTP/1.", 7) || !is_digit(l[7]) || l[8] != ' ' ||
	    !is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]) ||
	    (len > 12 && l[12] != ' '))
		return fail(p, -EBADMSG, "bad status line");
	p->version_minor = l[7] - '0';
	p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (p->status < 100 || p->status > 599)
		return fail(p, -EBADMSG, "status code out of range");
	r = len > 13 ? len - 13 : 0;
	if (r >= sizeof(p->reason))
		r = sizeof(p->reason) - 1;
	for (size_t i = 0; i < r; i++) {
		uint8_t ch = l[13 + i];

		if ((ch < ' ' && ch != '\t') || ch == 0x7f)
			return fail(p, -EBADMSG, "control character in the reason phrase");
		p->reason[i] = (char)ch;
	}
	p->reason[r] = '\0';
	return 0;
}

/* A whole head is in p->line: read it. */
static int head_parse(struct probe_http_parser *p)
{
	struct wire_cur c;
	const uint8_t *l, *v;
	size_t len, nlen, vlen;
	bool chunked = false, te = false;
	int rc;

	wire_cur_init(&c, p->line.data, p->line.len);
	if (!(l = next_line(&c, &len)))
		return fail(p, -EBADMSG, "bad status line");
	if ((rc = status_line(p, l, len)) < 0)
		return rc;
	p->has_length = p->has_location = p->location_too_long = false;
	p->conn_close = p->conn_keep_alive = false;
	p->content_length = 0;
	while ((l = next_line(&c, &len)) && len > 0) {
		if (l[0] == ' ' || l[0] == '\t')
			return fail(p, -EBADMSG, "obsolete line folding in a header");
		if (field_split(l, len, &nlen, &v, &vlen) < 0)
			return fail(p, -EBADMSG, "malformed header field");
		if (name_is(l, nlen, "content-length")) {
			if ((rc = content_length(p, v, vlen)) < 0)
				return rc;
		} else if (name_is(l, nlen, "transfer-encoding")) {
			te = true;
			chunked = last_coding_chunked(v, vlen);
		} else if (name_is(l, nlen, "connection")) {
			connection_options(p, v, vlen);
		} else if (name_is(l, nlen, "location")) {
			if (vlen >= sizeof(p->location)) {
				p->location_too_long = true;
			} else {
				memcpy(p->location, v, vlen);
				p->location[vlen] = '\0';
				p->has_location = vlen > 0;
			}
		}
	}
	if (wire_error(&c) || !l)
		return fail(p, -EBADMSG, "bad response head");
	p->head_bytes = p->line.len;
	if (p->status >= 100 && p->status < 200) {
		if (p->status == 101)
			return fail(p, -EBADMSG, "unexpected 101 Switching Protocols");
		/* An interim answer (100 Continue, 103 Early Hints): the real
		 * one follows. */
		p->interim++;
		p->status = -1;
		p->status_seen = false;
		wire_buf_reset(&p->line);
		return 0;
	}
	wire_buf_reset(&p->line);
	if (p->status == 204 || p->status == 304) {
		p->framing = PROBE_HTTP_NO_BODY;
		p->state = ST_DONE;
	} else if (te) {
		/* Transfer-Encoding overrides Content-Length (RFC 9112 6.3). */
		p->framing = chunked ? PROBE_HTTP_CHUNKED : PROBE_HTTP_CLOSE;
		p->state = chunked ? ST_CHUNK_SIZE : ST_CLOSE;
	} else if (p->has_length) {
		p->framing = PROBE_HTTP_LENGTH;
		p->chunk_left = p->content_length;
		p->state = p->content_length ? ST_LENGTH : ST_DONE;
	} else {
		p->framing = PROBE_HTTP_CLOSE;
		p->state = ST_CLOSE;
	}
	return 0;
}

/* Collect head bytes until the empty line; the head is complete when a
 * line of zero length (CR aside) ends. */
static int head_feed(struct probe_http_parser *p, struct wire_cur *c)
{
	while (wire_remaining(c) && p->state == ST_HEAD) {
		size_t left = wire_remaining(c), take = 0, l;
		const uint8_t *nl = NULL;
		bool end = false, over;
		int rc;

		while (take < left) {
			uint8_t ch = c->p[take++];

			if (ch == '\n') {
				end = p->line_len == 0;
				p->line_len = 0;
				if (end)
					break;
			} else if (ch != '\r') {
				p->line_len++;
			}
		}
		/* Past the cap, keep what fits so the status line is still
		 * judged first: the verdict must not depend on how the
		 * server cut its writes. */
		over = p->head_total + take > PROBE_HTTP_HEAD_MAX;
		if (over) {
			take = PROBE_HTTP_HEAD_MAX - p->head_total;
			end = false;
		}
		p->head_total += take;
		wire_put_bytes(&p->line, wire_read_ptr(c, take), take);
		if (wire_buf_error(&p->line))
			return fail(p, -ENOMEM, "out of memory");
		/* Judge the status line as soon as it is there: a server that
		 * speaks something else is told apart without waiting for a
		 * head that never comes. */
		if (!p->status_seen && p->line.len)
			nl = memchr(p->line.data, '\n', p->line.len);
		if (nl) {
			p->status_seen = true;
			l = (size_t)(nl - p->line.data);
			if (l && p->line.data[l - 1] == '\r')
				l--;
			if ((rc = status_line(p, p->line.data, l)) < 0)
				return rc;
		}
		if (over)
			return fail(p, -EMSGSIZE, "response head larger than 64 KiB");
		if (end && (rc = head_parse(p)) < 0)
			return rc;
	}
	return 0;
}

/* Collect one line (chunk size or trailer) of at most max bytes; 1 when
 * it is complete in p->line (without CR LF). */
static int line_feed(struct probe_http_parser *p, struct wire_cur *c, size_t max, int err,
    const char *why)
{
	size_t left = wire_remaining(c);
	const uint8_t *nl = memchr(c->p, '\n', left);
	size_t take = nl ? (size_t)(nl - c->p) + 1 : left;

	if (p->line.len + take > max)
		return fail(p, err, why);
	wire_put_bytes(&p->line, wire_read_ptr(c, take), take);
	if (wire_buf_error(&p->line))
		return fail(p, -ENOMEM, "out of memory");
	if (!nl)
		return 0;
	p->line.len--;
	if (p->line.len && p->line.data[p->line.len - 1] == '\r')
		p->line.len--;
	return 1;
}

static int chunk_size(struct probe_http_parser *p)
{
	const uint8_t *l = p->line.data;
	size_t n = p->line.len, i = 0;
	uint64_t v = 0;

	for (; i < n; i++) {
		uint8_t ch = l[i];
		unsigned d;

		if (is_digit(ch))
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (unsigned)((ch | 0x20) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX >> 4))
			return fail(p, -EOVERFLOW, "chunk size overflows");
		v = v << 4 | d;
	}
	if (i == 0)
		return fail(p, -EBADMSG, "bad chunk size");
	/* Only whitespace before chunk extensions may follow. */
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i < n && l[i] != ';')
		return fail(p, -EBADMSG, "bad chunk size");
	for (; i < n; i++)
		if ((l[i] < ' ' && l[i] != '\t') || l[i] == 0x7f)
			return fail(p, -EBADMSG, "control character in a chunk extension");
	wire_buf_reset(&p->line);
	p->chunk_left = v;
	if (v == 0) {
		p->state = ST_TRAILERS;
	} else {
		p->chunks++;
		p->state = ST_CHUNK_DATA;
	}
	return 0;
}

static int body_feed(struct probe_http_parser *p, struct wire_cur *c, probe_http_body_cb body,
    void *arg)
{
	while (wire_remaining(c) && p->state != ST_DONE) {
		size_t left = wire_remaining(c), take;
		const uint8_t *d;
		size_t nl, vl;
		const uint8_t *v;
		int rc;

		switch (p->state) {
		case ST_LENGTH:
		case ST_CHUNK_DATA:
			take = p->chunk_left < left ? (size_t)p->chunk_left : left;
			d = wire_read_ptr(c, take);
			p->body_bytes += take;
			p->chunk_left -= take;
			if (body && take)
				body(arg, d, take);
			if (p->chunk_left == 0)
				p->state = p->state == ST_LENGTH ? ST_DONE : ST_CHUNK_END;
			break;
		case ST_CLOSE:
			d = wire_read_ptr(c, left);
			p->body_bytes += left;
			if (body)
				body(arg, d, left);
			break;
		case ST_CHUNK_SIZE:
			rc = line_feed(p, c, PROBE_HTTP_CHUNK_LINE_MAX, -EMSGSIZE,
			    "chunk size line longer than 1 KiB");
			if (rc == 1)
				rc = chunk_size(p);
			if (rc < 0)
				return rc;
			break;
		case ST_CHUNK_END:
			rc = line_feed(p, c, 2, -EBADMSG, "chunk not followed by CRLF");
			if (rc < 0)
				return rc;
			if (rc == 1) {
				if (p->line.len)
					return fail(p, -EBADMSG, "chunk not followed by CRLF");
				p->state = ST_CHUNK_SIZE;
			}
			break;
		case ST_TRAILERS:
			rc = line_feed(p, c, PROBE_HTTP_HEAD_MAX - p->trailer_total, -EMSGSIZE,
			    "trailers larger than 64 KiB");
			if (rc < 0)
				return rc;
			if (rc == 0)
				break;
			p->trailer_total += p->line.len + 2;
			if (p->line.len == 0) {
				p->state = ST_DONE;
				break;
			}
			if (field_split(p->line.data, p->line.len, &nl, &v, &vl) < 0)
				return fail(p, -EBADMSG, "malformed trailer field");
			p->trailers++;
			wire_buf_reset(&p->line);
			break;
		default:
			return fail(p, -EINVAL, "parser misuse");
		}
	}
	return 0;
}

int probe_http_parse(struct probe_http_parser *p, const uint8_t *buf, size_t n,
    probe_http_body_cb body, void *arg)
{
	struct wire_cur c;
	int rc;

	p->used = 0;
	if (p->state == ST_ERROR)
		return -EINVAL;
	if (p->state == ST_DONE)
		return 1;
	wire_cur_init(&c, buf, n);
	if (p->state == ST_HEAD && (rc = head_feed(p, &c)) < 0)
		return rc;
	if (p->state != ST_HEAD && p->state != ST_DONE && (rc = body_feed(p, &c, body, arg)) < 0)
		return rc;
	p->used = n - wire_remaining(&c);
	return p->state == ST_DONE ? 1 : 0;
}

bool probe_http_reusable(const struct probe_http_parser *p)
{
	if (p->state != ST_DONE || p->framing == PROBE_HTTP_CLOSE || p->conn_close)
		return false;
	return p->version_minor >= 1 || p->conn_keep_alive;
}

int probe_http_parse_eof(struct probe_http_parser *p)
{
	switch (p->state) {
	case ST_DONE:
		return 1;
	case ST_CLOSE:
		p->state = ST_DONE;
		return 1;
	case ST_HEAD:
		return fail(p, -EBADMSG, p->head_total || p->interim ?
		    "connection closed inside the response head" :
		    "connection closed before any response");
	case ST_LENGTH:
		return fail(p, -EBADMSG, "body truncated: fewer bytes than Content-Length");
	case ST_ERROR:
		return -EBADMSG;
	default:
		return fail(p, -EBADMSG, "connection closed inside the chunked body");
	}
}
