/* shape_timing.c: the sizes that make HTB hold its rate: burst (how far
 * a class may run ahead of its rate after the qdisc's timer fired
 * late), quantum (how much a class sends per round when classes share
 * what their parent lends) and the fifo limit of a leaf, and the burst
 * as the kernel takes it, in psched ticks.
 *
 * The kernel refills a class's bucket only up to its burst; whatever
 * the timer and softirq come late by beyond the burst's worth of time is
 * rate lost for good. iproute2's default burst (rate / HZ + MTU, with a
 * high-resolution HZ of 10^9 just the MTU) loses 5 % at 20 Mbit/s and
 * more above. */
#include "config.h"

#include <stdint.h>

#include "shape.h"
#include "shape_plan_int.h"

/* Bursts hold this long at the class's rate (milliseconds), and at
 * least this many packets: calibrated, see shape_burst. */
#define BURST_MS 20u
#define BURST_MIN_PACKETS 2u
/* Quantum: this long at the class's rate, so what a parent lends is
 * shared in proportion to the classes' rates (HTB's r2q of 100). */
#define QUANTUM_MS 10u
#define QUANTUM_MIN 1000u
#define QUANTUM_MAX 200000u
/* A leaf fifo holds this long at its rate, in packets within bounds:
 * enough for a TCP window over a real line to keep the class busy. */
#define FIFO_MS 100u
#define FIFO_MIN 64u
#define FIFO_MAX 10000u

/* a * b / c, rounded down or up, without overflow; c > 0. */
static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c, int up)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;
	unsigned __int128 q = p / c + (up && p % c != 0);

	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
#else
	long double q = (long double)a * (long double)b / (long double)c;

	if (q >= 18446744073709551615.0L)
		return UINT64_MAX;
	uint64_t r = (uint64_t)q;

	return up && (long double)r < q ? r + 1 : r;
#endif
}

uint64_t shape_scale(uint64_t a, uint64_t b, uint64_t c)
{
	return c ? muldiv(a, b, c, 0) : UINT64_MAX;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

uint32_t shape_xmit_ticks(uint64_t bytes, uint64_t rate)
{
	if (!rate)
		return UINT32_MAX;
	/* ns = bytes * 1e9 / rate, a tick is 64 ns: rounding up twice is
	 * rounding up once, and rate * 64 could overflow. */
	uint64_t ns = muldiv(bytes, 1000000000ull, rate, 1);

	return sat32(ns / 64 + (ns % 64 != 0));
}

/* Calibrated with TCP through an HTB class set by tc on a veth
 * (shmodel's commit "shape_timing" has the table): rate x 10 ms, at
 * least two packets, holds 1, 20, 100 and 1000 Mbit/s within 2 %. */
uint32_t shape_burst(uint64_t rate, uint32_t mtu)
{
	uint64_t b = muldiv(rate, BURST_MS, 1000, 1);
	uint64_t floor = (uint64_t)BURST_MIN_PACKETS * (mtu ? mtu : 1514);
	/* The longest burst the kernel can hold: UINT32_MAX ticks of
	 * 64 ns at this rate (only a few bytes per second reach it). */
	uint64_t most = muldiv(rate, (uint64_t)UINT32_MAX * 64u, 1000000000ull, 0);

	if (b < floor)
		b = floor;
	if (b > most)
		b = most;
	return b ? sat32(b) : 1;
}

uint32_t shape_quantum(uint64_t rate, uint32_t mtu)
{
	uint64_t q = muldiv(rate, QUANTUM_MS, 1000, 0);

	if (q < QUANTUM_MIN)
		q = QUANTUM_MIN;
	if (q > QUANTUM_MAX)
		q = QUANTUM_MAX;
	/* A class must be able to send a whole packet per round. */
	if (q < mtu)
		q = mtu;
	return sat32(q);
}

uint32_t shape_fifo_limit(uint64_t rate, uint32_t mtu)
{
	uint64_t n = muldiv(rate, FIFO_MS, 1000ull * (mtu ? mtu : 1514), 1);

	if (n < FIFO_MIN)
		n = FIFO_MIN;
	if (n > FIFO_MAX)
		n = FIFO_MAX;
	return (uint32_t)n;
}
