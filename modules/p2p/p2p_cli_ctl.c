/* p2p_cli_ctl.c: outpost-p2p add, list, remove and status: requests to
 * outpost-p2pd over its control socket ([p2p] control of the config).
 *
 * add of a local .torrent checks it here (a refusal is the parser's
 * words, exit 2), then drops it into the daemon's incoming/ folder and
 * names it in the request: the request line is too short for the file.
 * The folder belongs to the daemon's user; as root this never follows a
 * link there (O_EXCL|O_NOFOLLOW, one component at a time). A URL is
 * passed on: the daemon fetches it. Exit 0, 1 when the daemon refused
 * (its words), 2 usage or a bad .torrent, 3 no daemon or a system error.
 * (owner: region) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "ctl.h"
#include "fs.h"
#include "meta.h"
#include "p2p_cli.h"

#define CTL_TIMEOUT_MS	10000

struct target {
	char	control[108], data_dir[256];
};

static int settings(const struct p2p_cli *c, struct target *t)
{
	static const struct conf_opts opts = { .schema = &conf_schema_outpost };
	const struct conf_section *p;
	struct conf *conf = NULL;

	if (cli_tool_config(c->config, &opts, &conf) < 0)
		return -1;
	p = conf_section_get(conf, "p2p", NULL);
	snprintf(t->control, sizeof(t->control), "%s", p ? conf_get_str(p, "control") : "");
	snprintf(t->data_dir, sizeof(t->data_dir), "%s", p ? conf_get_str(p, "data-dir") : "");
	conf_free(conf);
	return 0;
}

/* Write buf into DATA/incoming/name, never through a link. */
static int drop_incoming(const char *data_dir, const char *name, const uint8_t *buf, size_t len)
{
	int dfd, ifd = -1, fd = -1, r;

	dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ifd = openat(dfd, "incoming", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ifd < 0) {
		r = -errno;
		goto out;
	}
	for (int tries = 0; tries < 2 && fd < 0; tries++) {
		fd = openat(ifd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0 && errno == EEXIST)
			(void)unlinkat(ifd, name, 0);	/* left by an earlier add */
		else if (fd < 0)
			break;
	}
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = fs_write_all(fd, buf, len);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r)
		(void)unlinkat(ifd, name, 0);
out:
	if (ifd >= 0)
		close(ifd);
	close(dfd);
	return r;
}

/* The request for add: add-url, or add-file after dropping the file. */
static int add_request(const struct p2p_cli *c, const struct target *t, char *req, size_t n)
{
	char why[512], name[64], hex[41];
	struct p2p_meta m;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (!strncmp(c->target, "http://", 7) || !strncmp(c->target, "https://", 8)) {
		if ((size_t)snprintf(req, n, "add-url %s", c->target) >= n) {
			fprintf(stderr, "%s: add: the URL is longer than %zu bytes\n", P2P_PROG,
			    n - 9);
			return P2P_EXIT_USAGE;
		}
		return 0;
	}
	/* The operator's path: a link is followed; a FIFO is refused, not
	 * waited on. */
	r = fs_read_file(AT_FDCWD, c->target, P2P_MAX_TORRENT_SIZE, FS_FOLLOW, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: add: %s: %s\n", P2P_PROG, c->target,
		    r == -EFBIG ? "larger than a .torrent may be" :
		    r == -EINVAL ? "not a regular file" : strerror(-r));
		return P2P_EXIT_USAGE;
	}
	if (p2p_meta_parse(buf, len, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: add: %s: %s\n", P2P_PROG, c->target, why);
		free(buf);
		return P2P_EXIT_USAGE;
	}
	p2p_meta_hex(&m, hex);
	p2p_meta_free(&m);
	snprintf(name, sizeof(name), "%s.torrent", hex);
	r = drop_incoming(t->data_dir, name, buf, len);
	free(buf);
	if (r < 0) {
		fprintf(stderr, "%s: add: %s/incoming: %s%s\n", P2P_PROG, t->data_dir, strerror(-r),
		    r == -ENOENT ? " (is outpost-p2pd running?)" : "");
		return r == -EACCES || r == -EPERM ? P2P_EXIT_FAIL : P2P_EXIT_SYSTEM;
	}
	snprintf(req, n, "add-file %s", name);
	return 0;
}

int p2p_cmd_ctl(const struct p2p_cli *c)
{
	char req[CTL_REQUEST_MAX + 8], *reply = NULL;
	const char *pre = c->json ? "" : "text ";
	struct target t;
	size_t len = 0;
	int r, rc;

	if (settings(c, &t) < 0)
		return P2P_EXIT_USAGE;
	switch (c->cmd) {
	case P2P_CMD_ADD: {
		char body[CTL_REQUEST_MAX];

		if ((rc = add_request(c, &t, body, sizeof(body) - 5)) != 0)
			return rc;
		snprintf(req, sizeof(req), "%s%s", pre, body);
		break;
	}
	case P2P_CMD_REMOVE:
		if ((size_t)snprintf(req, sizeof(req), "%sremove %s", pre, c->target) >=
		    CTL_REQUEST_MAX) {
			fprintf(stderr, "%s: remove: '%s' is too long\n", P2P_PROG, c->target);
			return P2P_EXIT_USAGE;
		}
		break;
	case P2P_CMD_LIST:
		snprintf(req, sizeof(req), "%slist", pre);
		break;
	default:
		snprintf(req, sizeof(req), "%sstatus", pre);
		break;
	}
	r = ctl_request(t.control, req, CTL_TIMEOUT_MS, &reply, &len);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		fprintf(stderr, "%s: outpost-p2pd is not running (nothing listens on %s)\n",
		    P2P_PROG, t.control);
		return P2P_EXIT_SYSTEM;
	}
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", P2P_PROG, t.control, strerror(-r));
		return P2P_EXIT_SYSTEM;
	}
	if (!len) {
		fprintf(stderr, "%s: %s: the daemon sent no answer\n", P2P_PROG, t.control);
		free(reply);
		return P2P_EXIT_SYSTEM;
	}
	rc = P2P_EXIT_OK;
	if ((!c->json && !strncmp(reply, "error: ", 7)) ||
	    (c->json && !strncmp(reply, "{\"error\":", 9))) {
		rc = P2P_EXIT_FAIL;
		if (!c->json) {
			fprintf(stderr, "%s: %s", P2P_PROG, reply + 7);
			free(reply);
			return rc;
		}
	}
	fwrite(reply, 1, len, stdout);
	free(reply);
	return rc;
}
