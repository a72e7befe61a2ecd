/* log.c: leveled logging to stderr (foreground) or syslog (daemon).
 *
 * Every message becomes exactly one line: control characters in the
 * formatted text are escaped, so a peer-supplied string cannot forge a
 * second log line or move the terminal's cursor. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "log.h"

/* Longest formatted message kept; the rest is cut and marked with "...". */
#define LOG_MSG_MAX	1024
#define LOG_IDENT_MAX	64

static char log_ident[LOG_IDENT_MAX];
static bool log_foreground = true;
static bool log_syslog_open;
static int log_threshold = LOG_NOTICE;

static int log_clamp(int level)
{
	if (level < LOG_ERR)
		return LOG_ERR;
	if (level > LOG_DEBUG)
		return LOG_DEBUG;
	return level;
}

/* Set the program name, the destination and the threshold. */
void log_init(const char *ident, int foreground, int level)
{
	int saved = errno;

	if (ident == NULL || *ident == '\0')
		ident = program_invocation_short_name;
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_foreground = foreground != 0;
	log_threshold = log_clamp(level);

	if (log_syslog_open) {
		closelog();
		log_syslog_open = false;
	}
	if (!log_foreground) {
		/* openlog keeps the pointer, so it must be our static copy. */
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog_open = true;
	}
	errno = saved;
}

/* Move the threshold by delta steps, clamped to [LOG_ERR, LOG_DEBUG]. */
void log_adjust(int delta)
{
	/* Bound delta first so a silly count cannot overflow the sum. */
	if (delta > LOG_DEBUG)
		delta = LOG_DEBUG;
	if (delta < -LOG_DEBUG)
		delta = -LOG_DEBUG;
	log_threshold = log_clamp(log_threshold + delta);
}

/* Current threshold. */
int log_level(void)
{
	return log_threshold;
}

/* Copy src into dst (size dstsz, always terminated), escaping control
 * characters; stops early rather than splitting an escape. */
static void log_sanitize(char *dst, size_t dstsz, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[5];
		size_t n;

		if (c == '\n') {
			memcpy(esc, "\\n", 2);
			n = 2;
		} else if (c == '\r') {
			memcpy(esc, "\\r", 2);
			n = 2;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			n = 4;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n >= dstsz)
			break;
		memcpy(dst + o, esc, n);
		o += n;
	}
	dst[o] = '\0';
}

static const char *log_prefix(int prio)
{
	if (prio <= LOG_ERR)
		return "error: ";
	if (prio == LOG_WARNING)
		return "warning: ";
	return "";
}

/* Emit one message at prio if prio is at or above the threshold. */
void log_vmsg(int prio, const char *fmt, va_list ap)
{
	int saved = errno;
	char raw[LOG_MSG_MAX];
	char clean[4 * LOG_MSG_MAX];
	char line[LOG_IDENT_MAX + sizeof("error: ") + sizeof(clean) + 1];
	size_t len;
	int n;

	prio = LOG_PRI(prio);
	if (prio > log_threshold)
		goto out;
	if (log_ident[0] == '\0')
		snprintf(log_ident, sizeof(log_ident), "%s",
			 program_invocation_short_name);

	/* Restore errno so "%m" in fmt names the caller's error. */
	errno = saved;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		snprintf(raw, sizeof(raw), "(unformattable message: %s)", fmt);
	else if ((size_t)n >= sizeof(raw))
		memcpy(raw + sizeof(raw) - 4, "...", 4);

	/* Callers sometimes end messages with "\n"; that is not forgery. */
	len = strlen(raw);
	while (len > 0 && raw[len - 1] == '\n')
		raw[--len] = '\0';
	log_sanitize(clean, sizeof(clean), raw);

	if (log_foreground) {
		n = snprintf(line, sizeof(line), "%s: %s%s\n", log_ident,
			     log_prefix(prio), clean);
		if (n > 0)
			(void)fs_write_all(STDERR_FILENO, line,
			    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	} else {
		syslog(prio, "%s", clean);
	}
out:
	errno = saved;
}

/* Emit one message at prio if prio is at or above the threshold. */
void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}
