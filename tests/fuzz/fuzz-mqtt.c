/* fuzz-mqtt: the MQTT framer and every decoder, 3.1.1 and 5.0.
 *
 * The first input byte picks the protocol version and the size limit;
 * the rest is a received byte stream, framed packet by packet as the
 * client does it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { MQTT_MAX_PACKET, 64, 4096 };
	int version;
	size_t limit;

	if (size < 1)
		return 0;
	version = data[0] & 1 ? MQTT_V5 : MQTT_V311;
	limit = limits[(data[0] >> 1) % 3];
	data++;
	size--;
	while (size > 0) {
		struct mqtt_packet p;
		struct mqtt_in in;
		const char *why = NULL;
		int rc = mqtt_frame(data, size, limit, &p, &why);

		if (rc <= 0) {
			if (rc < 0 && !why)
				__builtin_trap();	/* every error must say why */
			break;
		}
		if (p.size > size || p.body + p.body_len != data + p.size)
			__builtin_trap();
		rc = mqtt_decode(&p, version, &in, &why);
		if (rc < 0 && !why)
			__builtin_trap();
		/* Read every borrowed byte so ASan sees any bad pointer. */
		if (rc == 0 && in.type == MQTT_PUBLISH) {
			for (size_t i = 0; i < in.u.publish.payload_len; i++)
				sink ^= in.u.publish.payload[i];
			for (size_t i = 0; i < in.u.publish.topic.len; i++)
				sink ^= (uint8_t)in.u.publish.topic.p[i];
		}
		if (rc == 0 && in.type == MQTT_CONNACK)
			(void)mqtt_connack_text(version, in.u.connack.code);
		data += p.size;
		size -= p.size;
	}
	return 0;
}
