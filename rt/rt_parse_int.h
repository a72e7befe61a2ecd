/* rt_parse_int.h: what the rt kernel parsers share (rt_parse*.c). */
#ifndef OUTPOST_RT_PARSE_INT_H
#define OUTPOST_RT_PARSE_INT_H

#include "rt_kernel.h"

/* The message, with its length rounded up to 4 as libmnl's attribute
 * walk reads it, fits in len and holds a family header of hdrlen bytes:
 * 0 or -EINVAL. */
int rt_parse_check(const struct nlmsghdr *nlh, size_t len, size_t hdrlen);
/* An address attribute of family (exactly 4 or 16 bytes): 0 or -EINVAL. */
int rt_parse_addr_attr(const struct nlattr *a, int family, struct conf_addr *out);

#endif
