/* fuzz-journal: pubd_journal_parse() over arbitrary bytes, the replay of
 * <spool>/pubd.inflight that outpost-pubd runs at start.
 *
 * Invariants checked: the verdict is stable; what is valid is the header
 * plus whole records and never past the input; the messages in flight are
 * sorted by (seq, identity), hold distinct nonzero packet ids and a stage
 * that can be resumed; no event is both in flight and proved delivered;
 * and the journal rendered from the messages in flight replays to exactly
 * them, with nothing delivered. Version 1 journals (no identities) are
 * read too. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pubd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const struct pubd_restore *a, const struct pubd_restore *b)
{
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->ident < b->ident ? -1 : a->ident > b->ident;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pubd_replay rp, rp2, again;
	static uint8_t pid_seen[65536];
	char *buf, *text;
	size_t i, k, len;
	int r, r2;

	/* The daemon reads into a NUL-terminated buffer: do the same. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = pubd_journal_parse(buf, size, &rp);
	r2 = pubd_journal_parse(buf, size, &rp2);
	if (r != r2)
		abort();
	if (r < 0) {
		free(buf);
		return 0;
	}
	if (rp.valid > size || (rp.version != 1 && rp.version != 2) ||
	    (rp.valid - 24) % (rp.version == 1 ? 25 : 42) != 0 || rp.nlive != rp2.nlive ||
	    rp.ndone != rp2.ndone)
		abort();
	memset(pid_seen, 0, sizeof(pid_seen));
	for (i = 0; i < rp.nlive; i++) {
		const struct pubd_restore *l = &rp.live[i];

		if (l->seq == 0 || (l->ident == 0) != (rp.version == 1) || l->packet_id == 0 ||
		    pid_seen[l->packet_id] ||
		    (l->stage != MQTT_STAGE_PUBLISHED && l->stage != MQTT_STAGE_PUBREC))
			abort();
		pid_seen[l->packet_id] = 1;
		if (i > 0 && cmp(&rp.live[i - 1], l) >= 0)
			abort();
		if (memcmp(l, &rp2.live[i], sizeof(*l)) != 0)
			abort();
	}
	for (i = 0; i < rp.ndone; i++)
		for (k = 0; k < rp.nlive; k++)
			if (cmp(&rp.done[i], &rp.live[k]) == 0)
				abort();
	/* Version 2 only: version 1 records carry no identity to render. */
	if (rp.version == 2 && pubd_journal_render(rp.live, rp.nlive, &text, &len) == 0) {
		if (pubd_journal_parse(text, len, &again) != 0 || again.valid != len ||
		    again.nlive != rp.nlive || again.ndone != 0)
			abort();
		for (i = 0; i < rp.nlive; i++)
			if (cmp(&again.live[i], &rp.live[i]) != 0 ||
			    again.live[i].packet_id != rp.live[i].packet_id ||
			    again.live[i].stage != rp.live[i].stage)
				abort();
		pubd_replay_free(&again);
		free(text);
	}
	pubd_replay_free(&rp);
	pubd_replay_free(&rp2);
	free(buf);
	return 0;
}
