/* rt_health.h: one line's health, from the probe engine, with hysteresis.
 *
 * A tracker runs `track = icmp|tcp TARGET` of a [line] every interval as
 * a one-probe job of libopprobe bound to the line's interface
 * (SO_BINDTODEVICE; the line's "oif" rule sends it by the line's own
 * table even while its other rules are failed over), and decides:
 * down after down_after consecutive failed rounds, up again after
 * up_after consecutive good ones. A link that loses carrier or goes
 * down is down at once ("link down"); when it comes back the tracker
 * needs up_after good rounds (or, without a track, it is up at once).
 * A tracker starts up, so a daemon's start does not fail lines over.
 * A round still running when the next one is due counts as lost, so
 * there is never more than one in flight. The "why" of a change is one
 * of: "N of N probes lost" (N = down_after), "probe failed: REASON"
 * (the engine could not probe at all: no such interface, no
 * CAP_NET_RAW and no unprivileged ICMP...), "link down", "N probes
 * answered" (N = up_after), "link up" (a line without a track); before
 * any change rt_health_json says "started".
 *
 * Linking: rt_health.c uses the probe engine, so a program calling it
 * links $(LIBOPPROBE) after $(LIBRT).
 *
 * Library code: never prints; the owner hears of changes through its
 * callback and turns them into events and routing. */
#ifndef OUTPOST_RT_HEALTH_H
#define OUTPOST_RT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "loop.h"
#include "resolve.h"
#include "rt.h"

/* Rounds remembered for the loss and RTT figures a change reports. */
#define RT_HEALTH_WINDOW 10

struct rt_health;

/* A change of state, valid during the callback only. */
struct rt_health_change {
	bool		up;		/* the new state */
	const char	*why;		/* "3 of 3 probes lost", "link down",
					   "2 probes answered", ... */
	double		rtt_ms;		/* mean RTT of the good rounds in the window; <0: none */
	double		loss;		/* lost rounds / rounds in the window, 0..1 */
	unsigned	rounds;		/* rounds in the window */
};
typedef void (*rt_health_cb)(struct rt_health *h, const struct rt_health_change *c, void *arg);

/* Start tracking line (its track, interval_ms, timeout_ms, down_after,
 * up_after, ifname) on l, resolving names through r. The first round
 * goes out at once. 0 or -errno with err set. */
int rt_health_start(struct loop *l, struct resolver *r, const struct rt_line *line,
		    rt_health_cb cb, void *arg, struct rt_health **out, char *err, size_t errlen);
/* Stop and free; NULL-safe; not from inside its own callback. */
void rt_health_free(struct rt_health *h);
/* The link of the line changed (usable: up with carrier); may call cb. */
void rt_health_link(struct rt_health *h, bool usable);
bool rt_health_up(const struct rt_health *h);
/* The tracker's state as JSON members of the object j is in:
 * "state":"up"|"down", "why", "rtt_ms", "loss", "rounds", "since"
 * (monotonic ms of the last change), "track". */
void rt_health_json(const struct rt_health *h, struct json *j);

#endif
