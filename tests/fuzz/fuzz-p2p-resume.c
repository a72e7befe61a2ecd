/* fuzz-p2p-resume.c: the store's resume file parser on arbitrary bytes
 * (a resume on disk may be damaged or planted). The sealing checksum is
 * skipped by recomputing it, so the fields behind it are reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct p2p_file files[3];
	struct p2p_meta m = { .version = P2P_V1, .piece_len = 16384, .npieces = 13,
			      .files = files, .nfiles = 3 };
	int fds[3] = { -1, -1, -1 };
	uint8_t have[2] = { 0 }, *buf;
	struct p2p_store s = { .m = &m, .fds = fds, .have = have };

	if (size > 4096)
		return 0;
	buf = malloc(size + 32);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	SHA256(buf, size, buf + size);
	(void)p2p_resume_parse(&s, buf, size + 32);
	(void)p2p_resume_parse(&s, data, size);
	free(buf);
	return 0;
}
