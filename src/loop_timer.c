/* loop_timer.c: min-heap of timers with an id index for O(log n) cancel. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "loop_timer.h"

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->id < b->id;
}

static void heap_place(struct loop_timers *t, size_t i, struct loop_timer *x)
{
	t->heap[i] = x;
	x->idx = i;
}

static void heap_up(struct loop_timers *t, size_t i)
{
	struct loop_timer *x = t->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(x, t->heap[parent]))
			break;
		heap_place(t, i, t->heap[parent]);
		i = parent;
	}
	heap_place(t, i, x);
}

static void heap_down(struct loop_timers *t, size_t i)
{
	struct loop_timer *x = t->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= t->n)
			break;
		if (child + 1 < t->n && timer_before(t->heap[child + 1], t->heap[child]))
			child++;
		if (!timer_before(t->heap[child], x))
			break;
		heap_place(t, i, t->heap[child]);
		i = child;
	}
	heap_place(t, i, x);
}

static void heap_remove(struct loop_timers *t, size_t i)
{
	struct loop_timer *last = t->heap[--t->n];

	if (i == t->n)
		return;
	heap_place(t, i, last);
	/* The moved element may belong above or below its new spot. */
	heap_up(t, i);
	heap_down(t, last->idx);
}

static size_t tab_slot(const struct loop_timers *t, uint64_t id)
{
	/* Fibonacci hashing spreads the consecutive ids over the table. */
	return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (t->tabcap - 1);
}

static size_t tab_find(const struct loop_timers *t, uint64_t id)
{
	size_t i = tab_slot(t, id);

	while (t->tab[i] != NULL && t->tab[i]->id != id)
		i = (i + 1) & (t->tabcap - 1);
	return i;
}

static int tab_grow(struct loop_timers *t)
{
	size_t cap = t->tabcap ? t->tabcap * 2 : 16;
	struct loop_timer **old = t->tab;
	size_t oldcap = t->tabcap;
	struct loop_timer **tab;

	tab = calloc(cap, sizeof(*tab));
	if (tab == NULL)
		return -ENOMEM;
	t->tab = tab;
	t->tabcap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			t->tab[tab_find(t, old[i]->id)] = old[i];
	free(old);
	return 0;
}

/* Delete slot i with backward shifting, so lookups need no tombstones. */
static void tab_delete(struct loop_timers *t, size_t i)
{
	size_t mask = t->tabcap - 1;
	size_t j = i;

	t->tab[i] = NULL;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (t->tab[j] == NULL)
			return;
		home = tab_slot(t, t->tab[j]->id);
		/* Move tab[j] into the hole unless its home lies in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->tab[i] = t->tab[j];
			t->tab[j] = NULL;
			i = j;
		}
	}
}

/* Prepare an empty queue. */
void loop_timers_init(struct loop_timers *t)
{
	*t = (struct loop_timers){ .next_id = 1 };
}

/* Free every pending timer and the queue's arrays. */
void loop_timers_fini(struct loop_timers *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->heap[i]);
	free(t->heap);
	free(t->tab);
	t->heap = NULL;
	t->tab = NULL;
	t->n = t->cap = t->tabcap = 0;
}

/* Queue cb at deadline; returns the new id (> 0), or 0 without memory. */
uint64_t loop_timers_add(struct loop_timers *t, uint64_t deadline,
			 loop_timer_cb cb, void *arg)
{
	struct loop_timer *x;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct loop_timer **heap = reallocarray(t->heap, cap, sizeof(*heap));

		if (heap == NULL)
			return 0;
		t->heap = heap;
		t->cap = cap;
	}
	/* Keep the table at most half full. */
	if ((t->n + 1) * 2 > t->tabcap && tab_grow(t) < 0)
		return 0;
	x = malloc(sizeof(*x));
	if (x == NULL)
		return 0;
	*x = (struct loop_timer){ .deadline = deadline, .id = t->next_id++,
				  .cb = cb, .arg = arg };
	t->tab[tab_find(t, x->id)] = x;
	heap_place(t, t->n++, x);
	heap_up(t, x->idx);
	return x->id;
}

/* Remove a pending timer; 0 or -ENOENT. */
int loop_timers_cancel(struct loop_timers *t, uint64_t id)
{
	struct loop_timer *x;
	size_t slot;

	if (id == 0 || t->tabcap == 0)
		return -ENOENT;
	slot = tab_find(t, id);
	x = t->tab[slot];
	if (x == NULL)
		return -ENOENT;
	tab_delete(t, slot);
	heap_remove(t, x->idx);
	free(x);
	return 0;
}

/* The earliest pending timer, or NULL. */
const struct loop_timer *loop_timers_peek(const struct loop_timers *t)
{
	return t->n ? t->heap[0] : NULL;
}

/* Remove the earliest timer if it is due and older than id_limit. */
int loop_timers_pop_due(struct loop_timers *t, uint64_t now, uint64_t id_limit,
			loop_timer_cb *cb, void **arg)
{
	struct loop_timer *x;

	if (t->n == 0)
		return 0;
	x = t->heap[0];
	if (x->deadline > now || x->id >= id_limit)
		return 0;
	tab_delete(t, tab_find(t, x->id));
	heap_remove(t, 0);
	*cb = x->cb;
	*arg = x->arg;
	free(x);
	return 1;
}
