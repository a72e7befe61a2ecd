/* hijack_inject.c: the injection check on the loop: our own UDP socket
 * sends the query, libpcap watches every reply to its port for a window
 * after the first one. See hijack_inject.h for the rules. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hijack_inject.h"
#include "json.h"
#include "loop.h"

#define MAX_REPLIES	32
#define SNAPLEN		4096

struct inject_reply {
	struct probe_capture	cap;	/* dns/dns_len point into bytes below */
	uint8_t			*bytes;
	double			ts;	/* pcap time, seconds */
	bool			from_sink;
	bool			from_server;
};

struct probe_inject {
	struct loop		*loop;
	probe_inject_cb		 cb;
	void			*arg;
	int			 fd;
	pcap_t			*pcap;
	int			 pfd;
	int			 linktype;
	char			 ifname[IF_NAMESIZE + 1];
	struct sockaddr_storage	 server, sink;
	uint16_t		 port, id;
	uint64_t		 window_ms, timeout_ms;
	uint64_t		 timer;
	double			 t_query;	/* pcap time of our query to the server, or 0 */
	double			 t_sent;	/* wall clock at sendto, the fallback */
	struct inject_reply	 replies[MAX_REPLIES];
	unsigned		 nreplies, overflow;
	uint8_t			*sock_reply;	/* first datagram the socket read */
	size_t			 sock_len;
	bool			 done;
};

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const void *ss_addr(const struct sockaddr_storage *ss, size_t *n)
{
	if (ss->ss_family == AF_INET) {
		*n = 4;
		return &((const struct sockaddr_in *)ss)->sin_addr;
	}
	*n = 16;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static bool addr_is(const struct sockaddr_storage *ss, int family, const uint8_t *a)
{
	size_t n;
	const void *p;

	if (ss->ss_family != family)
		return false;
	p = ss_addr(ss, &n);
	return memcmp(p, a, n) == 0;
}

static void addr_text(int family, const void *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* The interface a datagram to dst would leave by: -I, else the one that
 * holds the source address the kernel picks (a connected UDP socket asks
 * the routing table without sending anything), else "any". */
static void pick_ifname(const struct probe_inject_opts *o, socklen_t slen, char *name, size_t len)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct ifaddrs *ifa = NULL, *i;
	int fd;

	snprintf(name, len, "any");
	if (o->path && o->path->ifname[0]) {
		snprintf(name, len, "%s", o->path->ifname);
		return;
	}
	fd = probe_socket(o->server.ss_family, SOCK_DGRAM, 0, o->path);
	if (fd < 0)
		return;
	if (connect(fd, (const struct sockaddr *)&o->server, slen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) < 0 || getifaddrs(&ifa) < 0) {
		close(fd);
		return;
	}
	close(fd);
	for (i = ifa; i; i = i->ifa_next) {
		size_t n, m;
		const void *a, *b;

		if (!i->ifa_addr || i->ifa_addr->sa_family != local.ss_family)
			continue;
		a = ss_addr(&local, &n);
		b = ss_addr((const struct sockaddr_storage *)(void *)i->ifa_addr, &m);
		if (memcmp(a, b, n) == 0) {
			snprintf(name, len, "%s", i->ifa_name);
			break;
		}
	}
	freeifaddrs(ifa);
}

static void on_pkt(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct probe_inject *c = (struct probe_inject *)(void *)user;
	struct probe_capture cap;
	struct inject_reply *r;
	double ts = (double)h->ts.tv_sec + h->ts.tv_usec / 1e6;

	if (probe_capture_parse(c->linktype, bytes, h->caplen, &cap) != 0)
		return;
	if (cap.sport == c->port && cap.dport == 53) {
		/* Our own query on its way out: the delay's zero, on pcap's clock. */
		if (!c->t_query && addr_is(&c->server, cap.family, cap.dst))
			c->t_query = ts;
		return;
	}
	if (cap.dport != c->port || cap.sport != 53)
		return;
	if (c->nreplies == MAX_REPLIES) {
		c->overflow++;
		return;
	}
	r = &c->replies[c->nreplies];
	r->bytes = malloc(cap.dns_len ? cap.dns_len : 1);
	if (!r->bytes) {
		c->overflow++;
		return;
	}
	memcpy(r->bytes, cap.dns, cap.dns_len);
	cap.dns = r->bytes;
	r->cap = cap;
	r->ts = ts;
	r->from_sink = c->sink.ss_family && addr_is(&c->sink, cap.family, cap.src);
	r->from_server = addr_is(&c->server, cap.family, cap.src);
	c->nreplies++;
}

static void finish(struct probe_inject *c, int err);

static void on_window(struct loop *l, void *arg)
{
	struct probe_inject *c = arg;

	(void)l;
	c->timer = 0;
	if (c->pcap)
		pcap_dispatch(c->pcap, -1, on_pkt, (u_char *)c);	/* what is already queued */
	finish(c, 0);
}

static void on_pcap(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct probe_inject *c = arg;
	unsigned before = c->nreplies;

	(void)fd;
	(void)events;
	if (pcap_dispatch(c->pcap, -1, on_pkt, (u_char *)c) == PCAP_ERROR) {
		finish(c, -EIO);
		return;
	}
	if (before == 0 && c->nreplies > 0) {
		/* The first reply opens the window. */
		loop_timer_cancel(l, c->timer);
		c->timer = loop_timer_add(l, c->window_ms, on_window, c);
	}
}

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct probe_inject *c = arg;
	uint8_t buf[SNAPLEN];
	ssize_t n;

	(void)l;
	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (c->sock_reply)
			continue;
		c->sock_reply = malloc(n ? (size_t)n : 1);
		if (c->sock_reply) {
			memcpy(c->sock_reply, buf, (size_t)n);
			c->sock_len = (size_t)n;
		}
	}
}

static void reply_json(struct probe_inject *c, struct json *j, const struct inject_reply *r,
		       unsigned order)
{
	char a[INET6_ADDRSTRLEN];
	double t0 = c->t_query ? c->t_query : c->t_sent;

	json_obj_begin(j);
	json_kv_uint(j, "order", order);
	json_kv_double(j, "delay_ms", (r->ts - t0) * 1000.0);
	addr_text(r->cap.family, r->cap.src, a, sizeof(a));
	json_kv_str(j, "src", a);
	if (r->cap.family == AF_INET) {
		json_kv_uint(j, "ip_ttl", r->cap.ttl);
		json_kv_uint(j, "ip_id", (uint64_t)r->cap.ipid);
	} else {
		json_kv_uint(j, "hop_limit", r->cap.ttl);
	}
	json_kv_bool(j, "from_server", r->from_server);
	json_kv_bool(j, "from_sink", r->from_sink);
	json_kv_uint(j, "size", r->cap.dns_len);
	if (r->cap.dns_len >= 2) {
		json_kv_uint(j, "id", r->cap.id);
		json_kv_bool(j, "id_match", r->cap.id == c->id);
	}
	if (r->cap.dns_len >= 12) {
		json_kv_uint(j, "rcode", r->cap.rcode);
		json_kv_uint(j, "ancount", r->cap.ancount);
	}
	json_kv_str(j, "answers", r->cap.answers);
	if (r->cap.answers[0])
		json_kv_uint(j, "min_ttl", r->cap.min_ttl);
	if (r->cap.dns_err)
		json_kv_str(j, "malformed", r->cap.dns_why ? r->cap.dns_why : "malformed");
	json_kv_bool(j, "socket_reply", c->sock_reply && c->sock_len == r->cap.dns_len &&
		     memcmp(c->sock_reply, r->bytes, r->cap.dns_len) == 0);
	json_obj_end(j);
}

/* Two replies say the same when rcode, answers and malformation agree. */
static bool same_reply(const struct inject_reply *a, const struct inject_reply *b)
{
	return a->cap.rcode == b->cap.rcode && a->cap.dns_err == b->cap.dns_err &&
	       strcmp(a->cap.answers, b->cap.answers) == 0;
}

static void finish(struct probe_inject *c, int err)
{
	struct json j;
	const char *text = "";
	size_t len = 0;
	unsigned distinct = 0, sink = 0, i, k;
	enum probe_inject_status st;
	char a[INET6_ADDRSTRLEN], why[160];
	size_t n;

	if (c->done)
		return;
	c->done = true;
	if (c->timer)
		loop_timer_cancel(c->loop, c->timer);
	c->timer = 0;
	/* Arrival order is pcap's: sort by timestamp (captures are in order on
	 * one interface; "any" merges several). */
	for (i = 1; i < c->nreplies; i++)
		for (k = i; k > 0 && c->replies[k].ts < c->replies[k - 1].ts; k--) {
			struct inject_reply t = c->replies[k];

			c->replies[k] = c->replies[k - 1];
			c->replies[k - 1] = t;
		}
	for (i = 0; i < c->nreplies; i++) {
		if (c->replies[i].from_sink) {
			sink++;
			continue;
		}
		for (k = 0; k < i; k++)
			if (!c->replies[k].from_sink && same_reply(&c->replies[k], &c->replies[i]))
				break;
		if (k == i)
			distinct++;
	}
	if (sink) {
		st = PROBE_INJECT_FAIL;
		snprintf(why, sizeof(why), "%u repl%s from the sink, which runs no DNS server", sink,
			 sink == 1 ? "y" : "ies");
	} else if (distinct > 1) {
		st = PROBE_INJECT_FAIL;
		snprintf(why, sizeof(why), "%u distinct replies to one query", distinct);
	} else if (err) {
		st = PROBE_INJECT_SUSPECT;
		snprintf(why, sizeof(why), "capture failed: %s", strerror(-err));
	} else if (c->nreplies == 0) {
		st = PROBE_INJECT_SUSPECT;
		snprintf(why, sizeof(why), "no reply captured");
	} else {
		st = PROBE_INJECT_PASS;
		snprintf(why, sizeof(why), "one reply%s", c->nreplies > 1 ? " (repeated)" : "");
	}
	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "status", probe_inject_status_name(st));
	json_kv_str(&j, "reason", why);
	json_kv_str(&j, "interface", c->ifname);
	addr_text(c->server.ss_family, ss_addr(&c->server, &n), a, sizeof(a));
	json_kv_str(&j, "server", a);
	if (c->sink.ss_family) {
		addr_text(c->sink.ss_family, ss_addr(&c->sink, &n), a, sizeof(a));
		json_kv_str(&j, "sink", a);
	}
	json_kv_uint(&j, "query_id", c->id);
	json_kv_uint(&j, "port", c->port);
	json_kv_uint(&j, "window_ms", c->window_ms);
	json_kv_bool(&j, "pcap_clock", c->t_query != 0);
	json_kv_uint(&j, "distinct", distinct);
	json_kv_uint(&j, "sink_replies", sink);
	if (c->overflow)
		json_kv_uint(&j, "not_kept", c->overflow);
	json_key(&j, "replies");
	json_arr_begin(&j);
	for (i = 0; i < c->nreplies; i++)
		reply_json(c, &j, &c->replies[i], i + 1);
	json_arr_end(&j);
	json_obj_end(&j);
	if (json_finish(&j, &text, &len) != 0) {
		text = "{\"status\":\"suspect\",\"reason\":\"out of memory\"}";
		len = strlen(text);
		st = PROBE_INJECT_SUSPECT;
		err = err ? err : -ENOMEM;
	}
	c->cb(c->arg, st, err, text, len);
	json_free(&j);
}

static void on_timeout(struct loop *l, void *arg)
{
	struct probe_inject *c = arg;

	(void)l;
	c->timer = 0;
	on_window(l, c);
}

/* pcap_activate's failure as -errno with a message. */
static int pcap_fail(pcap_t *p, int rc, const char *ifname, char *errbuf, size_t errlen)
{
	if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
		snprintf(errbuf, errlen, "capturing on %s needs CAP_NET_RAW: %s", ifname,
			 pcap_geterr(p));
		return -EPERM;
	}
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		snprintf(errbuf, errlen, "no interface %s to capture on", ifname);
		return -ENODEV;
	}
	snprintf(errbuf, errlen, "pcap on %s: %s", ifname, pcap_geterr(p));
	return -EIO;
}

static int open_capture(struct probe_inject *c, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "", filter[160];
	struct bpf_program prog;
	int rc;

	c->pcap = pcap_create(c->ifname, perr);
	if (!c->pcap) {
		snprintf(errbuf, errlen, "pcap on %s: %s", c->ifname, perr);
		return -EIO;
	}
	pcap_set_snaplen(c->pcap, SNAPLEN);
	pcap_set_immediate_mode(c->pcap, 1);
	pcap_set_buffer_size(c->pcap, 1 << 20);
	rc = pcap_activate(c->pcap);
	if (rc < 0)
		return pcap_fail(c->pcap, rc, c->ifname, errbuf, errlen);
	if (pcap_setnonblock(c->pcap, 1, perr) < 0) {
		snprintf(errbuf, errlen, "pcap nonblock: %s", perr);
		return -EIO;
	}
	/* Replies to our port, and our own query out (the delay's zero). */
	snprintf(filter, sizeof(filter),
		 "udp and ((src port 53 and dst port %u) or (src port %u and dst port 53))",
		 c->port, c->port);
	if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(errbuf, errlen, "pcap filter: %s", pcap_geterr(c->pcap));
		return -EINVAL;
	}
	rc = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		snprintf(errbuf, errlen, "pcap filter: %s", pcap_geterr(c->pcap));
		return -EINVAL;
	}
	c->linktype = pcap_datalink(c->pcap);
	c->pfd = pcap_get_selectable_fd(c->pcap);
	if (c->pfd < 0) {
		snprintf(errbuf, errlen, "pcap on %s has no selectable fd", c->ifname);
		return -EIO;
	}
	return 0;
}

/* Bind to a random port unless the path already bound one. */
static int bind_port(struct probe_inject *c, int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if ((family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
			       : ((struct sockaddr_in6 *)&ss)->sin6_port) == 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if (bind(c->fd, (struct sockaddr *)&ss, len) < 0)
			return -errno;
		len = sizeof(ss);
		if (getsockname(c->fd, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
	}
	c->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

int probe_inject_start(struct loop *l, const struct probe_inject_opts *o, probe_inject_cb cb,
		       void *arg, struct probe_inject **out, char *errbuf, size_t errlen)
{
	struct probe_inject *c;
	uint8_t q[300];
	size_t qlen;
	int family = o->server.ss_family, rc;
	socklen_t slen = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	snprintf(errbuf, errlen, "internal error");
	if ((family != AF_INET && family != AF_INET6) || !o->name || !cb ||
	    (o->sink.ss_family && o->sink.ss_family != family)) {
		snprintf(errbuf, errlen, "the server and sink must be addresses of one family");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	c->cb = cb;
	c->arg = arg;
	c->fd = c->pfd = -1;
	c->server = o->server;
	c->sink = o->sink;
	c->window_ms = o->window_ms ? o->window_ms : 1000;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : 3000;
	if (getrandom(&c->id, sizeof(c->id), 0) != sizeof(c->id))
		c->id = (uint16_t)(now_real() * 1e6);
	rc = probe_inject_query(c->id, o->name, o->qtype ? o->qtype : 1, q, sizeof(q), &qlen);
	if (rc) {
		snprintf(errbuf, errlen, "%s: not a name to query", o->name);
		goto fail;
	}
	c->fd = probe_socket(family, SOCK_DGRAM, 0, o->path);
	if (c->fd < 0) {
		rc = c->fd;
		snprintf(errbuf, errlen, "socket: %s", strerror(-rc));
		goto fail;
	}
	rc = bind_port(c, family);
	if (rc) {
		snprintf(errbuf, errlen, "bind: %s", strerror(-rc));
		goto fail;
	}
	pick_ifname(o, slen, c->ifname, sizeof(c->ifname));
	rc = open_capture(c, errbuf, errlen);
	if (rc)
		goto fail;
	rc = loop_fd_add(l, c->pfd, EPOLLIN, on_pcap, c);
	if (rc) {
		snprintf(errbuf, errlen, "loop: %s", strerror(-rc));
		c->pfd = -1;
		goto fail;
	}
	rc = loop_fd_add(l, c->fd, EPOLLIN, on_sock, c);
	if (rc) {
		snprintf(errbuf, errlen, "loop: %s", strerror(-rc));
		goto fail_pfd;
	}
	c->t_sent = now_real();
	if (sendto(c->fd, q, qlen, 0, (const struct sockaddr *)&c->server, slen) < 0) {
		rc = -errno;
		snprintf(errbuf, errlen, "send to the server: %s", strerror(errno));
		goto fail_fd;
	}
	/* The sink gets the same query; its failure to send is not fatal
	 * (no route to it is itself no injection). */
	if (c->sink.ss_family)
		(void)sendto(c->fd, q, qlen, 0, (const struct sockaddr *)&c->sink, slen);
	c->timer = loop_timer_add(l, c->timeout_ms, on_timeout, c);
	if (!c->timer) {
		rc = -ENOMEM;
		goto fail_fd;
	}
	*out = c;
	return 0;
fail_fd:
	loop_fd_del(l, c->fd);
fail_pfd:
	loop_fd_del(l, c->pfd);
	c->pfd = -1;
fail:
	probe_inject_free(c);
	return rc;
}

void probe_inject_free(struct probe_inject *c)
{
	if (!c)
		return;
	if (c->timer)
		loop_timer_cancel(c->loop, c->timer);
	if (c->fd >= 0) {
		loop_fd_del(c->loop, c->fd);
		close(c->fd);
	}
	if (c->pcap) {
		if (c->pfd >= 0)
			loop_fd_del(c->loop, c->pfd);
		pcap_close(c->pcap);
	}
	for (unsigned i = 0; i < c->nreplies; i++)
		free(c->replies[i].bytes);
	free(c->sock_reply);
	free(c);
}
