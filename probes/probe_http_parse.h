/* probe_http_parse.h: a bounded, incremental HTTP/1.1 response parser.
 *
 * Bytes come straight from a server the probe does not trust, in pieces
 * of any size. The head (status line and header fields, and any 1xx
 * interim heads before it) is capped at PROBE_HTTP_HEAD_MAX bytes, the
 * trailers of a chunked body too; a chunk-size line at 1 KiB. Body bytes
 * are handed to a callback as they arrive, never buffered. */
#ifndef OUTPOST_PROBE_HTTP_PARSE_H
#define OUTPOST_PROBE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define PROBE_HTTP_HEAD_MAX	(64 * 1024)
#define PROBE_HTTP_CHUNK_LINE_MAX 1024
#define PROBE_HTTP_LOCATION_MAX	2048

/* How the body is delimited (RFC 9112 section 6.3). */
enum probe_http_framing {
	PROBE_HTTP_NO_BODY,		/* 204, 304 */
	PROBE_HTTP_LENGTH,		/* Content-Length */
	PROBE_HTTP_CHUNKED,		/* Transfer-Encoding: ..., chunked */
	PROBE_HTTP_CLOSE		/* until the server closes */
};

struct probe_http_parser {
	int			state;
	struct wire_buf		line;		/* the head, or a chunk/trailer line */
	size_t			head_total;	/* head bytes so far, all heads */
	size_t			trailer_total;
	size_t			line_len;	/* bytes of the current head line */
	bool			status_seen;	/* this head's status line checked */
	/* The final response. */
	int			version_minor;	/* HTTP/1.x */
	int			status;
	char			reason[128];
	enum probe_http_framing	framing;
	uint64_t		content_length;
	bool			has_length;
	char			location[PROBE_HTTP_LOCATION_MAX];
	bool			has_location;
	bool			location_too_long;
	/* Connection options of the final head (RFC 9112 section 9.3). */
	bool			conn_close, conn_keep_alive;
	unsigned		interim;	/* 1xx heads skipped */
	size_t			head_bytes;	/* bytes of the final head */
	uint64_t		body_bytes;	/* body bytes delivered */
	uint64_t		chunk_left;
	unsigned		chunks, trailers;
	/* Bytes of the last buffer fed that belong to the response. */
	size_t			used;
	/* Why parsing stopped: a static string, or NULL. */
	const char		*error;
};

typedef void (*probe_http_body_cb)(void *arg, const uint8_t *p, size_t n);

/* An empty parser for one response. */
void probe_http_parser_init(struct probe_http_parser *p);
/* Free what the parser holds. NULL-safe. */
void probe_http_parser_free(struct probe_http_parser *p);
/* Feed n bytes. Returns 0 (more is needed), 1 (the response is complete;
 * the rest of buf is not part of it) or -errno with p->error set:
 * -EBADMSG (malformed), -EMSGSIZE (a head, trailer or line too long),
 * -EOVERFLOW (a length or chunk size past 64 bits). */
int probe_http_parse(struct probe_http_parser *p, const uint8_t *buf, size_t n,
    probe_http_body_cb body, void *arg);
/* The server closed the connection: 1 when that completes the response,
 * else -EBADMSG with p->error ("body truncated", ...). */
int probe_http_parse_eof(struct probe_http_parser *p);
/* Whether a complete response leaves the connection usable for another
 * request: its end was framed (not the close of the stream) and the
 * server did not ask to close (HTTP/1.1, or 1.0 with keep-alive). */
bool probe_http_reusable(const struct probe_http_parser *p);
/* Whether the head of the final response has been parsed. */
bool probe_http_head_done(const struct probe_http_parser *p);
/* The framing as in the JSON "framing" field. */
const char *probe_http_framing_name(enum probe_http_framing f);

#endif
