/* mqtt-send: publish N messages with the Outpost MQTT client, for tests.
 *
 * Prints one line per event on stdout (connect, disconnect, error, ack) so
 * a test can follow what the client did, and exits 0 when every message
 * was acknowledged with a success reason, 1 otherwise, 2 on usage errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client.h"

struct run {
	unsigned	 acked;
	unsigned	 refused;
	uint64_t	 t0;
};

static uint64_t since(const struct run *r)
{
	return loop_now_ms() - r->t0;
}

static void on_connect(void *arg, bool sp)
{
	printf("%llu connect session_present=%d\n", (unsigned long long)since(arg), sp);
	fflush(stdout);
}

static void on_disconnect(void *arg, const char *why)
{
	printf("%llu disconnect %s\n", (unsigned long long)since(arg), why);
	fflush(stdout);
}

static void on_error(void *arg, const char *text)
{
	printf("%llu error %s\n", (unsigned long long)since(arg), text);
	fflush(stdout);
}

static void on_ack(void *arg, void *cookie, int qos, uint8_t reason)
{
	struct run *r = arg;

	if (reason >= 0x80)
		r->refused++;
	else
		r->acked++;
	printf("%llu ack %lu qos=%d reason=0x%02x\n", (unsigned long long)since(r),
	    (unsigned long)(uintptr_t)cookie, qos, reason);
	fflush(stdout);
}

static void on_state(void *arg, void *cookie, uint16_t pid, enum mqtt_stage st)
{
	printf("%llu state %lu pid=%u stage=%s\n", (unsigned long long)since(arg),
	    (unsigned long)(uintptr_t)cookie, pid,
	    st == MQTT_STAGE_PUBLISHED ? "published" :
	    st == MQTT_STAGE_PUBREC ? "pubrec" : "done");
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: mqtt-send -u url [-t topic] [-n count] [-q qos] [-V 4|5] [-k keepalive]\n"
	    "                 [-i client-id] [-P] [-x session-expiry] [-w window] [-r]\n"
	    "                 [-U user] [-p password] [-T timeout-s] [-H hold-s] [-a attempts]\n"
	    "                 [--cafile file] [--cert file] [--key file] [--no-verify-name]\n"
	    "                 [--backoff-max ms] [--size bytes] [-R packet-id:published|pubrec]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cafile", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'E' },
		{ "key", required_argument, NULL, 'K' },
		{ "no-verify-name", no_argument, NULL, 'N' },
		{ "backoff-max", required_argument, NULL, 'B' },
		{ "size", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct mqtt_client_opts o = { .version = MQTT_V5, .clean_session = true };
	struct run run = { .t0 = loop_now_ms() };
	const char *topic = "outpost/test", *why;
	unsigned n = 1, qos = 1, timeout = 20, hold = 0, size = 0;
	struct mqtt_client *c = NULL;
	struct loop *l = NULL;
	bool retain = false;
	int ch, r, status = 1;
	unsigned i, nrestore = 0;
	struct {
		unsigned	id;
		enum mqtt_stage	stage;
	} restore[16];

	while ((ch = getopt_long(argc, argv, "u:t:n:q:V:k:i:Px:w:rU:p:T:H:a:R:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': o.url = optarg; break;
		case 't': topic = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': qos = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'V': o.version = atoi(optarg); break;
		case 'k': o.keepalive = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': o.client_id = optarg; break;
		case 'P': o.clean_session = false; break;
		case 'x': o.session_expiry = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': o.window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': retain = true; break;
		case 'U': o.username = optarg; break;
		case 'p': o.password = optarg; o.password_len = strlen(optarg); break;
		case 'T': timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'H': hold = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': o.max_attempts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': o.ca_file = optarg; break;
		case 'E': o.cert_file = optarg; break;
		case 'K': o.key_file = optarg; break;
		case 'N': o.tls_no_verify_hostname = true; break;
		case 'B': o.backoff_max_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': size = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': {
			char *e;

			if (nrestore == 16)
				usage();
			restore[nrestore].id = (unsigned)strtoul(optarg, &e, 10);
			if (strcmp(e, ":published") == 0)
				restore[nrestore].stage = MQTT_STAGE_PUBLISHED;
			else if (strcmp(e, ":pubrec") == 0)
				restore[nrestore].stage = MQTT_STAGE_PUBREC;
			else
				usage();
			nrestore++;
			break;
		}
		default: usage();
		}
	}
	if (!o.url || optind != argc)
		usage();
	o.cbs = (struct mqtt_client_cbs){ on_connect, on_disconnect, on_ack, on_error,
	    on_state, &run, NULL };
	if ((r = loop_new(&l)) < 0) {
		fprintf(stderr, "mqtt-send: loop: %s\n", strerror(-r));
		return 1;
	}
	if ((r = mqtt_client_new(l, &o, &c, &why)) < 0) {
		fprintf(stderr, "mqtt-send: %s\n", why);
		goto out;
	}
	/* State a previous run would have persisted: cookies 1001, ... */
	for (i = 0; i < nrestore; i++) {
		char p[32];
		int len = snprintf(p, sizeof(p), "restored %u", restore[i].id);

		r = mqtt_client_restore(c, topic, p, (size_t)len, (uint8_t)qos, false,
		    (void *)(uintptr_t)(1001 + i), (uint16_t)restore[i].id, restore[i].stage);
		if (r < 0) {
			fprintf(stderr, "mqtt-send: restore %u: %s\n", restore[i].id, strerror(-r));
			status = 2;
			goto out;
		}
	}
	for (i = 1; i <= n; i++) {
		char small[64], *payload = small;
		size_t len;

		len = (size_t)snprintf(small, sizeof(small), "message %u", i);
		if (size > len) {
			payload = malloc(size);
			if (!payload)
				goto out;
			memset(payload, 'x', size);
			memcpy(payload, small, len);
			len = size;
		}
		r = mqtt_client_publish(c, topic, payload, len, (uint8_t)qos, retain,
		    (void *)(uintptr_t)i, &why);
		if (payload != small)
			free(payload);
		if (r < 0) {
			fprintf(stderr, "mqtt-send: %s\n", why);
			status = 2;
			goto out;
		}
	}
	r = mqtt_client_run_until_idle(c, (int)timeout * 1000);
	if (r < 0) {
		fprintf(stderr, "mqtt-send: %s (%s)\n", strerror(-r), mqtt_client_last_error(c));
		goto out;
	}
	/* Stay connected a while, e.g. to watch keepalive at work. */
	if (hold) {
		uint64_t end = loop_now_ms() + hold * 1000u;

		while (loop_now_ms() < end)
			loop_run_once(l, (int)(end - loop_now_ms()));
	}
	printf("%llu done acked=%u refused=%u pending=%zu\n", (unsigned long long)since(&run),
	    run.acked, run.refused, mqtt_client_pending(c));
	status = run.acked == n + nrestore && mqtt_client_pending(c) == 0 ? 0 : 1;
	mqtt_client_stop(c);
out:
	mqtt_client_free(c);
	loop_free(l);
	return status;
}
