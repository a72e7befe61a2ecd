/* mqtt_password.c: the broker password, read from a file (never argv).
 *
 * The password is the file's first line without its line end ("\n" or
 * "\r\n"); it may hold any other bytes. Longer than MQTT_PASSWORD_MAX is
 * an error rather than a silent cut.
 *
 * Like ssh with its keys, a file others may read or write is refused: the
 * secret is already out. Group read is fine, the way a daemon's group
 * reads its secrets (0640 root:outpost). The file must be regular: a FIFO
 * would block the reader, so it is opened non-blocking and checked first. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mqtt_client.h"

/* The first line of path, without its line end; caller frees *out. */
int mqtt_password_read(const char *path, uint8_t **out, size_t *len)
{
	char buf[MQTT_PASSWORD_MAX + 2];
	size_t n = 0;
	ssize_t k;
	struct stat st;
	int fd, r = 0, fl;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		r = -EPERM;
		goto out;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = -errno;
		goto out;
	}
	while (n < sizeof(buf)) {
		k = read(fd, buf + n, sizeof(buf) - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (memchr(buf, '\n', n))
			break;
	}
	{
		char *nl = memchr(buf, '\n', n);

		if (nl)
			n = (size_t)(nl - buf);
		else if (n > MQTT_PASSWORD_MAX) {
			r = -EFBIG;
			goto out;
		}
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*out = malloc(n ? n : 1);
	if (*out == NULL) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(*out, buf, n);
	*len = n;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}

const char *mqtt_password_error(int err)
{
	switch (err) {
	case -EFBIG:
		return "the first line is longer than 4096 bytes";
	case -EINVAL:
		return "not a regular file";
	case -EPERM:
		return "others can read or write it; allow the owner and its group only (chmod o-rw)";
	default:
		return strerror(-err);
	}
}
