/* rt_obj.h: what the model's files share beyond rt.h (librt.a only). */
#ifndef OUTPOST_RT_OBJ_H
#define OUTPOST_RT_OBJ_H

#include "rt.h"

/* Total orders: family, then the bytes of that family (and length). */
int rt_addr_cmp(const struct conf_addr *a, const struct conf_addr *b);
int rt_prefix_cmp(const struct conf_prefix *a, const struct conf_prefix *b);
/* The total order of identity: kind, then every rule field, or a
 * route's family, table, destination and metric. */
int rt_obj_cmp(const struct rt_obj *a, const struct rt_obj *b);

/* Text of an address and of a prefix (host bits as stored). */
void rt_addr_text(const struct conf_addr *a, char *buf, size_t len);
void rt_prefix_text(const struct conf_prefix *p, char *buf, size_t len);

#endif
