/* log.h: leveled logging to stderr (foreground) or syslog (daemon). */
#ifndef OUTPOST_LOG_H
#define OUTPOST_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
 * LOG_DEBUG. The default threshold is LOG_NOTICE; each -v raises it one
 * step, each -q lowers it. */

/* Set the program name, the destination (stderr when foreground is nonzero,
 * syslog with LOG_DAEMON otherwise) and the threshold. May be called again,
 * e.g. after daemonizing. */
void log_init(const char *ident, int foreground, int level);

/* Move the threshold by delta steps (+1 per -v, -1 per -q), clamped. */
void log_adjust(int delta);

/* Current threshold. */
int log_level(void);

/* Emit one message at prio if prio is at or above the threshold. In the
 * foreground the line is "ident: message", or "ident: warning: message" /
 * "ident: error: message" for LOG_WARNING and LOG_ERR (and worse). The
 * message is kept to one line: trailing newlines are dropped, embedded
 * control characters escaped (\n, \r, \xNN), and it is cut at ~1 KiB.
 * errno is preserved, and "%m" works. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
