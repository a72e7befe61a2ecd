/* rt_set.c: growable arrays of routing objects. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

void rt_set_init(struct rt_set *s)
{
	memset(s, 0, sizeof(*s));
}

int rt_set_add(struct rt_set *s, const struct rt_obj *o)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct rt_obj *v = reallocarray(s->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *o;
	return 0;
}

void rt_set_clear(struct rt_set *s)
{
	s->n = 0;
}

void rt_set_free(struct rt_set *s)
{
	if (!s)
		return;
	free(s->v);
	rt_set_init(s);
}
