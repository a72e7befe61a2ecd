/* pub.h: outpost-pub(1), the ad hoc MQTT publisher and event recorder.
 *
 * outpost-pub.c   main, publishing through the MQTT client
 * pub_opts.c      the command line, merged over the config's [mqtt]
 * pub_lines.c     reading input line by line, bounded, for -l
 * pub_event.c     --event: device events into the spool, no broker */
#ifndef OUTPOST_PUB_H
#define OUTPOST_PUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf.h"
#include "mqtt_client.h"

/* Exit statuses, as outpost-pub(1) documents them. */
#define PUB_EXIT_OK		0
#define PUB_EXIT_FAIL		1	/* not confirmed, or not durable */
#define PUB_EXIT_USAGE		2
#define PUB_EXIT_INPUT		3	/* bad input refused, the rest done */

/* The largest payload of one message: what MQTT can carry with a short
 * topic. A longer line or file is refused, never cut. */
#define PUB_MSG_MAX		(256u * 1024 * 1024 - 1024)

/* Without --retry, connection attempts before the first success (an ad
 * hoc tool fails fast when nothing listens), and the first pause. */
#define PUB_QUICK_ATTEMPTS	3
#define PUB_QUICK_BACKOFF_MS	200

/* Topics in messages are cut to this many bytes. */
#define PUB_TOPIC_SHOWN		48

/* Default in-flight windows when neither --inflight nor the config says. */
#define PUB_WINDOW_V5		1024
#define PUB_WINDOW_V311		16

enum pub_src {
	PUB_SRC_NONE,
	PUB_SRC_MSG,		/* -m */
	PUB_SRC_FILE,		/* -f */
	PUB_SRC_STDIN,		/* -s: all of stdin, one message */
	PUB_SRC_LINES,		/* -l: one message per line */
	PUB_SRC_NULL,		/* -n: an empty message */
};

/* Everything the command line said; unset values are NULL or -1. */
struct pub_args {
	const char	*prog;
	const char	*config;
	const char	*host;
	const char	*port;
	const char	*url;		/* -L, with the topic as its path */
	const char	*topic;
	enum pub_src	 src;
	const char	*message;	/* -m */
	const char	*file;		/* -f */
	int		 qos;
	bool		 retain;
	const char	*id;
	long		 keepalive;
	const char	*username;
	const char	*password_file;
	const char	*cafile;
	const char	*capath;
	const char	*cert;
	const char	*key;
	bool		 insecure;
	int		 version;
	long		 inflight;
	const char	*will_topic;
	const char	*will_payload;
	int		 will_qos;
	bool		 will_retain;
	const char	*event;
	long		 timeout_s;	/* -1: default */
	int64_t		 retry_ms;	/* --retry; -1: fail fast */
	bool		 keep_session;	/* --keep-session */
	bool		 json;
	bool		 debug;
	bool		 quiet;
};

/* What a publishing run uses, after merging the config. Strings point
 * into args, the config or the buffers below. */
struct pub_cfg {
	struct mqtt_client_opts	 mo;
	char			 url[600];
	char			 client_id[128];
	char			*password;	/* from the password file */
	size_t			 password_len;
	char			*topic;		/* owned: from -t or -L */
	uint8_t			 qos;
	bool			 retain;
	unsigned		 timeout_s;	/* 0: never give up */
	uint64_t		 retry_ms;	/* keep trying to connect this long; 0: a few quick tries */
};

/* pub_opts.c */
/* Parse argv into a; exits 2 (usage) or 0 (--help, --version). */
void pub_args_parse(struct pub_args *a, int argc, char **argv);
/* Print the synopsis to fp. */
void pub_usage(FILE *fp);
/* Merge a over the config's [mqtt] into c. Prints what is wrong and
 * returns PUB_EXIT_USAGE or PUB_EXIT_FAIL, or 0. */
int pub_cfg_make(struct pub_cfg *c, const struct pub_args *a, const struct conf *conf);
/* Free what pub_cfg_make() allocated; NULL-safe. */
void pub_cfg_clear(struct pub_cfg *c);
/* The first PUB_TOPIC_SHOWN bytes of topic, quoted, controls escaped, and
 * "..." when cut: a 64 KiB topic is never echoed whole. */
void pub_topic_show(const char *topic, char *buf, size_t size);
/* Read a whole file (or stdin for path NULL) of at most max bytes. A
 * regular file's size is checked before reading, and memory never grows
 * past max + 1 bytes. 0, or -EFBIG past max, or -errno. */
int pub_read_all(const char *path, size_t max, char **buf, size_t *len);

/* pub_lines.c: a line reader with a bounded buffer. */
struct pub_lines {
	int		 fd;
	char		*buf;
	size_t		 len;		/* bytes held */
	size_t		 off;		/* start of the next line */
	size_t		 cap;
	size_t		 max;		/* longest line accepted */
	uint64_t	 lineno;	/* of the line last returned */
	bool		 eof;
	bool		 skipping;	/* inside a line longer than max */
	size_t		 scanned;	/* bytes after off known to hold no newline */
};

/* Read lines of at most max bytes from fd. */
void pub_lines_init(struct pub_lines *r, int fd, size_t max);
/* Free the buffer; NULL-safe. */
void pub_lines_free(struct pub_lines *r);
/* One read(2) into the buffer: bytes read, 0 at end of input, or -errno
 * (-EAGAIN when a non-blocking fd has nothing). */
ssize_t pub_lines_fill(struct pub_lines *r);
/* The next line without its newline (the last may lack one): 1 with
 * *line and *len set (valid until the next fill), 0 when more input is
 * needed (or none is left after eof), -EMSGSIZE for a line longer than
 * max (its number in r->lineno; the reader skips it). */
int pub_lines_next(struct pub_lines *r, const char **line, size_t *len);

/* pub_event.c */
/* Record the events the arguments describe; returns the exit status. */
int pub_event_run(const struct pub_args *a, const struct conf *conf);

#endif
