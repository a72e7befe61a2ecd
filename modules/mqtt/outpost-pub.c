/* outpost-pub: publish ad hoc MQTT messages, or record device events.
 *
 * Publishing runs the MQTT client on a loop of its own and exits 0 only
 * when every message was confirmed as its QoS requires. With -l, standard
 * input is read a chunk at a time, and only while fewer than a bounded
 * number of messages wait for the broker, so memory stays flat however
 * long the stream is. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "loop.h"
#include "pub.h"

/* Stop reading input while this much waits for the broker; go on below
 * half of it. Enough to keep the window and the socket busy. */
/* The whole of outpost.conf: [mqtt] gives the broker defaults. */
static const struct conf_opts conf_opts = { .schema = &conf_schema_outpost };

#define HIGH_MSGS	4096
#define HIGH_BYTES	(4u * 1024 * 1024)

struct pub_run {
	const struct pub_args	*a;
	struct pub_cfg		 cfg;
	struct loop		*loop;
	struct mqtt_client	*client;
	struct pub_lines	 lines;
	bool			 pollable;	/* stdin works with epoll */
	bool			 watching;
	bool			 input_done;
	uint64_t		 feed_timer;
	uint64_t		 sent, confirmed, refused;
	size_t			 queued_bytes;
	unsigned		 input_errors;
	bool			 read_failed;
	bool			 gave_up;
	bool			 connected_once;
	uint64_t		 t0, last_progress;
	char			 why[1100];
};

static void say(const struct pub_run *r, const char *what, const char *text)
{
	if (r->a->debug)
		fprintf(stderr, "outpost-pub: %" PRIu64 " ms: %s%s\n", loop_now_ms() - r->t0,
		    what, text);
	else if (!r->a->quiet)
		fprintf(stderr, "outpost-pub: %s%s\n", what, text);
}

static void on_connect(void *arg, bool session_present)
{
	struct pub_run *r = arg;

	/* The first connection starts the --timeout clock (--retry ran
	 * before it); reconnects do not, or a broker that drops every
	 * PUBLISH would keep the run alive for ever. */
	if (!r->connected_once)
		r->last_progress = loop_now_ms();
	r->connected_once = true;
	if (r->a->debug)
		say(r, session_present ? "connected, session resumed: " : "connected: ",
		    r->cfg.url);
}

static void on_disconnect(void *arg, const char *why)
{
	say(arg, "", why);
}

/* Errors that another attempt cannot cure: stop at once. The client
 * reports them as text; these are its words for a refused CONNECT and a
 * certificate that does not verify. */
static bool permanent(const char *text)
{
	return strstr(text, "refused the connection") ||
	    strstr(text, "certificate verify failed");
}

static void on_error(void *arg, const char *text)
{
	struct pub_run *r = arg;

	say(r, "", text);
	if (permanent(text) && !r->gave_up) {
		r->gave_up = true;
		snprintf(r->why, sizeof(r->why), "%s", text);
		mqtt_client_stop(r->client);
	}
}

static void feed(struct pub_run *r, bool ready);

static void feed_cb(struct loop *l, void *arg)
{
	struct pub_run *r = arg;

	r->feed_timer = 0;
	feed(r, !r->pollable);
}

static bool over_high(const struct pub_run *r)
{
	return mqtt_client_pending(r->client) >= HIGH_MSGS || r->queued_bytes >= HIGH_BYTES;
}

static void on_ack(void *arg, void *cookie, int qos, uint8_t reason)
{
	struct pub_run *r = arg;

	if (reason >= 0x80)
		r->refused++;
	else
		r->confirmed++;
	r->queued_bytes -= (size_t)(uintptr_t)cookie;
	r->last_progress = loop_now_ms();
	/* Below half the mark again: read on. */
	if (r->a->src == PUB_SRC_LINES && !r->input_done && !r->watching && !r->feed_timer &&
	    mqtt_client_pending(r->client) < HIGH_MSGS / 2 && r->queued_bytes < HIGH_BYTES / 2)
		r->feed_timer = loop_timer_add(r->loop, 0, feed_cb, r);
}

static int publish(struct pub_run *r, const void *p, size_t len)
{
	const char *why;
	int e;

	if (mqtt_client_pending(r->client) == 0)
		r->last_progress = loop_now_ms();
	e = mqtt_client_publish(r->client, r->cfg.topic, p, len, r->cfg.qos, r->cfg.retain,
	    (void *)(uintptr_t)len, &why);
	if (e < 0) {
		fprintf(stderr, "outpost-pub: %s\n", why);
		return e;
	}
	r->sent++;
	r->queued_bytes += len;
	return 0;
}

static void on_stdin(struct loop *l, int fd, uint32_t events, void *arg)
{
	feed(arg, true);
}

static void watch(struct pub_run *r, bool on)
{
	if (on && !r->watching)
		r->watching = loop_fd_add(r->loop, STDIN_FILENO, EPOLLIN, on_stdin, r) == 0;
	else if (!on && r->watching)
		r->watching = loop_fd_del(r->loop, STDIN_FILENO) != 0;
}

/* Publish the complete lines held, as long as the mark allows. */
static void drain(struct pub_run *r)
{
	const char *line;
	size_t len;
	int n;

	while (!over_high(r) && (n = pub_lines_next(&r->lines, &line, &len)) != 0) {
		if (n == -EMSGSIZE) {
			fprintf(stderr, "outpost-pub: stdin:%" PRIu64 ": line longer than %u bytes; "
			    "not published\n", r->lines.lineno, PUB_MSG_MAX);
			r->input_errors++;
		} else if (len > 0 && publish(r, line, len) < 0) {
			r->input_errors++;
		}
	}
}

/* Read and publish while under the mark: one read(2) per call when
 * ready (epoll said so, or stdin is a regular file). */
static void feed(struct pub_run *r, bool ready)
{
	ssize_t n;

	for (;;) {
		drain(r);
		if (over_high(r)) {
			watch(r, false);
			return;
		}
		if (r->lines.eof) {
			watch(r, false);
			r->input_done = true;
			return;
		}
		if (!ready) {
			if (r->pollable)
				watch(r, true);
			else if (!r->feed_timer)
				r->feed_timer = loop_timer_add(r->loop, 0, feed_cb, r);
			return;
		}
		ready = false;
		n = pub_lines_fill(&r->lines);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			fprintf(stderr, "outpost-pub: reading stdin: %s\n", strerror((int)-n));
			r->read_failed = true;
			r->input_done = true;
			watch(r, false);
			return;
		}
	}
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct pub_run *r = arg;

	if (!r->gave_up) {
		r->gave_up = true;
		snprintf(r->why, sizeof(r->why), "interrupted by %s", strsignal(signo));
	}
}

/* Queue what -m, -f, -s or -n gives. Returns 0 or an exit status. */
static int queue_one(struct pub_run *r)
{
	const struct pub_args *a = r->a;
	size_t len = 0;
	char *buf = NULL;
	int e;

	switch (a->src) {
	case PUB_SRC_MSG:
		return publish(r, a->message, strlen(a->message)) < 0 ? PUB_EXIT_FAIL : 0;
	case PUB_SRC_NULL:
		return publish(r, "", 0) < 0 ? PUB_EXIT_FAIL : 0;
	default:
		break;
	}
	e = pub_read_all(a->src == PUB_SRC_FILE ? a->file : NULL, PUB_MSG_MAX, &buf, &len);
	if (e < 0) {
		fprintf(stderr, "outpost-pub: %s: %s\n", a->src == PUB_SRC_FILE ? a->file : "stdin",
		    e == -EFBIG ? "larger than an MQTT message can be; not published" :
		    strerror(-e));
		return e == -EFBIG ? PUB_EXIT_INPUT : PUB_EXIT_FAIL;
	}
	e = publish(r, buf, len);
	free(buf);
	return e < 0 ? PUB_EXIT_FAIL : 0;
}

/* Run the loop until everything is confirmed or there is no hope. */
static void wait_done(struct pub_run *r)
{
	uint64_t limit = (uint64_t)r->cfg.timeout_s * 1000;

	while (!r->gave_up) {
		uint64_t now = loop_now_ms();
		int wait = -1;

		if (r->input_done && mqtt_client_pending(r->client) == 0)
			return;
		if (mqtt_client_gave_up(r->client)) {
			r->gave_up = true;
			snprintf(r->why, sizeof(r->why), "cannot connect: %s%s",
			    mqtt_client_last_error(r->client),
			    r->cfg.retry_ms ? "" : " (--retry waits longer)");
			return;
		}
		if (r->cfg.retry_ms && !r->connected_once) {
			if (now - r->t0 >= r->cfg.retry_ms) {
				r->gave_up = true;
				snprintf(r->why, sizeof(r->why), "cannot connect within --retry: %s",
				    mqtt_client_last_error(r->client));
				return;
			}
			wait = r->t0 + r->cfg.retry_ms - now > 60000 ? 60000 :
			    (int)(r->t0 + r->cfg.retry_ms - now);
		}
		if (limit && mqtt_client_pending(r->client) > 0 &&
		    (r->connected_once || !r->cfg.retry_ms)) {
			if (now - r->last_progress >= limit) {
				r->gave_up = true;
				if (mqtt_client_connected(r->client))
					snprintf(r->why, sizeof(r->why),
					    "no acknowledgement for %u s", r->cfg.timeout_s);
				else
					snprintf(r->why, sizeof(r->why), "gave up after %u s: %s",
					    r->cfg.timeout_s, mqtt_client_last_error(r->client));
				return;
			}
			if (wait < 0 || r->last_progress + limit - now < (uint64_t)wait)
				wait = (int)(r->last_progress + limit - now);
		}
		if (loop_run_once(r->loop, wait) < 0) {
			r->gave_up = true;
			snprintf(r->why, sizeof(r->why), "event loop: %s", strerror(errno));
		}
	}
}

static void print_json(const struct pub_run *r)
{
	struct json j;
	const char *out;
	size_t len;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "type", "pub");
	json_kv_uint(&j, "sent", r->sent);
	json_kv_uint(&j, "confirmed", r->confirmed);
	json_kv_uint(&j, "failed", r->sent - r->confirmed);
	json_kv_uint(&j, "qos", r->cfg.qos);
	json_kv_uint(&j, "elapsed_ms", loop_now_ms() - r->t0);
	json_obj_end(&j);
	if (json_finish(&j, &out, &len) == 0)
		printf("%s\n", out);
	json_free(&j);
}

static int publish_run(struct pub_run *r)
{
	const struct pub_args *a = r->a;
	const char *why;
	int e, status = 0;

	r->cfg.mo.cbs = (struct mqtt_client_cbs){
		.on_connect = on_connect, .on_disconnect = on_disconnect,
		.on_ack = on_ack, .on_error = on_error, .arg = r,
	};
	if ((e = loop_new(&r->loop)) < 0) {
		fprintf(stderr, "outpost-pub: %s\n", strerror(-e));
		return PUB_EXIT_FAIL;
	}
	if ((e = mqtt_client_new(r->loop, &r->cfg.mo, &r->client, &why)) < 0) {
		fprintf(stderr, "outpost-pub: %s\n", why);
		return e == -ENOMEM ? PUB_EXIT_FAIL : PUB_EXIT_USAGE;
	}
	loop_signal_add(r->loop, SIGINT, on_signal, r);
	loop_signal_add(r->loop, SIGTERM, on_signal, r);
	r->t0 = r->last_progress = loop_now_ms();
	if (a->src == PUB_SRC_LINES) {
		pub_lines_init(&r->lines, STDIN_FILENO, PUB_MSG_MAX);
		/* epoll refuses regular files; those are read from a timer. */
		r->pollable = loop_fd_add(r->loop, STDIN_FILENO, EPOLLIN, on_stdin, r) == 0;
		r->watching = r->pollable;
		if (!r->pollable)
			r->feed_timer = loop_timer_add(r->loop, 0, feed_cb, r);
	} else {
		if ((status = queue_one(r)) != 0)
			return status;
		r->input_done = true;
	}
	if ((e = mqtt_client_start(r->client)) < 0) {
		fprintf(stderr, "outpost-pub: %s\n", strerror(-e));
		return PUB_EXIT_FAIL;
	}
	wait_done(r);
	mqtt_client_stop(r->client);
	if (r->sent > r->confirmed || (r->gave_up && !r->input_done)) {
		fprintf(stderr, "outpost-pub: %" PRIu64 " of %" PRIu64 " messages not confirmed: %s\n",
		    r->sent - r->confirmed, r->sent,
		    r->gave_up ? r->why : r->refused ? "refused by the broker" :
		    mqtt_client_last_error(r->client));
		status = PUB_EXIT_FAIL;
	} else if (r->read_failed) {
		status = PUB_EXIT_FAIL;
	} else if (r->input_errors) {
		status = PUB_EXIT_INPUT;
	}
	if (a->json)
		print_json(r);
	return status;
}

int main(int argc, char **argv)
{
	struct pub_args a;
	struct pub_run r = { .a = &a };
	struct conf *conf = NULL;
	int status;

	pub_args_parse(&a, argc, argv);
	if (cli_tool_config(a.config, &conf_opts, &conf) < 0)
		return PUB_EXIT_FAIL;
	if (a.event) {
		status = pub_event_run(&a, conf);
		goto out;
	}
	if ((status = pub_cfg_make(&r.cfg, &a, conf)) != 0)
		goto out;
	status = publish_run(&r);
out:
	if (r.feed_timer)
		loop_timer_cancel(r.loop, r.feed_timer);
	mqtt_client_free(r.client);
	loop_free(r.loop);
	pub_lines_free(&r.lines);
	pub_cfg_clear(&r.cfg);
	conf_free(conf);
	fflush(stdout);
	return status;
}
