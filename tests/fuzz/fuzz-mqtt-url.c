/* fuzz-mqtt-url: mqtt_url_parse(), which reads broker URLs from the config
 * file and the command line.
 *
 * The input is the URL (cut at its first NUL). A parsed URL must hold
 * NUL-terminated fields within their arrays and a port of 1..65535, and
 * parsing its canonical form again must give the same fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mqtt_url u, again;
	char *url, canon[600];
	const char *why = NULL;
	long port;

	if (size > 4096)
		return 0;
	url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	if (mqtt_url_parse(url, &u, &why) < 0) {
		if (!why || !*why)
			abort();	/* every refusal says why */
		free(url);
		return 0;
	}
	if (memchr(u.host, '\0', sizeof(u.host)) == NULL ||
	    memchr(u.port, '\0', sizeof(u.port)) == NULL ||
	    memchr(u.user, '\0', sizeof(u.user)) == NULL || u.host[0] == '\0')
		abort();
	port = strtol(u.port, NULL, 10);
	if (port < 1 || port > 65535)
		abort();
	snprintf(canon, sizeof(canon), "%s://%s%s%s%s%s:%s", u.tls ? "mqtts" : "mqtt",
	    u.user, u.user[0] ? "@" : "", strchr(u.host, ':') ? "[" : "", u.host,
	    strchr(u.host, ':') ? "]" : "", u.port);
	if (mqtt_url_parse(canon, &again, &why) < 0 || again.tls != u.tls ||
	    strcmp(again.host, u.host) || strcmp(again.port, u.port) ||
	    strcmp(again.user, u.user))
		abort();
	free(url);
	return 0;
}
