/* pub_opts.c: outpost-pub's command line, in the spirit of
 * mosquitto_pub(1), and its merge over the config's [mqtt] section:
 * the command line wins, then the config, then built-in defaults. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fs.h"
#include "pub.h"
#include "version.h"

enum {
	OPT_CAFILE = 0x4400, OPT_CAPATH, OPT_CERT, OPT_KEY, OPT_INSECURE,
	OPT_PASSWORD_FILE, OPT_PW, OPT_WILL_TOPIC, OPT_WILL_PAYLOAD, OPT_WILL_QOS,
	OPT_WILL_RETAIN, OPT_EVENT, OPT_TIMEOUT, OPT_JSON, OPT_QUIET, OPT_HELP,
	OPT_VERSION, OPT_INFLIGHT, OPT_RETRY, OPT_KEEP_SESSION,
};

static const struct option longopts[] = {
	{ "host", required_argument, NULL, 'h' },
	{ "port", required_argument, NULL, 'p' },
	{ "url", required_argument, NULL, 'L' },
	{ "topic", required_argument, NULL, 't' },
	{ "message", required_argument, NULL, 'm' },
	{ "file", required_argument, NULL, 'f' },
	{ "stdin-file", no_argument, NULL, 's' },
	{ "stdin-line", no_argument, NULL, 'l' },
	{ "null-message", no_argument, NULL, 'n' },
	{ "qos", required_argument, NULL, 'q' },
	{ "retain", no_argument, NULL, 'r' },
	{ "id", required_argument, NULL, 'i' },
	{ "keepalive", required_argument, NULL, 'k' },
	{ "username", required_argument, NULL, 'u' },
	{ "protocol", required_argument, NULL, 'V' },
	{ "debug", no_argument, NULL, 'd' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "pw", required_argument, NULL, OPT_PW },
	{ "cafile", required_argument, NULL, OPT_CAFILE },
	{ "capath", required_argument, NULL, OPT_CAPATH },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "will-topic", required_argument, NULL, OPT_WILL_TOPIC },
	{ "will-payload", required_argument, NULL, OPT_WILL_PAYLOAD },
	{ "will-qos", required_argument, NULL, OPT_WILL_QOS },
	{ "will-retain", no_argument, NULL, OPT_WILL_RETAIN },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "keep-session", no_argument, NULL, OPT_KEEP_SESSION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	CLI_CONFIG_LONGOPT,
	{ NULL, 0, NULL, 0 },
};

void pub_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: outpost-pub [-dlnrs] [-f file] [-h host] [-i id] [-k keepalive]\n"
	    "                   [-L url] [-m message] [-p port] [-q qos] [-t topic]\n"
	    "                   [-u username] [-V protocol] [--cafile file] [--capath dir]\n"
	    "                   [--cert file] [--config file] [--inflight n] [--insecure]\n"
	    "                   [--json] [--keep-session] [--key file]\n"
	    "                   [--password-file file] [--quiet] [--retry duration]\n"
	    "                   [--timeout seconds] [--will-payload text] [--will-qos qos]\n"
	    "                   [--will-retain] [--will-topic topic]\n"
	    "       outpost-pub --event kind[/name] [-l | -s | -f file | -m json | -n]\n"
	    "                   [--config file] [--json]\n"
	    "       outpost-pub --help | --version\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "outpost-pub: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pub_usage(stderr);
	exit(PUB_EXIT_USAGE);
}

/* A whole decimal number in [min, max], or a usage error naming opt. */
static long number(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "outpost-pub: %s: '%s' is not a number from %ld to %ld\n",
		    opt, s, min, max);
		pub_usage(stderr);
		exit(PUB_EXIT_USAGE);
	}
	return v;
}

/* A duration as the config writes it (250ms, 5s, 2m; bare = seconds). */
static int64_t duration(const char *opt, const char *s)
{
	static const struct conf_key_def def = { .name = "retry", .type = CONF_DURATION };
	struct conf_value v;
	char msg[160];

	if (conf_value_parse(&def, s, &v, msg, sizeof(msg)) < 0 || v.v.u64 > INT64_MAX)
		usage_error("%s: %s", opt, msg);
	return (int64_t)v.v.u64;
}

static int protocol(const char *s)
{
	if (!strcmp(s, "5") || !strcmp(s, "mqttv5"))
		return MQTT_V5;
	if (!strcmp(s, "311") || !strcmp(s, "mqttv311") || !strcmp(s, "3.1.1"))
		return MQTT_V311;
	return 0;
}

static void set_src(struct pub_args *a, enum pub_src src)
{
	if (a->src != PUB_SRC_NONE && a->src != src)
		usage_error("give only one of -m, -f, -s, -l and -n");
	a->src = src;
}

void pub_args_parse(struct pub_args *a, int argc, char **argv)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->prog = "outpost-pub";
	a->qos = a->will_qos = -1;
	a->keepalive = a->inflight = a->timeout_s = -1;
	a->retry_ms = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h:p:L:t:m:f:slnq:ri:k:u:V:dP:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h': a->host = optarg; break;
		case 'p': a->port = optarg; break;
		case 'L': a->url = optarg; break;
		case 't': a->topic = optarg; break;
		case 'm': set_src(a, PUB_SRC_MSG); a->message = optarg; break;
		case 'f': set_src(a, PUB_SRC_FILE); a->file = optarg; break;
		case 's': set_src(a, PUB_SRC_STDIN); break;
		case 'l': set_src(a, PUB_SRC_LINES); break;
		case 'n': set_src(a, PUB_SRC_NULL); break;
		case 'q': a->qos = (int)number("-q", optarg, 0, 2); break;
		case 'r': a->retain = true; break;
		case 'i': a->id = optarg; break;
		case 'k': a->keepalive = number("-k", optarg, 0, 65535); break;
		case 'u': a->username = optarg; break;
		case 'V':
			if ((a->version = protocol(optarg)) == 0)
				usage_error("-V: '%s' is not 311, mqttv311, 5 or mqttv5", optarg);
			break;
		case 'd': a->debug = true; break;
		case 'P':
		case OPT_PW:
			usage_error("the password is never taken on the command line: "
			    "use --password-file FILE");
		case OPT_PASSWORD_FILE: a->password_file = optarg; break;
		case OPT_CAFILE: a->cafile = optarg; break;
		case OPT_CAPATH: a->capath = optarg; break;
		case OPT_CERT: a->cert = optarg; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_INSECURE: a->insecure = true; break;
		case OPT_INFLIGHT: a->inflight = number("--inflight", optarg, 1, 65535); break;
		case OPT_WILL_TOPIC: a->will_topic = optarg; break;
		case OPT_WILL_PAYLOAD: a->will_payload = optarg; break;
		case OPT_WILL_QOS: a->will_qos = (int)number("--will-qos", optarg, 0, 2); break;
		case OPT_WILL_RETAIN: a->will_retain = true; break;
		case OPT_EVENT: a->event = optarg; break;
		case OPT_TIMEOUT:
			a->timeout_s = number("--timeout", optarg, 0, INT_MAX / 1000);
			break;
		case OPT_RETRY: a->retry_ms = duration("--retry", optarg); break;
		case OPT_KEEP_SESSION: a->keep_session = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_QUIET: a->quiet = true; break;
		case CLI_OPT_CONFIG: a->config = optarg; break;
		case OPT_HELP:
			pub_usage(stdout);
			exit(PUB_EXIT_OK);
		case OPT_VERSION:
			printf("outpost-pub %s\n", op_version());
			exit(PUB_EXIT_OK);
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
		default:
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (a->event) {
		if (a->host || a->port || a->url || a->topic || a->qos >= 0 || a->retain ||
		    a->will_topic)
			usage_error("--event records into the spool: -h, -p, -L, -t, -q, -r "
			    "and --will-topic do not apply");
		if (a->src == PUB_SRC_NONE)
			usage_error("--event needs -m, -f, -s, -l or -n");
		return;
	}
	if (a->src == PUB_SRC_NONE)
		usage_error("give a message with -m, -f, -s, -l or -n");
	if (a->url && (a->host || a->port))
		usage_error("-L gives the broker: -h and -p do not go with it");
	if ((a->will_payload || a->will_qos >= 0 || a->will_retain) && !a->will_topic)
		usage_error("--will-payload, --will-qos and --will-retain need --will-topic");
}

void pub_topic_show(const char *topic, char *buf, size_t size)
{
	size_t n = strlen(topic), i, o = 0;

	if (size < 8)
		return;
	buf[o++] = '\'';
	for (i = 0; i < n && i < PUB_TOPIC_SHOWN && o + 6 < size; i++) {
		unsigned char ch = (unsigned char)topic[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o++] = '\'';
	if (i < n && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* -L mqtt[s]://[user@]host[:port]/topic: split the topic off. */
static int split_url(struct pub_cfg *c, const char *url)
{
	const char *p = strstr(url, "://"), *slash;

	slash = p ? strchr(p + 3, '/') : NULL;
	if ((!slash || !slash[1]) && !c->topic) {
		fprintf(stderr, "outpost-pub: -L %s: the URL has no topic (mqtt://host/topic)\n",
		    url);
		return PUB_EXIT_USAGE;
	}
	if (!slash)
		slash = url + strlen(url);
	if ((size_t)(slash - url) >= sizeof(c->url)) {
		fprintf(stderr, "outpost-pub: -L: the URL is too long\n");
		return PUB_EXIT_USAGE;
	}
	snprintf(c->url, sizeof(c->url), "%.*s", (int)(slash - url), url);
	/* -t, when given too, wins over the URL's path. */
	if (!c->topic && !(c->topic = strdup(slash + 1)))
		return PUB_EXIT_FAIL;
	return 0;
}

/* The broker from -h/-p, keeping what the command line does not say
 * from the config's url (host, port and TLS). */
static int host_url(struct pub_cfg *c, const struct pub_args *a, const char *conf_url)
{
	struct mqtt_url cu = { .host = "localhost" };
	const char *why, *host, *port;
	bool tls;

	if (conf_url && mqtt_url_parse(conf_url, &cu, &why) < 0)
		snprintf(cu.host, sizeof(cu.host), "localhost");
	tls = a->cafile || a->capath || a->cert || (!a->host && cu.tls);
	host = a->host ? a->host : cu.host;
	port = a->port ? a->port : (!a->host && conf_url && cu.tls == tls) ? cu.port :
	    tls ? "8883" : "1883";
	if (strchr(host, ':') && host[0] != '[')
		snprintf(c->url, sizeof(c->url), "%s://[%s]:%s", tls ? "mqtts" : "mqtt", host, port);
	else
		snprintf(c->url, sizeof(c->url), "%s://%s:%s", tls ? "mqtts" : "mqtt", host, port);
	return 0;
}

int pub_read_all(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t hint = 0;
	uint8_t *buf;
	int fd, r;

	*bufp = NULL;
	*lenp = 0;
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	/* Refuse a file that is too large before reading any of it. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max) {
			r = -EFBIG;
			goto out;
		}
		hint = (size_t)st.st_size;
	}
	if ((r = fs_read_stream(fd, max, hint, &buf, lenp)) == 0)
		*bufp = (char *)buf;
out:
	if (path)
		close(fd);
	return r;
}

/* The first line of the password file. */
static int read_password(struct pub_cfg *c, const char *path)
{
	uint8_t *buf;
	size_t len;
	int r;

	r = mqtt_password_read(path, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "outpost-pub: password file %s: %s\n", path,
		    mqtt_password_error(r));
		return PUB_EXIT_FAIL;
	}
	c->password = (char *)buf;
	c->password_len = len;
	return 0;
}

int pub_cfg_make(struct pub_cfg *c, const struct pub_args *a, const struct conf *conf)
{
	const struct conf_section *m = conf_section_get(conf, "mqtt", NULL);
	const char *s, *conf_url = conf_get_str(m, "url"), *why;
	struct mqtt_client_opts *o = &c->mo;
	char host[64];
	int r;

	memset(c, 0, sizeof(*c));
	if (a->topic && !(c->topic = strdup(a->topic)))
		return PUB_EXIT_FAIL;
	if (a->url)
		r = split_url(c, a->url);
	else if (a->host || a->port || !conf_url)
		r = host_url(c, a, conf_url);
	else
		r = snprintf(c->url, sizeof(c->url), "%s", conf_url) < 0;
	if (r)
		return r;
	if (!c->topic) {
		fprintf(stderr, "outpost-pub: no topic: give -t TOPIC or -L mqtt://host/TOPIC\n");
		return PUB_EXIT_USAGE;
	}
	if (mqtt_check_topic(c->topic, &why) < 0) {
		char shown[PUB_TOPIC_SHOWN * 4 + 8];

		pub_topic_show(c->topic, shown, sizeof(shown));
		fprintf(stderr, "outpost-pub: topic %s (%zu bytes): %s\n", shown,
		    strlen(c->topic), why);
		return PUB_EXIT_USAGE;
	}
	o->url = c->url;
	/* 0: MQTT 5, falling back to 3.1.1 when the broker refuses it; a
	 * version named on the command line or in the config is kept. */
	if (a->version)
		o->version = a->version;
	else if ((s = conf_get_str(m, "protocol")) && !strcmp(s, "3.1.1"))
		o->version = MQTT_V311;
	else
		o->version = s && !strcmp(s, "5") ? MQTT_V5 : 0;	/* "auto" */
	/* Not the config's client-id by default: that one is outpost-pubd's,
	 * and the broker would drop the daemon to let us in. */
	if (a->id) {
		snprintf(c->client_id, sizeof(c->client_id), "%s", a->id);
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(c->client_id, sizeof(c->client_id), "outpost-pub-%s-%ld", host,
		    (long)getpid());
	}
	o->client_id = c->client_id;
	o->username = a->username ? a->username : conf_get_str(m, "username");
	s = a->password_file ? a->password_file : conf_get_str(m, "password-file");
	if (s && (r = read_password(c, s)) != 0)
		return r;
	o->password = c->password;
	o->password_len = c->password_len;
	o->keepalive = a->keepalive >= 0 ? (unsigned)a->keepalive :
	    (unsigned)(conf_get_duration_ms(m, "keepalive") / 1000);
	o->clean_session = conf_get_bool(m, "clean-session");
	c->timeout_s = a->timeout_s >= 0 ? (unsigned)a->timeout_s : 60;
	/* The session only has to outlive reconnects within this run, and
	 * goes when the run ends, or cron runs pile up sessions on the
	 * broker: 5.0 ends it at DISCONNECT, 3.1.1 uses a clean session. */
	o->session_expiry = c->timeout_s ? c->timeout_s + 60 : 86400;
	o->drop_session = !a->keep_session;
	c->retry_ms = a->retry_ms > 0 ? (uint64_t)a->retry_ms : 0;
	/* A wide window is what makes QoS 1 and 2 fast; MQTT 5 brokers cap
	 * it with their Receive Maximum, 3.1.1 ones cannot say, and
	 * mosquitto drops 3.1.1 QoS 2 messages past its 20. */
	if (a->inflight > 0)
		o->window = (unsigned)a->inflight;
	else if (conf_is_set(m, "inflight"))
		o->window = (unsigned)conf_get_u64(m, "inflight");
	else {
		o->window = o->version == MQTT_V311 ? PUB_WINDOW_V311 : PUB_WINDOW_V5;
		o->window_v311 = PUB_WINDOW_V311;
	}
	o->ca_file = a->cafile ? a->cafile : conf_get_str(m, "ca-file");
	o->ca_dir = a->capath ? a->capath : conf_get_str(m, "ca-path");
	o->cert_file = a->cert ? a->cert : conf_get_str(m, "cert-file");
	o->key_file = a->key ? a->key : conf_get_str(m, "key-file");
	o->tls_no_verify_hostname = a->insecure || !conf_get_bool(m, "verify-hostname");
	if (a->will_topic) {
		o->will_topic = a->will_topic;
		o->will_payload = a->will_payload ? a->will_payload : "";
		o->will_len = a->will_payload ? strlen(a->will_payload) : 0;
		o->will_qos = a->will_qos >= 0 ? (uint8_t)a->will_qos : 0;
		o->will_retain = a->will_retain;
	}
	o->backoff_min_ms = 500;
	o->backoff_max_ms = (unsigned)conf_get_duration_ms(m, "reconnect-max");
	if (o->backoff_max_ms > 10000)
		o->backoff_max_ms = 10000;	/* an ad hoc run waits minutes at most */
	if (!c->retry_ms) {
		/* Nothing listening is an answer for an ad hoc tool, as for
		 * mosquitto_pub: a few quick tries, then give up. Once
		 * connected, a lost link is retried until --timeout. */
		o->max_first_attempts = PUB_QUICK_ATTEMPTS;
		o->backoff_min_ms = PUB_QUICK_BACKOFF_MS;
	}
	c->qos = a->qos >= 0 ? (uint8_t)a->qos : (uint8_t)conf_get_u64(m, "qos");
	c->retain = a->retain;
	return 0;
}

void pub_cfg_clear(struct pub_cfg *c)
{
	if (!c)
		return;
	if (c->password) {
		explicit_bzero(c->password, c->password_len);
		free(c->password);
	}
	free(c->topic);
	c->password = c->topic = NULL;
}
