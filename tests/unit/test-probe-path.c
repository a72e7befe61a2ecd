/* test-probe-path: a probe's path for a human (probe_path_describe),
 * applied to a real socket, and taken from a [line] (--via): the source
 * a line gives from its host sources, from its interface's addresses
 * inside its prefixes, or none; an unknown line names the known ones. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "conf.h"
#include "probe.h"

static void set4(struct sockaddr_storage *ss, const char *a)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = AF_INET;
	inet_pton(AF_INET, a, &((struct sockaddr_in *)ss)->sin_addr);
}

static const char *ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf,
		    (socklen_t)len);
	if (ss->ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    (socklen_t)len);
	return "none";
}

static void test_describe(void)
{
	struct probe_path p;
	char buf[200];

	probe_path_init(&p);
	probe_path_describe(&p, buf, sizeof(buf));
	is_str(buf, "default path", "nothing set");
	strcpy(p.ifname, "eth2");
	probe_path_describe(&p, buf, sizeof(buf));
	is_str(buf, "from eth2", "interface only");
	set4(&p.src, "192.0.2.10");
	p.has_mark = true;
	p.mark = 0x150;
	probe_path_describe(&p, buf, sizeof(buf));
	is_str(buf, "from eth2, 192.0.2.10, mark 0x150", "interface, source, mark");
	strcpy(p.line, "tel");
	probe_path_describe(&p, buf, sizeof(buf));
	is_str(buf, "via tel (eth2, 192.0.2.10, mark 0x150)", "a line with all three");
	probe_path_init(&p);
	strcpy(p.line, "cu");
	probe_path_describe(&p, buf, sizeof(buf));
	is_str(buf, "via cu", "a line with nothing to bind");
	probe_path_init(&p);
	set4(&p.src, "127.0.0.1");
	probe_path_describe(&p, buf, 10);
	ok(strlen(buf) == 9, "a short buffer is cut, not overrun");
}

/* The path reaches the socket: source bound, TTL and TOS set. */
static void test_apply(void)
{
	struct probe_path p;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[64];
	int fd, v = 0;

	probe_path_init(&p);
	set4(&p.src, "127.0.0.1");
	p.ttl = 7;
	p.tos = 0x20;
	fd = probe_socket(AF_INET, SOCK_DGRAM, 0, &p);
	ok(fd >= 0, "probe_socket with source, ttl, tos");
	getsockname(fd, (struct sockaddr *)&ss, &len);
	is_str(ntop(&ss, buf, sizeof(buf)), "127.0.0.1", "bound to the source");
	len = sizeof(v);
	getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len);
	is_int(v, 7, "TTL set");
	getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len);
	is_int(v, 0x20, "TOS set");
	close(fd);
	is_int(probe_socket(AF_INET6, SOCK_DGRAM, 0, &p), -EAFNOSUPPORT,
	    "an IPv4 source on an IPv6 socket is refused");
	set4(&p.src, "192.0.2.99");
	is_int(probe_socket(AF_INET, SOCK_DGRAM, 0, &p), -EADDRNOTAVAIL,
	    "a source that is not ours: EADDRNOTAVAIL");
}

static struct conf *load(const char *text)
{
	static const struct conf_opts opts = { .schema = &conf_schema_outpost };
	struct conf *conf = NULL;

	if (conf_load_buffer("t.conf", text, strlen(text), &opts, &conf) < 0)
		bail_out("config did not load: %s", conf_diag(conf, 0));
	return conf;
}

/* A fake interface list: eth2 with 10.9.0.5 and 2001:db8:9::5. */
static void test_via_source(void)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in other = { .sin_family = AF_INET };
	struct ifaddrs i6 = { .ifa_name = (char *)"eth2", .ifa_addr = (struct sockaddr *)&a6 };
	struct ifaddrs i4 = { .ifa_next = &i6, .ifa_name = (char *)"eth2",
	    .ifa_addr = (struct sockaddr *)&a4 };
	struct ifaddrs io = { .ifa_next = &i4, .ifa_name = (char *)"eth3",
	    .ifa_addr = (struct sockaddr *)&other };
	struct sockaddr_storage out;
	char buf[64];

	inet_pton(AF_INET, "10.9.0.5", &a4.sin_addr);
	inet_pton(AF_INET6, "2001:db8:9::5", &a6.sin6_addr);
	inet_pton(AF_INET, "10.9.0.6", &other.sin_addr);

	struct conf *c = load("[line \"a\"]\ninterface = eth2\nsource = 10.9.0.0/24\n"
	    "source = 2001:db8:9::/64\n"
	    "[line \"b\"]\ninterface = eth2\nsource = 10.8.0.0/16\nsource = 192.0.2.10\n"
	    "[line \"c\"]\ninterface = eth2\nsource = 172.16.0.0/12\n"
	    "[line \"d\"]\ninterface = eth2\n");

	is_int(probe_via_source(conf_section_find(c, "line", "a"), &io, AF_UNSPEC, &out), 0,
	    "a: found a source");
	is_str(ntop(&out, buf, sizeof(buf)), "10.9.0.5",
	    "a: the interface's address inside a prefix (not eth3's)");
	probe_via_source(conf_section_find(c, "line", "a"), &io, AF_INET6, &out);
	is_str(ntop(&out, buf, sizeof(buf)), "2001:db8:9::5", "a, IPv6: the IPv6 address");
	probe_via_source(conf_section_find(c, "line", "b"), &io, AF_UNSPEC, &out);
	is_str(ntop(&out, buf, sizeof(buf)), "192.0.2.10", "b: a host source wins");
	is_int(probe_via_source(conf_section_find(c, "line", "b"), &io, AF_INET6, &out),
	    -ENOENT, "b, IPv6: nothing fits");
	is_int(probe_via_source(conf_section_find(c, "line", "c"), &io, AF_UNSPEC, &out),
	    -ENOENT, "c: no address inside its prefix");
	is_int(probe_via_source(conf_section_find(c, "line", "d"), &io, AF_UNSPEC, &out),
	    -ENOENT, "d: no sources at all");
	conf_free(c);
}

static void test_via(void)
{
	struct probe_path p;
	char err[256], buf[64];
	struct conf *c = load("[line \"tel\"]\ninterface = lo\nfwmark = 0x150\n"
	    "source = 127.0.0.0/8\n[line \"cu\"]\ninterface = lo\n");

	probe_path_init(&p);
	p.ttl = 9;
	is_int(probe_path_via(&p, c, "tel", AF_UNSPEC, err, sizeof(err)), 0, "via tel");
	is_str(p.ifname, "lo", "tel: interface");
	ok(p.has_mark && p.mark == 0x150, "tel: mark 0x150");
	is_str(ntop(&p.src, buf, sizeof(buf)), "127.0.0.1", "tel: lo's address in 127/8");
	is_str(p.line, "tel", "tel: line name");
	is_int(p.ttl, 9, "tel: the TTL given before is kept");
	probe_path_init(&p);
	is_int(probe_path_via(&p, c, "cu", AF_UNSPEC, err, sizeof(err)), 0, "via cu");
	ok(!p.has_mark && p.src.ss_family == AF_UNSPEC, "cu: no mark, no source");
	is_int(probe_path_via(&p, c, "uni", AF_UNSPEC, err, sizeof(err)), -ENOENT,
	    "via uni: no such line");
	is_str(err, "--via: no [line \"uni\"] in the config; known lines: cu, tel",
	    "the refusal names the known lines");
	conf_free(c);
	c = load("");
	probe_path_via(&p, c, "tel", AF_UNSPEC, err, sizeof(err));
	is_str(err, "--via: no [line \"tel\"] in the config; the config has no [line] section",
	    "no lines at all");
	conf_free(c);
}

int main(void)
{
	test_describe();
	test_apply();
	test_via_source();
	test_via();
	done_testing();
}
