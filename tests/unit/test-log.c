/* test-log.c: what the logger writes to stderr, thresholds, sanitising. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "log.h"
#include "../tap.h"

static int saved_stderr = -1;
static FILE *capture_file;

/* Point fd 2 at a fresh temporary file. */
static void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	if (capture_file == NULL)
		bail_out("tmpfile: %s", strerror(errno));
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(fileno(capture_file), STDERR_FILENO) < 0)
		bail_out("dup2: %s", strerror(errno));
}

/* Restore fd 2 and return what was written (caller frees). */
static char *capture_end(void)
{
	char *buf;
	long len;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	len = lseek(fileno(capture_file), 0, SEEK_END);
	if (len < 0)
		bail_out("lseek");
	buf = calloc(1, (size_t)len + 1);
	if (buf == NULL || pread(fileno(capture_file), buf, (size_t)len, 0) != len)
		bail_out("pread");
	fclose(capture_file);
	return buf;
}

static void test_lines(void)
{
	char *out;

	log_init("outpost-pubd", 1, LOG_NOTICE);
	is_int(log_level(), LOG_NOTICE, "threshold after log_init");
	capture_begin();
	log_notice("started %d workers", 3);
	log_warn("spool %s is %d%% full", "/var/spool/outpost", 90);
	log_err("broker %s refused", "mqtt.example");
	log_msg(LOG_CRIT, "critical goes out as an error");
	log_info("info is below the threshold");
	log_debug("debug is below the threshold");
	out = capture_end();
	is_str(out,
	       "outpost-pubd: started 3 workers\n"
	       "outpost-pubd: warning: spool /var/spool/outpost is 90% full\n"
	       "outpost-pubd: error: broker mqtt.example refused\n"
	       "outpost-pubd: error: critical goes out as an error\n",
	       "exact stderr lines at LOG_NOTICE");
	free(out);
}

static void test_adjust(void)
{
	static const struct {
		int delta;
		int want;
	} steps[] = {
		{ +1, LOG_INFO },
		{ +1, LOG_DEBUG },
		{ +1, LOG_DEBUG },	/* clamped */
		{ -1, LOG_INFO },
		{ -2, LOG_WARNING },
		{ -1, LOG_ERR },
		{ -1, LOG_ERR },	/* clamped */
		{ INT_MAX, LOG_DEBUG },
		{ INT_MIN, LOG_ERR },
	};
	char *out;

	log_init("t", 1, LOG_NOTICE);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		log_adjust(steps[i].delta);
		is_int(log_level(), steps[i].want, "log_adjust step %zu (%+d)", i, steps[i].delta);
	}

	log_init("t", 1, LOG_NOTICE);
	log_adjust(+1);
	capture_begin();
	log_info("shown at -v");
	log_debug("hidden at -v");
	log_adjust(+1);
	log_debug("shown at -vv");
	log_adjust(-3);
	log_notice("hidden at -q");
	log_warn("shown at -q");
	log_adjust(-1);
	log_warn("hidden at -qq");
	log_err("shown at -qq");
	out = capture_end();
	is_str(out, "t: shown at -v\nt: shown at -vv\nt: warning: shown at -q\nt: error: shown at -qq\n",
	       "what each threshold lets through");
	free(out);

	log_init("t", 1, 99);
	is_int(log_level(), LOG_DEBUG, "log_init clamps a too-high level");
	log_init("t", 1, LOG_EMERG);
	is_int(log_level(), LOG_ERR, "log_init clamps a too-low level");
}

static void test_sanitise(void)
{
	char big[5000];
	char *out;
	size_t nl = 0;

	log_init("outpost-pubd", 1, LOG_DEBUG);
	capture_begin();
	log_notice("peer said %s", "hi\noutpost-pubd: error: forged\r\x1b[2J\x7f");
	log_notice("tabs\tstay");
	log_notice("trailing newline is dropped\n");
	log_notice("%s", "");
	out = capture_end();
	is_str(out,
	       "outpost-pubd: peer said hi\\noutpost-pubd: error: forged\\r\\x1b[2J\\x7f\n"
	       "outpost-pubd: tabs\tstay\n"
	       "outpost-pubd: trailing newline is dropped\n"
	       "outpost-pubd: \n",
	       "control characters escaped, one line per message");
	free(out);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[2000] = '\n';
	capture_begin();
	log_info("%s", big);
	out = capture_end();
	for (char *p = out; *p; p++)
		nl += *p == '\n';
	is_int(nl, 1, "a long message is still one line");
	ok(strlen(out) < 1200 && strlen(out) > 1000, "a long message is cut near 1 KiB (got %zu)", strlen(out));
	ok(strlen(out) > 4 && strcmp(out + strlen(out) - 4, "...\n") == 0, "a cut message ends in ...");
	free(out);
}

static void test_errno(void)
{
	char *out;
	int after_shown, after_hidden;

	log_init("x", 1, LOG_NOTICE);
	capture_begin();
	errno = ENOENT;
	log_err("open /nonexistent: %m");
	after_shown = errno;
	errno = EADDRINUSE;
	log_debug("filtered %m");
	after_hidden = errno;
	out = capture_end();
	is_str(out, "x: error: open /nonexistent: No such file or directory\n", "%%m names the caller's errno");
	is_int(after_shown, ENOENT, "errno intact across an emitted message");
	is_int(after_hidden, EADDRINUSE, "errno intact across a filtered message");
	free(out);

	errno = EPIPE;
	log_init("x", 1, LOG_NOTICE);
	is_int(errno, EPIPE, "errno intact across log_init");
}

static void test_destinations(void)
{
	char *out;

	capture_begin();
	log_init("outpost-test", 0, LOG_DEBUG);
	log_err("this goes to syslog, not stderr");
	log_init(NULL, 1, LOG_NOTICE);
	log_notice("default ident");
	out = capture_end();
	is_str(out, "test-log: default ident\n",
	       "syslog mode writes nothing to stderr; NULL ident is the program name");
	free(out);
}

int main(void)
{
	test_lines();
	test_adjust();
	test_sanitise();
	test_errno();
	test_destinations();
	return done_testing();
}
