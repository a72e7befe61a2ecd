/* probe_ping.c: the ping probe type: targets, sockets and the send schedule.
 *
 * One socket per family carries every target's probes. The schedule is a
 * single loop timer over two FIFOs: targets in order of their next send
 * (every target has the same period, so sending in order keeps the queue
 * sorted) and targets in order of their result deadline. Each tick sends
 * what the rate allows, so the cost is per packet, not per target or per
 * timer. Replies are matched in ping_rx.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ping_int.h"

/* When the loop was late, send what was missed, but no more than this:
 * a stalled process must not burst a whole second's worth. */
#define CATCHUP_NS	(2 * 1000000LL)
/* Packets sent per tick before replies get a turn. */
#define TICK_BURST	256

static void tick(struct loop *l, void *arg);

static void arm(struct ping *p, int64_t now, int64_t at)
{
	uint64_t delay = at <= now ? 0 : (uint64_t)((at - now + 999999) / 1000000);

	if (p->timer) {
		if (p->timer_at <= at)
			return;
		loop_timer_cancel(p->loop, p->timer);
	}
	p->timer = loop_timer_add(p->loop, delay, tick, p);
	p->timer_at = at;
}

static void sendq_push(struct ping *p, uint32_t i)
{
	p->sendq[(p->sq_head + p->sq_len++) % p->n] = i;
}

static void sendq_pop(struct ping *p)
{
	p->sq_head = (p->sq_head + 1) % p->n;
	p->sq_len--;
}

/* Everything is reported: the job may end. */
void ping_check_finished(struct ping *p)
{
	if (p->finished || p->reported < p->n)
		return;
	p->finished = true;
	if (p->timer)
		loop_timer_cancel(p->loop, p->timer);
	p->timer = 0;
	ping_report_ignored(p);
	probe_job_finish(p->job, 0);
}

void ping_done(struct ping *p, uint32_t i)
{
	if (p->t[i].state == PT_REPORTED)
		return;
	ping_report(p, i);
	p->t[i].state = PT_REPORTED;
	probe_stats_free(&p->t[i].st);
	p->reported++;
}

static struct probe_icmp_sock *sock_of(struct ping *p, int family)
{
	return family == AF_INET ? &p->sock4 : &p->sock6;
}

/* Send target i its next probe: 0, or -EAGAIN to try again later. */
static int send_one(struct ping *p, uint32_t i)
{
	struct ping_target *t = &p->t[i];
	struct probe_icmp_sock *s = sock_of(p, t->family);
	size_t slot = (size_t)i * p->count + t->next;
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t len;
	int rc;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = t->family;
	if (t->family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, t->addr, 4);
		sl = sizeof(struct sockaddr_in);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, t->addr, 16);
		sl = sizeof(struct sockaddr_in6);
	}
	/* ping's numbering: the first icmp_seq is 1. */
	len = probe_icmp_build(t->family, p->pkt, p->pkt_cap, s->id,
	    (uint16_t)(t->next + 1), p->cookie, i, t->next, p->size);
	rc = probe_icmp_send(s, (struct sockaddr *)&ss, sl, p->pkt, len, (uint32_t)slot,
	    &p->tx_ns[slot]);
	if (rc == -EAGAIN || rc == -ENOBUFS)
		return -EAGAIN;
	p->pflags[slot] = PF_SENT;
	if (rc < 0) {
		/* No route, a firewall: the probe is lost, and says why. */
		p->pflags[slot] |= PF_ERROR;
		t->send_fail++;
		t->send_errno = -rc;
	}
	t->next++;
	t->st.sent++;
	return 0;
}

static void tick(struct loop *l, void *arg)
{
	struct ping *p = arg;
	int64_t now = probe_icmp_mono_ns(), at = INT64_MAX;
	unsigned burst = 0;
	bool again = false;

	(void)l;
	p->timer = 0;
	if (p->next_send < now - CATCHUP_NS)
		p->next_send = now - CATCHUP_NS;
	while (p->sq_len && p->next_send <= now) {
		uint32_t i = p->sendq[p->sq_head];
		struct ping_target *t = &p->t[i];

		if (t->due > now)
			break;
		if (burst++ >= TICK_BURST || send_one(p, i) < 0) {
			again = true;
			break;
		}
		p->next_send += p->step_ns;
		sendq_pop(p);
		if (t->next < p->count) {
			t->due = t->due + p->interval_ns > now ? t->due + p->interval_ns : now;
			sendq_push(p, i);
		} else {
			t->deadline = now + p->timeout_ns;
			p->doneq[p->dq_len++] = i;
		}
	}
	while (p->dq_head < p->dq_len) {
		uint32_t i = p->doneq[p->dq_head];

		if (p->t[i].state != PT_REPORTED && p->t[i].deadline > now)
			break;
		p->dq_head++;
		ping_done(p, i);
	}
	ping_check_finished(p);
	if (p->finished)
		return;
	if (again)
		at = now;
	if (p->sq_len) {
		int64_t d = p->t[p->sendq[p->sq_head]].due;

		d = d > p->next_send ? d : p->next_send;
		at = d < at ? d : at;
	}
	if (p->dq_head < p->dq_len && p->t[p->doneq[p->dq_head]].deadline < at)
		at = p->t[p->doneq[p->dq_head]].deadline;
	if (at != INT64_MAX)
		arm(p, now, at);
}

/* A target's address is known: into the table and the send queue. */
static void activate(struct ping *p, uint32_t i, int family, const void *addr)
{
	struct ping_target *t = &p->t[i];
	int64_t now = probe_icmp_mono_ns();

	t->family = (uint8_t)family;
	memcpy(t->addr, addr, family == AF_INET ? 4 : 16);
	t->state = PT_ACTIVE;
	ping_table_add(&p->table, p->t, i);
	/* Behind everyone already queued, to keep the queue in order. */
	t->due = now;
	if (p->sq_len) {
		int64_t tail = p->t[p->sendq[(p->sq_head + p->sq_len - 1) % p->n]].due;

		t->due = tail > now ? tail : now;
	}
	sendq_push(p, i);
}

static void fail_target(struct ping *p, uint32_t i, const char *why)
{
	free(p->t[i].err);
	p->t[i].err = strdup(why);
	ping_done(p, i);
}

static void resolved(int status, struct resolver_result *res, void *arg)
{
	struct ping_resolve *ra = arg;
	struct ping *p = ra->p;
	uint32_t i = ra->i;
	int family = probe_job_spec(p->job)->family;
	const struct resolver_addr *a = NULL;

	p->t[i].q = NULL;
	p->resolving--;
	for (size_t k = 0; status == 0 && k < res->n && !a; k++)
		if ((family == AF_UNSPEC || res->addr[k].family == family) &&
		    sock_of(p, res->addr[k].family)->fd >= 0)
			a = &res->addr[k];
	if (a) {
		activate(p, i, a->family, a->family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr);
		arm(p, probe_icmp_mono_ns(), 0);
	} else {
		fail_target(p, i, status ? resolver_strerror(status) :
		    "no address of the family asked for");
	}
	resolver_result_free(res);
	ping_check_finished(p);
}

/* Fill in the defaults and refuse what cannot work, naming the numbers. */
static int check_spec(struct ping *p, const struct probe_spec *sp, bool raw)
{
	struct probe_job *j = p->job;

	p->count = sp->count ? sp->count : PING_COUNT;
	uint64_t interval = sp->interval_ms ? sp->interval_ms : PING_INTERVAL_MS;
	uint64_t timeout = sp->timeout_ms ? sp->timeout_ms : PING_TIMEOUT_MS;

	p->size = sp->size ? sp->size : PING_SIZE;
	p->rate = sp->rate > 0 ? sp->rate : raw ? PING_RATE : PING_USER_MAX_RATE;
	if (!(sp->rate >= 0) || sp->rate > 1e7) {
		probe_job_error(j, "rate %g packets/s is out of range (0 < rate <= 10000000)", sp->rate);
		return -EINVAL;
	}
	if (p->size < PROBE_ICMP_MARK_LEN || p->size > PROBE_ICMP_MAX_SIZE) {
		probe_job_error(j, "size %zu is out of range: the payload carries a %d-byte "
		    "cookie and probe number, and an IPv4 datagram holds %d bytes of it",
		    p->size, PROBE_ICMP_MARK_LEN, PROBE_ICMP_MAX_SIZE);
		return -EINVAL;
	}
	if (interval > 86400000 || timeout > 86400000) {
		probe_job_error(j, "interval %" PRIu64 " ms or timeout %" PRIu64
		    " ms is above a day", interval, timeout);
		return -EINVAL;
	}
	if (!raw && interval < PING_USER_MIN_MS) {
		probe_job_error(j, "interval %" PRIu64 " ms is below the %d ms an unprivileged "
		    "user may use (like iputils ping); CAP_NET_RAW lifts the limit",
		    interval, PING_USER_MIN_MS);
		return -EINVAL;
	}
	if (!raw && p->rate > PING_USER_MAX_RATE) {
		probe_job_error(j, "rate %g packets/s is above the %g an unprivileged user may "
		    "send (one per %d ms, like iputils ping); CAP_NET_RAW lifts the limit",
		    p->rate, PING_USER_MAX_RATE, PING_USER_MIN_MS);
		return -EINVAL;
	}
	if ((uint64_t)p->n * p->count > UINT32_MAX) {
		probe_job_error(j, "%zu targets x %u probes is more than 2^32 probes", p->n, p->count);
		return -E2BIG;
	}
	p->interval_ns = (int64_t)interval * 1000000;
	p->timeout_ns = (int64_t)timeout * 1000000;
	p->step_ns = (int64_t)(1e9 / p->rate);
	return 0;
}

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg);

/* Both families' sockets, or the one needed; an explanation if neither opens. */
static int open_sockets(struct ping *p, bool need4, bool need6)
{
	const struct probe_spec *sp = probe_job_spec(p->job);
	int rc4 = -EAFNOSUPPORT, rc6 = -EAFNOSUPPORT, rc;

	p->sock4.fd = p->sock6.fd = -1;
	if (need4)
		rc4 = probe_icmp_open(&p->sock4, AF_INET, &sp->path, true);
	if (need6)
		rc6 = probe_icmp_open(&p->sock6, AF_INET6, &sp->path, true);
	if (rc4 == 0 || rc6 == 0) {
		if (rc4 == 0 && (rc = loop_fd_add(p->loop, p->sock4.fd, EPOLLIN, on_sock, p)) < 0)
			return rc;
		if (rc6 == 0 && (rc = loop_fd_add(p->loop, p->sock6.fd, EPOLLIN, on_sock, p)) < 0)
			return rc;
		return 0;
	}
	rc = need4 ? rc4 : rc6;
	if (rc == -EPERM) {
		char range[64] = "?";
		FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "re");

		if (f) {
			if (fgets(range, sizeof(range), f))
				range[strcspn(range, "\n")] = '\0';
			fclose(f);
		}
		probe_job_error(p->job, "cannot open an ICMP socket: raw sockets need CAP_NET_RAW, "
		    "and unprivileged ICMP sockets need group %u inside net.ipv4.ping_group_range "
		    "(now \"%s\")", (unsigned)getgid(), range);
	} else {
		probe_job_error(p->job, "cannot open an ICMP socket: %s", strerror(-rc));
	}
	return rc;
}

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ping *p = arg;

	(void)l;
	(void)events;
	ping_rx(p, fd == p->sock4.fd ? &p->sock4 : &p->sock6);
	ping_check_finished(p);
}

static int parse_numeric(const char *s, uint8_t *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

static void stop(struct probe_job *j);

static int start(struct probe_job *j)
{
	const struct probe_spec *sp = probe_job_spec(j);
	struct ping *p = calloc(1, sizeof(*p));
	bool need4 = false, need6 = false;
	uint8_t addr[16];
	int rc;

	if (!p)
		return -ENOMEM;
	p->job = j;
	p->loop = probe_job_loop(j);
	p->n = probe_job_ntargets(j);
	p->sock4.fd = p->sock6.fd = -1;
	json_init(&p->js);
	probe_job_set_priv(j, p);
	if (!p->n) {
		probe_job_error(j, "no target to ping");
		return -EINVAL;
	}
	/* Numeric targets say which sockets are needed; names need both. */
	for (size_t i = 0; i < p->n; i++) {
		int f = parse_numeric(probe_job_target(j, i), addr);

		need4 |= f == AF_INET || (f == AF_UNSPEC && sp->family != AF_INET6);
		need6 |= f == AF_INET6 || (f == AF_UNSPEC && sp->family != AF_INET);
	}
	if (sp->family == AF_INET)
		need6 = false;
	if (sp->family == AF_INET6)
		need4 = false;
	if (!need4 && !need6) {
		probe_job_error(j, "no target of the address family asked for");
		return -EINVAL;
	}
	if ((rc = open_sockets(p, need4, need6)) < 0)
		return rc;
	bool raw = p->sock4.fd >= 0 ? p->sock4.raw : p->sock6.raw;

	if ((rc = check_spec(p, sp, raw)) < 0)
		return rc;
	if (!raw)
		probe_job_note(j, "using unprivileged ICMP sockets (no CAP_NET_RAW)");
	if (getrandom(p->cookie, sizeof(p->cookie), 0) != sizeof(p->cookie))
		return -EIO;
	p->pkt_cap = PROBE_ICMP_HDR_LEN + p->size;
	/* Replies may quote a full request behind an IP header or two. */
	p->rbuf_cap = p->pkt_cap + 128;
	size_t probes = p->n * p->count;

	p->t = calloc(p->n, sizeof(*p->t));
	p->tx_ns = calloc(probes, sizeof(*p->tx_ns));
	p->pflags = calloc(probes, 1);
	p->sendq = calloc(p->n, sizeof(*p->sendq));
	p->doneq = calloc(p->n, sizeof(*p->doneq));
	p->pkt = malloc(p->pkt_cap);
	p->rbuf = malloc(p->rbuf_cap);
	if (!p->t || !p->tx_ns || !p->pflags || !p->sendq || !p->doneq || !p->pkt || !p->rbuf ||
	    ping_table_init(&p->table, p->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		p->t[i].ttl = -1;
		probe_stats_init(&p->t[i].st);
	}
	for (uint32_t i = 0; i < p->n; i++) {
		const char *name = probe_job_target(j, i);
		int f = parse_numeric(name, addr);
		struct ping_resolve *ra;

		if (f != AF_UNSPEC && sock_of(p, f)->fd >= 0) {
			activate(p, i, f, addr);
			continue;
		}
		/* Numeric of the other family, or a name. */
		p->t[i].state = PT_RESOLVING;
		if (!p->rargs && !(p->rargs = calloc(p->n, sizeof(*p->rargs))))
			return -ENOMEM;
		ra = &p->rargs[i];
		ra->p = p;
		ra->i = i;
		p->resolving++;
		/* The resolver wants a port; ICMP has none, any will do. */
		if ((rc = resolver_getaddrinfo(probe_job_resolver(j), name, "7", resolved, ra,
		    &p->t[i].q)) < 0) {
			p->resolving--;
			probe_job_error(j, "cannot look up %s: %s", name, strerror(-rc));
			return rc;
		}
	}
	p->next_send = probe_icmp_mono_ns();
	arm(p, p->next_send, 0);
	if (!p->timer)
		return -ENOMEM;
	return 0;
}

static void stop(struct probe_job *j)
{
	struct ping *p = probe_job_priv(j);

	if (!p)
		return;
	if (p->timer)
		loop_timer_cancel(p->loop, p->timer);
	for (int k = 0; k < 2; k++) {
		struct probe_icmp_sock *s = k ? &p->sock6 : &p->sock4;

		if (s->fd >= 0)
			loop_fd_del(p->loop, s->fd);
		probe_icmp_close(s);
	}
	for (size_t i = 0; p->t && i < p->n; i++) {
		resolver_cancel(p->t[i].q);
		probe_stats_free(&p->t[i].st);
		free(p->t[i].err);
	}
	ping_table_free(&p->table);
	json_free(&p->js);
	free(p->t);
	free(p->tx_ns);
	free(p->pflags);
	free(p->sendq);
	free(p->doneq);
	free(p->pkt);
	free(p->rbuf);
	free(p->rargs);
	free(p);
	probe_job_set_priv(j, NULL);
}

/* Interrupted: report what each target has, like ping(8) on ^C. A probe
 * still within its timeout has had no chance to answer, so it does not
 * count as sent. */
static void drain(struct probe_job *j)
{
	struct ping *p = probe_job_priv(j);
	int64_t now = probe_icmp_real_ns();

	if (!p || p->finished)
		return;
	for (uint32_t i = 0; i < p->n; i++) {
		struct ping_target *t = &p->t[i];

		if (t->state == PT_REPORTED)
			continue;
		for (uint32_t k = 0; k < t->next; k++) {
			size_t slot = (size_t)i * p->count + k;

			if ((p->pflags[slot] & (PF_ANSWERED | PF_ERROR)) == 0 &&
			    now - p->tx_ns[slot] < p->timeout_ns && t->st.sent)
				t->st.sent--;
		}
		if (t->state == PT_RESOLVING) {
			resolver_cancel(t->q);
			t->q = NULL;
			free(t->err);
			t->err = strdup("interrupted before the name resolved");
		}
		ping_done(p, i);
	}
	ping_check_finished(p);
}

const struct probe_type_ops probe_ping_ops = {
	.name = "ping", .start = start, .stop = stop, .drain = drain,
};
