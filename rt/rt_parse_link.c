/* rt_parse_link.c: link and address messages into rt_links.
 *
 * Dumps and notifications alike; any bytes (a fuzz harness feeds
 * them), every attribute's length checked before it is read. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "rt_kernel.h"
#include "rt_parse_int.h"

/* glibc's net/if.h lacks it and linux/if.h clashes with net/if.h. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

int rt_parse_link(const struct nlmsghdr *nlh, size_t len, struct rt_links *links)
{
	struct ifinfomsg ifi;
	const struct nlattr *a;
	char name[IF_NAMESIZE] = "";
	bool has_name = false;

	if (rt_parse_check(nlh, len, sizeof(ifi)) < 0)
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	/* AF_BRIDGE messages are about bridge ports (a RTM_DELLINK of one
	 * is a port leaving its bridge, not the link going away). */
	if (ifi.ifi_family != AF_UNSPEC)
		return -ENOENT;
	if (ifi.ifi_index <= 0)
		return -EINVAL;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		rt_links_del(links, ifi.ifi_index);
		return 0;
	}
	mnl_attr_for_each(a, nlh, sizeof(ifi)) {
		size_t n;

		if (mnl_attr_get_type(a) != IFLA_IFNAME)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return -EINVAL;
		n = strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
		if (n == 0 || n >= IF_NAMESIZE)
			return -EINVAL;
		memcpy(name, mnl_attr_get_str(a), n);
		name[n] = '\0';
		has_name = true;
	}
	if (!has_name)
		return -EINVAL;
	return rt_links_set(links, ifi.ifi_index, name, ifi.ifi_flags & IFF_UP,
			    ifi.ifi_flags & IFF_LOWER_UP);
}

int rt_parse_addr(const struct nlmsghdr *nlh, size_t len, struct rt_links *links)
{
	const struct nlattr *a, *local = NULL, *address = NULL;
	struct ifaddrmsg ifa;
	struct rt_ifaddr ia;
	unsigned bits;

	if (rt_parse_check(nlh, len, sizeof(ifa)) < 0)
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	memcpy(&ifa, mnl_nlmsg_get_payload(nlh), sizeof(ifa));
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return -ENOENT;
	bits = ifa.ifa_family == AF_INET ? 32 : 128;
	if (ifa.ifa_prefixlen > bits || ifa.ifa_index == 0 || ifa.ifa_index > INT32_MAX)
		return -EINVAL;
	memset(&ia, 0, sizeof(ia));
	ia.flags = ifa.ifa_flags;
	ia.scope = ifa.ifa_scope;
	mnl_attr_for_each(a, nlh, sizeof(ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			local = a;
			break;
		case IFA_ADDRESS:
			address = a;
			break;
		case IFA_FLAGS:
			/* The 32-bit flags; ifa_flags holds only the low 8. */
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EINVAL;
			ia.flags = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
	/* IFA_LOCAL is the address itself when present (IPv4, and IPv6 with
	 * a peer); IFA_ADDRESS is then the peer, else the address. */
	if (!local)
		local = address;
	if (!local)
		return -EINVAL;
	if (rt_parse_addr_attr(local, ifa.ifa_family, &ia.pfx.addr) < 0)
		return -EINVAL;
	ia.pfx.len = ifa.ifa_prefixlen;
	if (address && address != local) {
		if (rt_parse_addr_attr(address, ifa.ifa_family, &ia.peer.addr) < 0)
			return -EINVAL;
		ia.peer.len = ifa.ifa_prefixlen;
		ia.has_peer = memcmp(&ia.peer.addr.u, &ia.pfx.addr.u,
				     ifa.ifa_family == AF_INET ? 4 : 16) != 0;
		if (!ia.has_peer)
			memset(&ia.peer, 0, sizeof(ia.peer));
	}
	if (nlh->nlmsg_type == RTM_DELADDR) {
		rt_links_addr_del(links, (int)ifa.ifa_index, &ia);
		return 0;
	}
	return rt_links_addr_add(links, (int)ifa.ifa_index, &ia);
}
