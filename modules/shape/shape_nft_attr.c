/* shape_nft_attr.c: attributes of dumped nftables messages, each one
 * validated for its type before it is read.
 *
 * mnl_attr_parse keeps every attribute inside its message or nest;
 * the getters here check each value's size. libnftnl's own parsers are
 * not used on what the kernel sends: on an attribute of an unexpected
 * size they exit() the process ("nf_tables kernel ABI is broken"),
 * which a library must not do on any bytes (fuzz-shape-nft found it). */
#include "config.h"

#include <endian.h>
#include <netinet/in.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>

#include "shape_nft_int.h"

_Static_assert(NFTA_SET_EXPRESSIONS <= SHAPE_NFT_MAX_ATTR &&
		       NFTA_SET_ELEM_EXPRESSIONS <= SHAPE_NFT_MAX_ATTR &&
		       NFTA_CHAIN_FLAGS <= SHAPE_NFT_MAX_ATTR && NFTA_RULE_COMPAT <= SHAPE_NFT_MAX_ATTR &&
		       NFTA_TABLE_OWNER <= SHAPE_NFT_MAX_ATTR && NFTA_PAYLOAD_SREG <= SHAPE_NFT_MAX_ATTR,
	       "every attribute read fits the table");

static int tb_cb(const struct nlattr *a, void *data)
{
	struct shape_nft_tb *t = data;
	uint16_t type = mnl_attr_get_type(a);

	/* Types we do not read are skipped; a repeated one keeps the last. */
	if (type <= SHAPE_NFT_MAX_ATTR)
		t->a[type] = a;
	return MNL_CB_OK;
}

bool shape_nft_msg_attrs(const struct nlmsghdr *nlh, struct shape_nft_tb *t)
{
	memset(t, 0, sizeof(*t));
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), tb_cb, t) >= 0;
}

bool shape_nft_nest_attrs(const struct nlattr *nest, struct shape_nft_tb *t)
{
	memset(t, 0, sizeof(*t));
	return nest && mnl_attr_validate(nest, MNL_TYPE_NESTED) == 0 &&
	       mnl_attr_parse_nested(nest, tb_cb, t) >= 0;
}

bool shape_nft_attr_u32(const struct nlmsghdr *nlh, uint16_t type, uint32_t *v)
{
	struct shape_nft_tb t;

	return type <= SHAPE_NFT_MAX_ATTR && shape_nft_msg_attrs(nlh, &t) && t.a[type] &&
	       mnl_attr_validate(t.a[type], MNL_TYPE_U32) == 0 &&
	       (*v = ntohl(mnl_attr_get_u32(t.a[type])), true);
}

bool shape_nft_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = ntohl(mnl_attr_get_u32(a));
	return true;
}

uint32_t shape_nft_u32_or0(const struct nlattr *a)
{
	uint32_t v = 0;

	return shape_nft_get_u32(a, &v) ? v : 0;
}

uint64_t shape_nft_u64_or0(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return 0;
	return be64toh(mnl_attr_get_u64(a));
}

const char *shape_nft_get_str(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(a);
}

/* The bytes of an NFTA_DATA_VALUE inside a data nest. */
const uint8_t *shape_nft_get_value(const struct nlattr *nest, uint32_t *len)
{
	struct shape_nft_tb t;

	if (!shape_nft_nest_attrs(nest, &t) || !t.a[NFTA_DATA_VALUE] ||
	    mnl_attr_validate(t.a[NFTA_DATA_VALUE], MNL_TYPE_BINARY) < 0)
		return NULL;
	*len = mnl_attr_get_payload_len(t.a[NFTA_DATA_VALUE]);
	return mnl_attr_get_payload(t.a[NFTA_DATA_VALUE]);
}
