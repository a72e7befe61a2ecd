/* daemon.h: detaching from the terminal and owning a pidfile. */
#ifndef OUTPOST_DAEMON_H
#define OUTPOST_DAEMON_H

/* Detach: fork twice (the daemon is no session leader, so it can never
 * acquire a controlling terminal), setsid, chdir("/"), point stdin, stdout
 * and stderr at /dev/null. Only the final grandchild returns, with 0; the
 * intermediate processes _exit(0) after stdio buffers are flushed. Returns
 * -errno (in the original process, or in the child if setsid fails). */
int daemon_detach(void);

/* Write our pid to path and keep an exclusive flock on it for the life of
 * the process. The pid is written to a fresh O_EXCL temporary file in the
 * same directory and renamed into place, so readers never see a partial
 * file. Returns 0, -EBUSY when another live process holds the lock on path,
 * -EALREADY when this process already owns a pidfile, or -errno. Call it
 * after daemon_detach() so the pid is the daemon's. */
int daemon_pidfile_write(const char *path);

/* Remove path if it is still the pidfile this process wrote (not one
 * another process has since replaced) and release the lock. Returns 0,
 * -ENOENT when this process owns no pidfile, -ESTALE when path no longer is
 * ours (the lock is released all the same), or -errno. */
int daemon_pidfile_remove(const char *path);

#endif
