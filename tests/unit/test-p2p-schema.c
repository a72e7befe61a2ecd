/* test-p2p-schema: the [p2p] section of the real schema: every key with
 * its default, the refusals with file:line and words (ports, paths,
 * tracker URLs, the lower bounds of lease and progress-interval, a
 * second [p2p]), and shape = yes needing [node] region and its
 * [region] section. */
#include "config.h"

#include <string.h>

#include "../tap.h"
#include "conf.h"
#include "conf-helpers.h"

static const struct conf_opts opts = { .schema = &conf_schema_outpost };

#define REGION \
	"[region \"chaoyang\"]\nlan = 10.20.0.0/16\nwan-interface = eth2\n" \
	"origin = 198.51.100.0/24\norigin-rate = 20mbit\nline-rate = 100mbit\n"

static const struct { const char *name, *text, *want; } cases[] = {
	{ "an empty [p2p] takes the defaults", "[p2p]\n", "" },
	{ "the DESIGN.md sketch",
	  "[p2p]\nlisten = 6881\ndata-dir = /var/lib/outpost/p2p\nlsd = yes\n", "" },
	{ "every key",
	  "[p2p]\nlisten = 6999\nbind = 10.20.0.5\ndata-dir = /srv/p2p\n"
	  "control = /run/outpost/p2pd.sock\nlsd = no\ntracker = http://10.20.0.1:6969/announce\n"
	  "tracker = https://tracker.example.net/announce\nother-regions = yes\nseed-time = 2d\n"
	  "lease = 10s\nmax-peers = 20\nmax-connections = 200\nmax-download-rate = 50mbit\n"
	  "max-upload-rate = 1mbit\nmax-buffer = 16MiB\nca-file = /etc/outpost/ca.pem\n"
	  "progress-interval = 5m\nshape = no\n", "" },
	{ "listen: 0", "[p2p]\nlisten = 0\n",
	  "a.conf:2: [p2p] listen: '0' is less than the minimum 1" },
	{ "listen: 65536", "[p2p]\nlisten = 65536\n",
	  "a.conf:2: [p2p] listen: '65536' is greater than the maximum 65535" },
	{ "data-dir: relative", "[p2p]\ndata-dir = p2p\n",
	  "a.conf:2: [p2p] data-dir: 'p2p' is not an absolute path (at most 255 bytes)" },
	{ "control: too long for a socket",
	  "[p2p]\ncontrol = /run/outpost/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	  "a.conf:2: [p2p] control: '/run/outpost/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
	  " (117 bytes)' is not an absolute path of at most 107 bytes (a Unix socket)" },
	{ "tracker: udp is not spoken", "[p2p]\ntracker = udp://10.0.0.1:6969\n",
	  "a.conf:2: [p2p] tracker: 'udp://10.0.0.1:6969' is not an http:// or https:// tracker "
	  "announce URL" },
	{ "lease: below a second", "[p2p]\nlease = 500ms\n",
	  "a.conf:2: [p2p] lease: '500ms' is less than the minimum 1s" },
	{ "progress-interval: below a minute", "[p2p]\nprogress-interval = 10s\n",
	  "a.conf:2: [p2p] progress-interval: '10s' is less than the minimum 1m" },
	{ "a second [p2p]", "[p2p]\n[p2p]\n",
	  "a.conf:2: [p2p] duplicate section, first at line 1" },
	{ "shape needs [node] region", "[p2p]\nshape = yes\n",
	  "a.conf:2: [p2p] shape: needs [node] region: the region whose caps to apply" },
	{ "shape needs the [region] section",
	  "[node]\nregion = haidian\n" REGION "[p2p]\nshape = yes\n",
	  "a.conf:10: [p2p] shape: needs a [region \"haidian\"] section (the [node] region)" },
	{ "shape with its region", "[node]\nregion = chaoyang\n" REGION "[p2p]\nshape = yes\n", "" },
};

int main(void)
{
	struct conf *conf = NULL;
	const struct conf_section *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_diags(&opts, cases[i].text, cases[i].want, cases[i].name);

	/* the getters give what the daemon reads: defaults included */
	is_int(conf_load_buffer("a.conf", "[p2p]\n", 6, &opts, &conf), 0, "load an empty [p2p]");
	s = conf ? conf_section_get(conf, "p2p", NULL) : NULL;
	ok(s != NULL, "... it is there");
	if (s) {
		is_int((int)conf_get_u64(s, "listen"), 6881, "listen defaults to 6881");
		is_int((int)conf_get_u64(s, "max-peers"), 50, "max-peers to 50");
		ok(conf_get_duration_ms(s, "lease") == 30000, "lease to 30 s");
		ok(conf_get_duration_ms(s, "seed-time") == 7ull * 24 * 3600 * 1000, "seed-time to 7 days");
		ok(conf_get_size(s, "max-buffer") == 64u << 20, "max-buffer to 64 MiB");
		ok(conf_get_rate(s, "max-download-rate") == 0, "no download cap");
		ok(conf_get_bool(s, "lsd") && !conf_get_bool(s, "other-regions") &&
		   !conf_get_bool(s, "shape"), "lsd on, other regions and shaping off");
		is_str(conf_get_str(s, "data-dir"), LOCALSTATEDIR "/lib/outpost/p2p", "data-dir");
		is_str(conf_get_str(s, "control"), RUNSTATEDIR "/outpost/p2pd.sock", "control");
	}
	conf_free(conf);
	done_testing();
}
