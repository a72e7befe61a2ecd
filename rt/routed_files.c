/* routed_files.c: the files that give Outpost's tables and protocol
 * their names for ip(8): rt-tables ("150\ttel" per line) and rt-protos
 * ("158\toutpost").
 *
 * Both are opened as root before dropping privileges and kept open, so
 * a reload can rewrite them (ftruncate + pwrite) as the unprivileged
 * user. Since root writes there, the folder must be root's and not
 * writable by group or others, and the file a plain file with one link,
 * opened without following a symbolic link: nobody else can point the
 * write elsewhere. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "log.h"
#include "routed.h"

#define HEADER "# written by outpost-routed: do not edit (see outpost-routed(8))\n"

void routed_files_init(struct routed *d)
{
	d->tables_dirfd = d->tables_fd = -1;
	d->protos_dirfd = d->protos_fd = -1;
}

/* Split path into its folder and file name. */
static int split(const char *path, char *dir, size_t dlen, char *name, size_t nlen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, dlen, ".");
		n = (size_t)snprintf(name, nlen, "%s", path);
	} else {
		size_t dl = slash == path ? 1 : (size_t)(slash - path);

		if (dl >= dlen)
			return -ENAMETOOLONG;
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		n = (size_t)snprintf(name, nlen, "%s", slash + 1);
	}
	return !*name || n >= nlen ? -EINVAL : 0;
}

/* Open path's folder (making it, 0755, when missing and create) and check it. */
static int open_dir(const char *path, const char *dir, bool create, int *dirfd)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create && mkdir(dir, 0755) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_err("%s: cannot open its folder %s: %m", path, dir);
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_err("%s: its folder %s must be owned by root and not writable by group "
		    "or others", path, dir);
		close(fd);
		return -1;
	}
	*dirfd = fd;
	return 0;
}

static int open_one(const char *path, char *namebuf, size_t nlen, int *dirfd, int *fd)
{
	char dir[256];
	struct stat st;

	if (split(path, dir, sizeof(dir), namebuf, nlen) < 0) {
		log_err("%s: not a file name", path);
		return -1;
	}
	if (open_dir(path, dir, true, dirfd) < 0)
		return -1;
	*fd = openat(*dirfd, namebuf, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*fd < 0) {
		log_err("cannot open %s: %m", path);
		return -1;
	}
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		log_err("%s: not a plain file with a single link; remove it", path);
		return -1;
	}
	return 0;
}

int routed_files_open(struct routed *d)
{
	snprintf(d->tables_path, sizeof(d->tables_path), "%s", d->cfg->rt_tables);
	snprintf(d->protos_path, sizeof(d->protos_path), "%s", d->cfg->rt_protos);
	if (open_one(d->tables_path, d->tables_name, sizeof(d->tables_name), &d->tables_dirfd,
	    &d->tables_fd) < 0)
		return -1;
	return open_one(d->protos_path, d->protos_name, sizeof(d->protos_name),
	    &d->protos_dirfd, &d->protos_fd);
}

static int put(int fd, const char *path, const char *text, size_t len)
{
	int r;

	if (ftruncate(fd, 0) < 0) {
		log_err("cannot rewrite %s: %m", path);
		return -1;
	}
	if ((r = fs_pwrite_all(fd, text, len, 0)) < 0) {
		log_err("cannot write %s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

int routed_files_write(struct routed *d)
{
	size_t cap = sizeof(HEADER) + d->cfg->nlines * 96, len = 0;
	char *text = malloc(cap), protos[sizeof(HEADER) + 32];
	int r = -1;

	if (strcmp(d->tables_path, d->cfg->rt_tables) || strcmp(d->protos_path, d->cfg->rt_protos))
		log_warn("[routing] rt-tables and rt-protos move at the next restart; still "
		    "writing %s and %s", d->tables_path, d->protos_path);
	if (!text) {
		log_err("out of memory");
		return -1;
	}
	len = (size_t)snprintf(text, cap, "%s", HEADER);
	for (size_t i = 0; i < d->cfg->nlines; i++)
		if (d->cfg->lines[i].table)
			len += (size_t)snprintf(text + len, cap - len, "%u\t%s\n",
			    d->cfg->lines[i].table, d->cfg->lines[i].name);
	snprintf(protos, sizeof(protos), "%s%u\toutpost\n", HEADER, d->cfg->protocol);
	if (d->tables_fd >= 0 && d->protos_fd >= 0 &&
	    put(d->tables_fd, d->tables_path, text, len) == 0 &&
	    put(d->protos_fd, d->protos_path, protos, strlen(protos)) == 0)
		r = 0;
	free(text);
	return r;
}

int routed_files_remove(struct routed *d)
{
	char dir[256], name[256];
	int dfd = -1, r = 0;

	if (split(d->cfg->rt_tables, dir, sizeof(dir), name, sizeof(name)) < 0)
		return -1;
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (open_dir(d->cfg->rt_tables, dir, false, &dfd) < 0)
		return -1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		log_err("cannot remove %s: %m", d->cfg->rt_tables);
		r = -1;
	}
	close(dfd);
	return r;
}

void routed_files_close(struct routed *d)
{
	int *fds[] = { &d->tables_dirfd, &d->tables_fd, &d->protos_dirfd, &d->protos_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}
