/* tap.h: a small TAP producer for Outpost's C unit tests.
 *
 * plan(n) or done_testing(); ok(cond, fmt...), is_int(got, want, fmt...),
 * is_str(got, want, fmt...), diag(fmt...), skip(n, why), bail_out(fmt...).
 * Header-only so each test program is one file plus the sources it tests. */
#ifndef OUTPOST_TAP_H
#define OUTPOST_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;
static int tap_planned = -1;

__attribute__((format(printf, 2, 0)))
static void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

__attribute__((unused, format(printf, 1, 2)))
static void diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vline("# ", fmt, ap);
	va_end(ap);
}

__attribute__((unused))
static void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

__attribute__((unused, noreturn, format(printf, 1, 2)))
static void bail_out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vline("Bail out! ", fmt, ap);
	va_end(ap);
	exit(255);
}

/* Report one result; returns cond so callers can add diagnostics. */
__attribute__((unused, format(printf, 2, 3)))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...) tap_is_int((intmax_t)(got), (intmax_t)(want), __VA_ARGS__)

__attribute__((unused, format(printf, 3, 4)))
static int tap_is_int(intmax_t got, intmax_t want, const char *fmt, ...)
{
	va_list ap;
	char name[512];
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!ok(got == want, "%s", name)) {
		diag("     got: %jd", got);
		diag("expected: %jd", want);
		return 0;
	}
	return 1;
}

__attribute__((unused, format(printf, 3, 4)))
static int is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	char name[512];
	int same = (got == NULL && want == NULL) ||
		   (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!ok(same, "%s", name)) {
		diag("     got: '%s'", got ? got : "(null)");
		diag("expected: '%s'", want ? want : "(null)");
		return 0;
	}
	return 1;
}

__attribute__((unused))
static void skip(int n, const char *why)
{
	while (n-- > 0) {
		tap_n++;
		printf("ok %d # skip %s\n", tap_n, why);
	}
	fflush(stdout);
}

/* Print the trailing plan when none was given up front; return the
 * exit status for main(). */
__attribute__((unused))
static int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_n);
	else if (tap_planned != tap_n)
		diag("planned %d tests but ran %d", tap_planned, tap_n);
	fflush(stdout);
	return tap_failed || (tap_planned >= 0 && tap_planned != tap_n) ? 1 : 0;
}

#endif
