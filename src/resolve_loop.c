/* resolve_loop.c: the resolver object, its c-ares channel and the glue that
 * runs the channel on the loop.
 *
 * c-ares tells us which sockets it wants watched through the socket state
 * callback; each becomes a loop fd watcher that hands readiness to
 * ares_process_fd(). Retransmissions and timeouts need no socket event, so
 * one loop timer follows ares_timeout() and calls ares_process_fd() with
 * no socket when it fires. After every call into c-ares the timer is set
 * again (resolver_sync), since any call may start or finish a query. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

static void on_timer(struct loop *l, void *arg);

void resolver_sync(struct resolver *r)
{
	struct timeval tv, *t;
	uint64_t ms;

	if (r->timer)
		loop_timer_cancel(r->loop, r->timer);
	r->timer = 0;
	if (r->freeing)
		return;
	t = ares_timeout(r->channel, NULL, &tv);
	if (!t)
		return;
	/* Rounded up: c-ares does nothing if woken before the deadline. */
	ms = (uint64_t)t->tv_sec * 1000 + ((uint64_t)t->tv_usec + 999) / 1000;
	r->timer = loop_timer_add(r->loop, ms, on_timer, r);
}

void resolver_sync_lazy(struct resolver *r)
{
	if (!r->timer)
		resolver_sync(r);
}

static void on_timer(struct loop *l, void *arg)
{
	struct resolver *r = arg;

	r->timer = 0;
	r->busy++;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	r->busy--;
	resolver_sync(r);
}

static void on_reap(struct loop *l, void *arg)
{
	struct resolver *r = arg;

	r->reap_timer = 0;
	if (r->n_ares && r->n_ares == r->n_orphans) {
		r->busy++;
		ares_cancel(r->channel);
		r->busy--;
		resolver_sync(r);
	}
}

void resolver_orphaned(struct resolver *r)
{
	if (r->n_ares == r->n_orphans && !r->reap_timer && !r->freeing)
		r->reap_timer = loop_timer_add(r->loop, 0, on_reap, r);
}

static void on_sock(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct resolver *r = arg;
	/* Errors are reported as readiness so c-ares reads the error. */
	bool err = events & (EPOLLERR | EPOLLHUP);

	r->busy++;
	ares_process_fd(r->channel, (events & EPOLLIN) || err ? fd : ARES_SOCKET_BAD,
	    (events & EPOLLOUT) || err ? fd : ARES_SOCKET_BAD);
	r->busy--;
	resolver_sync_lazy(r);
}

static ssize_t find_fd(const struct resolver *r, int fd)
{
	for (size_t i = 0; i < r->n_fds; i++)
		if (r->fds[i] == fd)
			return (ssize_t)i;
	return -1;
}

/* c-ares opened, changed or is about to close one of its sockets. A socket
 * the loop cannot watch (no memory) still times out through the timer. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	uint32_t want = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	ssize_t i = find_fd(r, fd);

	if (!want) {
		if (i >= 0) {
			loop_fd_del(r->loop, fd);
			r->fds[i] = r->fds[--r->n_fds];
		}
		return;
	}
	if (i >= 0) {
		loop_fd_mod(r->loop, fd, want);
		return;
	}
	if (r->n_fds == r->cap_fds) {
		size_t cap = r->cap_fds ? r->cap_fds * 2 : 4;
		int *n = reallocarray(r->fds, cap, sizeof(*n));

		if (!n)
			return;
		r->fds = n;
		r->cap_fds = cap;
	}
	if (loop_fd_add(r->loop, fd, want, on_sock, r) == 0)
		r->fds[r->n_fds++] = fd;
}

/* "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353". */
static int parse_server(const char *s, struct ares_addr_port_node *n)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	size_t len;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		len = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -EINVAL;
		s++;
	} else if ((end = strchr(s, ':')) != NULL && !strchr(end + 1, ':')) {
		len = (size_t)(end - s);
		port = end + 1;
	} else {
		len = strlen(s);
	}
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &n->addr.addr4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &n->addr.addr6) == 1)
		n->family = AF_INET6;
	else
		return -EINVAL;
	n->udp_port = n->tcp_port = 53;
	if (port) {
		char *e;
		unsigned long p;

		if (*port < '0' || *port > '9')
			return -EINVAL;
		errno = 0;
		p = strtoul(port, &e, 10);
		if (errno || *e || p == 0 || p > 65535)
			return -EINVAL;
		n->udp_port = n->tcp_port = (int)p;
	}
	return 0;
}

static int set_servers(struct resolver *r, ares_channel ch)
{
	struct ares_addr_port_node *nodes;
	int rc = 0;

	if (r->n_servers_opt == 0)
		return 0;
	nodes = calloc(r->n_servers_opt, sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_servers_opt && rc == 0; i++) {
		rc = parse_server(r->servers[i], &nodes[i]);
		nodes[i].next = i + 1 < r->n_servers_opt ? &nodes[i + 1] : NULL;
	}
	if (rc == 0 && ares_set_servers_ports(ch, nodes) != ARES_SUCCESS)
		rc = -ENOMEM;
	free(nodes);
	return rc;
}

static size_t count_servers(ares_channel ch)
{
	struct ares_addr_port_node *list = NULL, *n;
	size_t count = 0;

	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS)
		return 0;
	for (n = list; n; n = n->next)
		count++;
	ares_free_data(list);
	return count;
}

static const char *conf_path(const struct resolver *r)
{
	return r->resolv_conf ? r->resolv_conf : "/etc/resolv.conf";
}

/* SO_MARK on each socket c-ares opens: the mark routes it like the probe
 * that asked for it. A socket that cannot be marked is not used. */
static int on_socket(ares_socket_t fd, int type, void *data)
{
	struct resolver *r = data;

	if (r->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &r->mark, sizeof(r->mark)) < 0)
		return -1;
	return 0;
}

/* Interface, source and mark of the options on a channel; 0 or -EINVAL. */
static int set_path(struct resolver *r, ares_channel ch)
{
	if (r->ifname)
		ares_set_local_dev(ch, r->ifname);
	if (r->source) {
		struct in_addr a4;
		unsigned char a6[16];

		if (inet_pton(AF_INET, r->source, &a4) == 1)
			ares_set_local_ip4(ch, ntohl(a4.s_addr));
		else if (inet_pton(AF_INET6, r->source, a6) == 1)
			ares_set_local_ip6(ch, a6);
		else
			return -EINVAL;
	}
	if (r->mark)
		ares_set_socket_callback(ch, on_socket, r);
	return 0;
}

/* A channel from the kept options; 0 or -errno. */
static int open_channel(struct resolver *r, ares_channel *out)
{
	struct ares_options ao;
	int mask = ARES_OPT_SOCK_STATE_CB, rc;

	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = sock_state;
	ao.sock_state_cb_data = r;
	if (r->timeout_ms || r->no_system_config) {
		ao.timeout = r->timeout_ms ? (int)(r->timeout_ms > INT_MAX ? INT_MAX : r->timeout_ms) :
		    2000;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (r->tries || r->no_system_config) {
		ao.tries = r->tries ? (int)(r->tries > 100 ? 100 : r->tries) : 2;
		mask |= ARES_OPT_TRIES;
	}
	ao.flags = (r->use_tcp ? ARES_FLAG_USEVC : 0) | (r->ignore_tc ? ARES_FLAG_IGNTC : 0) |
	    (r->raw_replies ? ARES_FLAG_NOCHECKRESP : 0);
	if (ao.flags)
		mask |= ARES_OPT_FLAGS;
	if (r->no_system_config) {
		/* No search list, not even the host's own domain: a name means
		 * exactly itself, and only the given servers hear of it. */
		ao.resolvconf_path = (char *)"/dev/null";
		ao.ndomains = 0;
		ao.lookups = (char *)"fb";
		ao.ndots = 1;
		mask |= ARES_OPT_RESOLVCONF | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_NDOTS;
	} else {
		/* Noted before reading, so a change while c-ares reads shows
		 * up next time rather than never. */
		r->conf_seen = stat(conf_path(r), &r->conf_st) == 0;
		if (r->resolv_conf) {
			ao.resolvconf_path = r->resolv_conf;
			mask |= ARES_OPT_RESOLVCONF;
		}
	}
	rc = ares_init_options(out, &ao, mask);
	if (rc != ARES_SUCCESS)
		return rc == ARES_ENOMEM ? -ENOMEM : -EIO;
	if ((rc = set_servers(r, *out)) < 0 || (rc = set_path(r, *out)) < 0) {
		ares_destroy(*out);
		return rc;
	}
	return 0;
}

static int keep_opts(struct resolver *r, const struct resolver_opts *o)
{
	struct ares_addr_port_node check;

	r->no_system_config = o->no_system_config;
	r->timeout_ms = o->timeout_ms;
	r->tries = o->tries;
	r->mark = o->mark;
	r->use_tcp = o->use_tcp;
	r->ignore_tc = o->ignore_tc;
	r->raw_replies = o->raw_replies;
	if (o->ifname && !(r->ifname = strdup(o->ifname)))
		return -ENOMEM;
	if (o->source) {
		struct in6_addr a;

		if (inet_pton(AF_INET, o->source, &a) != 1 && inet_pton(AF_INET6, o->source, &a) != 1)
			return -EINVAL;
		if (!(r->source = strdup(o->source)))
			return -ENOMEM;
	}
	if (o->resolv_conf && !(r->resolv_conf = strdup(o->resolv_conf)))
		return -ENOMEM;
	if (o->n_servers == 0)
		return 0;
	r->servers = calloc(o->n_servers, sizeof(*r->servers));
	if (!r->servers)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_servers; i++) {
		if (!o->servers[i] || parse_server(o->servers[i], &check) < 0)
			return -EINVAL;
		if (!(r->servers[r->n_servers_opt++] = strdup(o->servers[i])))
			return -ENOMEM;
	}
	return 0;
}

void resolver_refresh(struct resolver *r)
{
	struct stat st;
	ares_channel ch;
	bool seen;

	/* Never under c-ares' feet: a lookup started from a callback that
	 * ares_process_fd() runs must not destroy the channel it walks. */
	if (r->no_system_config || r->n_ares || r->busy)
		return;
	seen = stat(conf_path(r), &st) == 0;
	if (seen == r->conf_seen && (!seen || (st.st_dev == r->conf_st.st_dev &&
	    st.st_ino == r->conf_st.st_ino && st.st_size == r->conf_st.st_size &&
	    st.st_mtim.tv_sec == r->conf_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == r->conf_st.st_mtim.tv_nsec)))
		return;
	/* The old channel stays when the new one cannot be had. */
	if (open_channel(r, &ch) < 0)
		return;
	ares_destroy(r->channel);
	r->channel = ch;
	r->n_servers = count_servers(ch);
}

int resolver_new(struct loop *l, const struct resolver_opts *opts, struct resolver **out)
{
	static const struct resolver_opts system_config;
	const struct resolver_opts *o = opts ? opts : &system_config;
	struct resolver *r;
	int rc;

	*out = NULL;
	if (o->no_system_config && o->n_servers == 0)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = l;
	if ((rc = keep_opts(r, o)) < 0) {
		resolver_free(r);
		return rc;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		resolver_free(r);
		return -ENOMEM;
	}
	r->library = true;
	if ((rc = open_channel(r, &r->channel)) < 0) {
		resolver_free(r);
		return rc;
	}
	r->channel_ok = true;
	r->n_servers = count_servers(r->channel);
	*out = r;
	return 0;
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	r->freeing = true;
	if (r->timer)
		loop_timer_cancel(r->loop, r->timer);
	r->timer = 0;
	if (r->reap_timer)
		loop_timer_cancel(r->loop, r->reap_timer);
	/* Ends every query in c-ares (their callbacks see r->freeing and
	 * only free) and reports each socket closed. */
	if (r->channel_ok)
		ares_destroy(r->channel);
	resolver_queries_drop(r);
	for (size_t i = 0; i < r->n_fds; i++)
		loop_fd_del(r->loop, r->fds[i]);
	free(r->fds);
	if (r->library)
		ares_library_cleanup();
	for (size_t i = 0; i < r->n_servers_opt; i++)
		free(r->servers[i]);
	free(r->servers);
	free(r->resolv_conf);
	free(r->ifname);
	free(r->source);
	free(r);
}

size_t resolver_pending(const struct resolver *r)
{
	return r->pending;
}

size_t resolver_server_count(const struct resolver *r)
{
	return r->n_servers;
}
