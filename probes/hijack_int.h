/* hijack_int.h: the hijack type's own pieces, shared by its files only.
 *
 * probe_hijack.c   the type: cases (name x resolver under test), phases
 * hijack_ask.c     one question to one server, plain or DoT, parsed
 * hijack_checks.c  the checks' statuses from what the phases gathered
 * hijack_report.c  the JSON object and the human lines of one case */
#ifndef OUTPOST_HIJACK_INT_H
#define OUTPOST_HIJACK_INT_H

#include <openssl/ssl.h>

#include "hijack.h"
#include "json.h"
#include "probe.h"
#include "web.h"

#define HIJACK_MAX_ADDRS	32
#define HIJACK_NX_NAMES		3
#define HIJACK_MAX_CLEAR	HIJACK_MAX_ADDRS

struct hijack_addr {
	int		family;
	uint8_t		a[16];
	uint32_t	ttl;
};

/* What one question got back. */
struct hijack_reply {
	int		status;		/* 0 a reply came; else -errno, none came */
	int		rcode;		/* with status 0 */
	size_t		n;		/* addresses of the asked type */
	struct hijack_addr a[HIJACK_MAX_ADDRS];
	char		why[160];	/* with status < 0 */
};

/* A server asked: the resolver under test or a reference. */
struct hijack_server {
	bool		dot;
	char		text[320];	/* as given, for the report */
	char		host[256];	/* DoT: the host */
	uint16_t	port;		/* DoT: 853 unless given */
	char		tls_name[320];	/* DoT: "" = host */
	struct resolver	*r;		/* plain: a resolver of this server alone */
	SSL_CTX		*ctx;		/* DoT: the job's */
	bool		unusable;	/* DoT: its certificate did not verify */
};

struct hijack_ask;
typedef void (*hijack_ask_cb)(const struct hijack_reply *rep, void *arg);

/* Ask srv for name/qtype (class IN, RD) on spec's path within spec's
 * timeout; cb once, from the loop. 0 with *out set, or -errno. */
int hijack_ask_start(struct loop *l, struct resolver *sysr, const struct probe_spec *spec,
    struct hijack_server *srv, const char *name, uint16_t qtype, hijack_ask_cb cb, void *arg,
    struct hijack_ask **out);
/* Cancel (no callback afterwards) and free. NULL-safe. */
void hijack_ask_free(struct hijack_ask *a);
/* Parse the untrusted reply msg[0..len) (through the DNS codec) into rep,
 * which the caller zeroed: the answers of qtype (A or AAAA) with their
 * TTLs; want_id >= 0 also checks the id. rep->status says how it went. */
void hijack_reply_parse(const uint8_t *msg, size_t len, uint16_t qtype, int want_id,
    struct hijack_reply *rep);
/* Make a resolver of srv->text alone (plain servers). 0 or -errno. */
int hijack_server_open(struct loop *l, const struct probe_spec *spec, struct hijack_server *srv);
void hijack_server_close(struct hijack_server *srv);
/* The address and port (53 unless given) of a plain server. 0 or -EINVAL. */
int hijack_server_sockaddr(const struct hijack_server *srv, struct sockaddr_storage *ss,
    socklen_t *len);

/* One TLS handshake of the consistency check's clearing. */
struct hijack_clear {
	struct hijack_addr	addr;
	struct probe_conn	*conn;
	uint64_t		timer;
	bool			done, genuine;
	char			state[24];	/* "verified", "verify-failed", ... */
	char			why[160];
	void			*c;		/* the case */
};

/* Everything one case (one name, one resolver under test) gathered. */
struct hijack_case {
	void			*hj;		/* the job's state */
	const char		*name;
	uint16_t		qtype;		/* A or AAAA */
	char			nx_domain[254];
	struct hijack_server	tested;
	struct hijack_reply	tested_rep;
	size_t			nrefs;
	struct hijack_server	*refs;		/* into the job's */
	struct hijack_reply	*ref_rep;	/* nrefs */
	char			nx_name[HIJACK_NX_NAMES][320];
	struct hijack_reply	nx_tested[HIJACK_NX_NAMES], nx_ref[HIJACK_NX_NAMES];
	bool			nx_has_ref;
	struct hijack_ask	**asks;		/* in flight */
	void			*slots;		/* probe_hijack.c's, one per ask */
	size_t			nasks, pending;
	struct hijack_clear	clear[HIJACK_MAX_CLEAR];
	size_t			nclear, clear_pending;
	struct probe_hijack_inject *inject;
	bool			inject_done;
	enum probe_hijack_status inject_status;
	char			*inject_json;
	bool			done;
	/* the checks, once computed */
	enum probe_hijack_status st[PROBE_HIJACK_NCHECKS];
	char			why[PROBE_HIJACK_NCHECKS][400];
};

/* hijack_checks.c: fill c->st and c->why from the replies and clears. */
void hijack_checks_run(struct hijack_case *c, const struct probe_hijack_prefix *exempt,
    size_t nexempt);
/* Whether the tested and the usable references' answers share no
 * address while both have some: the clearing handshakes are needed. */
bool hijack_needs_clearing(const struct hijack_case *c);
/* Whether addr is among rep's. */
bool hijack_reply_has(const struct hijack_reply *rep, const struct hijack_addr *addr);
/* The numeric text of an address. */
void hijack_addr_str(const struct hijack_addr *a, char *buf, size_t len);

/* hijack_report.c: the case's JSON and text, handed to the job. */
void hijack_report(struct probe_job *j, struct hijack_case *c,
    const struct probe_hijack_prefix *exempt, size_t nexempt);

#endif
