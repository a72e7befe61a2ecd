/* dns_msg.h: DNS messages (RFC 1035, 6891): build a query, parse any reply.
 *
 * The parser reads untrusted bytes only through src/wire.h and refuses
 * every malformed name with its own error, so a probe can say *why* a
 * reply was bad: a pointer loop, a pointer past the end, a forward
 * pointer, a label longer than 63 bytes, a name longer than 255 bytes.
 * Names are kept in presentation form (dig's escapes: \. \\ \DDD), so a
 * parsed name can be encoded again (probe_dns_name_encode) byte for byte.
 * Record data is decoded for A, AAAA, CNAME, NS, PTR, MX, TXT, SOA, SRV and
 * CAA; other types keep their bytes (shown as RFC 3597 \# LEN HEX). */
#ifndef OUTPOST_DNS_MSG_H
#define OUTPOST_DNS_MSG_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct json;

/* Distinct errors of the parser (negative errnos). */
#define PROBE_DNS_ETRUNC	(-EBADMSG)	/* the message ends inside a field */
#define PROBE_DNS_ELOOP		(-ELOOP)	/* compression pointers loop */
#define PROBE_DNS_EPTREND	(-EFAULT)	/* a pointer past the end */
#define PROBE_DNS_EFORWARD	(-ESPIPE)	/* a pointer forward */
#define PROBE_DNS_ELABEL	(-EMSGSIZE)	/* a label > 63 (or 0x40/0x80 type) */
#define PROBE_DNS_ENAME		(-ENAMETOOLONG)	/* a name > 255 bytes */
#define PROBE_DNS_ERDATA	(-EPROTO)	/* rdata does not fit its type */
#define PROBE_DNS_ETRAIL	(-ENOTEMPTY)	/* bytes after the last record */

/* Longest presentation name: 255 wire bytes, each byte up to \DDD. */
#define PROBE_DNS_NAME_TEXT	1024

enum {
	PROBE_DNS_T_A = 1, PROBE_DNS_T_NS = 2, PROBE_DNS_T_CNAME = 5,
	PROBE_DNS_T_SOA = 6, PROBE_DNS_T_PTR = 12, PROBE_DNS_T_MX = 15,
	PROBE_DNS_T_TXT = 16, PROBE_DNS_T_AAAA = 28, PROBE_DNS_T_SRV = 33,
	PROBE_DNS_T_OPT = 41, PROBE_DNS_T_ANY = 255, PROBE_DNS_T_CAA = 257,
};
enum { PROBE_DNS_C_IN = 1 };

/* Header flags as they sit in the second 16-bit word. */
#define PROBE_DNS_F_QR	0x8000
#define PROBE_DNS_F_AA	0x0400
#define PROBE_DNS_F_TC	0x0200
#define PROBE_DNS_F_RD	0x0100
#define PROBE_DNS_F_RA	0x0080
#define PROBE_DNS_F_AD	0x0020
#define PROBE_DNS_F_CD	0x0010

/* One TXT character-string or the CAA value (points into rr->raw). */
struct probe_dns_str {
	const uint8_t	*p;
	uint16_t	 len;
};

/* One resource record; everything it points to lives in the rr. */
struct probe_dns_rr {
	char		 name[PROBE_DNS_NAME_TEXT];
	uint16_t	 type, rclass;
	uint32_t	 ttl;
	uint16_t	 rdlen;
	uint8_t		*raw;		/* the rdata bytes as sent */
	bool		 decoded;	/* the fields below are set */
	/* A / AAAA: the address text; CNAME NS PTR MX SRV: the name;
	 * SOA: mname; CAA: tag. */
	char		*text;
	char		*text2;		/* SOA rname */
	uint32_t	 num[5];	/* MX pref; SRV prio weight port; SOA
					 * serial refresh retry expire minimum;
					 * CAA flags */
	struct probe_dns_str *strs;	/* TXT strings; CAA value */
	size_t		 n_strs;
};

struct probe_dns_msg {
	uint16_t	 id, flags;	/* flags: the raw second word */
	unsigned	 rcode;		/* with the EDNS extended bits */
	char		 qname[PROBE_DNS_NAME_TEXT];
	uint16_t	 qtype, qclass;
	bool		 has_question;
	bool		 edns;		/* an OPT record was there */
	uint16_t	 edns_size;	/* its UDP payload size */
	uint8_t		 edns_version;
	bool		 edns_do;
	struct probe_dns_rr *rr;	/* answer, authority, additional (no OPT) */
	size_t		 n_an, n_ns, n_ar;
};

struct probe_dns_query_opts {
	uint16_t	 id;
	bool		 rd;		/* recursion desired */
	bool		 edns;		/* add an OPT record ... */
	uint16_t	 edns_size;	/* ... with this payload size (0: 1232) */
	bool		 edns_do;	/* ... and the DO bit */
};

/* Encode a presentation name ("www.example.test", escapes allowed; "." or
 * "" is the root) as uncompressed wire labels. 0, -EINVAL (empty label,
 * bad escape), PROBE_DNS_ELABEL or PROBE_DNS_ENAME. */
int probe_dns_name_encode(struct wire_buf *b, const char *name);

/* Build a query for name/type/class into b (appended). 0 or -errno. */
int probe_dns_query_build(struct wire_buf *b, const char *name, uint16_t type, uint16_t rclass,
    const struct probe_dns_query_opts *o);

/* Read a (possibly compressed) name at c's position from the whole message
 * msg[0..len); c steps over it. out gets the presentation form (with a
 * trailing dot; "." for the root). 0 or a PROBE_DNS_E* error. */
int probe_dns_name_read(struct wire_cur *c, const uint8_t *msg, size_t len, char *out);

/* Parse a whole message. 0 with *m filled (free it with probe_dns_msg_free)
 * or a PROBE_DNS_E* error / -ENOMEM with *m empty. Trailing bytes after the
 * counted records are refused (PROBE_DNS_ETRAIL). */
int probe_dns_msg_parse(const uint8_t *msg, size_t len, struct probe_dns_msg *m);

/* Free what a parse allocated; the struct is empty again. NULL-safe. */
void probe_dns_msg_free(struct probe_dns_msg *m);

/* All records (answer, then authority, then additional). */
static inline size_t probe_dns_msg_count(const struct probe_dns_msg *m)
{
	return m->n_an + m->n_ns + m->n_ar;
}

/* The rdata as dig prints it ("10 mail.example.test.", "\"a\" \"b\"");
 * writes at most cap bytes (always NUL-terminated); returns the length it
 * needed, like snprintf. */
size_t probe_dns_rdata_text(const struct probe_dns_rr *rr, char *out, size_t cap);

/* The record as one dig line: "name. TTL IN TYPE rdata". Like snprintf. */
size_t probe_dns_rr_text(const struct probe_dns_rr *rr, char *out, size_t cap);

/* Write rr as one JSON object: name, type, class, ttl, data (presentation)
 * and the decoded fields of its type. */
void probe_dns_rr_json(struct json *j, const struct probe_dns_rr *rr);

/* "A", "AAAA", ... or NULL for a type without a name. */
const char *probe_dns_type_name(uint16_t type);

/* A type from a name ("MX", case-insensitive), "TYPE65" or a number; 0 with
 * *type set, or -EINVAL. */
int probe_dns_type_parse(const char *s, uint16_t *type);

/* "NOERROR", "NXDOMAIN", ... or NULL. */
const char *probe_dns_rcode_name(unsigned rcode);

/* Words for a PROBE_DNS_E* error (or any -errno). */
const char *probe_dns_strerror(int err);

#endif
