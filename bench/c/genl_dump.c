/* Workload 5: a Generic Netlink dump on a real family across every device of the namespace:
 * ethtool ETHTOOL_MSG_LINKINFO_GET (-a ethtool) or netdev NETDEV_CMD_DEV_GET (-a netdev).
 * The family id is resolved by name once, outside the timed runs. Every attribute is parsed
 * and decoded into a per-device row; the dump ends at NLMSG_DONE only. */
#include "nlbench.h"
#include <net/if.h>
#include <linux/ethtool_netlink.h>

/* netdev uapi (not in this distribution's headers; values from include/uapi/linux/netdev.h) */
enum { NETDEV_A_DEV_IFINDEX = 1, NETDEV_A_DEV_PAD, NETDEV_A_DEV_XDP_FEATURES,
       NETDEV_A_DEV_XDP_ZC_MAX_SEGS, NETDEV_A_DEV_XDP_RX_METADATA_FEATURES,
       NETDEV_A_DEV_XSK_FEATURES, NETDEV_A_DEV_MAX = NETDEV_A_DEV_XSK_FEATURES };
#define NETDEV_CMD_DEV_GET 1

struct ethtool_row {
	uint32_t ifindex, hdr_flags;
	char ifname[IFNAMSIZ];
	uint8_t port, phyaddr, tp_mdix, tp_mdix_ctrl, transceiver;
};

static const enum mnl_attr_data_type hdr_types[ETHTOOL_A_HEADER_MAX + 1] = {
	[ETHTOOL_A_HEADER_DEV_INDEX] = MNL_TYPE_U32, [ETHTOOL_A_HEADER_DEV_NAME] = MNL_TYPE_NUL_STRING,
	[ETHTOOL_A_HEADER_FLAGS] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type li_types[ETHTOOL_A_LINKINFO_MAX + 1] = {
	[ETHTOOL_A_LINKINFO_HEADER] = MNL_TYPE_NESTED, [ETHTOOL_A_LINKINFO_PORT] = MNL_TYPE_U8,
	[ETHTOOL_A_LINKINFO_PHYADDR] = MNL_TYPE_U8, [ETHTOOL_A_LINKINFO_TP_MDIX] = MNL_TYPE_U8,
	[ETHTOOL_A_LINKINFO_TP_MDIX_CTRL] = MNL_TYPE_U8,
	[ETHTOOL_A_LINKINFO_TRANSCEIVER] = MNL_TYPE_U8,
};

static int ethtool_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ethtool_row *row = nlb_row_new(data);
	const struct nlattr *tb[ETHTOOL_A_LINKINFO_MAX + 1] = { 0 };
	const struct nlattr *hb[ETHTOOL_A_HEADER_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, li_types, ETHTOOL_A_LINKINFO_MAX };
	struct parse_ctx hctx = { hb, hdr_types, ETHTOOL_A_HEADER_MAX };

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (tb[ETHTOOL_A_LINKINFO_HEADER]) {
		mnl_attr_parse_nested(tb[ETHTOOL_A_LINKINFO_HEADER], attr_cb, &hctx);
		if (hb[ETHTOOL_A_HEADER_DEV_INDEX])
			row->ifindex = mnl_attr_get_u32(hb[ETHTOOL_A_HEADER_DEV_INDEX]);
		if (hb[ETHTOOL_A_HEADER_DEV_NAME])
			snprintf(row->ifname, sizeof(row->ifname), "%s",
				 mnl_attr_get_str(hb[ETHTOOL_A_HEADER_DEV_NAME]));
		if (hb[ETHTOOL_A_HEADER_FLAGS])
			row->hdr_flags = mnl_attr_get_u32(hb[ETHTOOL_A_HEADER_FLAGS]);
	}
	if (tb[ETHTOOL_A_LINKINFO_PORT]) row->port = mnl_attr_get_u8(tb[ETHTOOL_A_LINKINFO_PORT]);
	if (tb[ETHTOOL_A_LINKINFO_PHYADDR]) row->phyaddr = mnl_attr_get_u8(tb[ETHTOOL_A_LINKINFO_PHYADDR]);
	if (tb[ETHTOOL_A_LINKINFO_TP_MDIX]) row->tp_mdix = mnl_attr_get_u8(tb[ETHTOOL_A_LINKINFO_TP_MDIX]);
	if (tb[ETHTOOL_A_LINKINFO_TP_MDIX_CTRL])
		row->tp_mdix_ctrl = mnl_attr_get_u8(tb[ETHTOOL_A_LINKINFO_TP_MDIX_CTRL]);
	if (tb[ETHTOOL_A_LINKINFO_TRANSCEIVER])
		row->transceiver = mnl_attr_get_u8(tb[ETHTOOL_A_LINKINFO_TRANSCEIVER]);
	return MNL_CB_OK;
}

struct netdev_row {
	uint32_t ifindex, zc_max_segs;
	uint64_t xdp_features, rx_metadata, xsk_features;
};

static const enum mnl_attr_data_type nd_types[NETDEV_A_DEV_MAX + 1] = {
	[NETDEV_A_DEV_IFINDEX] = MNL_TYPE_U32, [NETDEV_A_DEV_XDP_FEATURES] = MNL_TYPE_U64,
	[NETDEV_A_DEV_XDP_ZC_MAX_SEGS] = MNL_TYPE_U32,
	[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES] = MNL_TYPE_U64,
	[NETDEV_A_DEV_XSK_FEATURES] = MNL_TYPE_U64,
};

static int netdev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netdev_row *row = nlb_row_new(data);
	const struct nlattr *tb[NETDEV_A_DEV_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, nd_types, NETDEV_A_DEV_MAX };

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (tb[NETDEV_A_DEV_IFINDEX]) row->ifindex = mnl_attr_get_u32(tb[NETDEV_A_DEV_IFINDEX]);
	if (tb[NETDEV_A_DEV_XDP_FEATURES])
		row->xdp_features = mnl_attr_get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
	if (tb[NETDEV_A_DEV_XDP_ZC_MAX_SEGS])
		row->zc_max_segs = mnl_attr_get_u32(tb[NETDEV_A_DEV_XDP_ZC_MAX_SEGS]);
	if (tb[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES])
		row->rx_metadata = mnl_attr_get_u64(tb[NETDEV_A_DEV_XDP_RX_METADATA_FEATURES]);
	if (tb[NETDEV_A_DEV_XSK_FEATURES])
		row->xsk_features = mnl_attr_get_u64(tb[NETDEV_A_DEV_XSK_FEATURES]);
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	int netdev = o.arg && strcmp(o.arg, "netdev") == 0;
	struct mnl_socket *nl = nlb_open(NETLINK_GENERIC);
	int family = nlb_family_id(nl, netdev ? "netdev" : "ethtool");
	uint64_t runs[NLB_MAX_RUNS];
	long objects = 0;
	int i;

	for (i = -o.warmup; i < o.reps; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlb_rows rows = { .size = netdev ? sizeof(struct netdev_row)
							: sizeof(struct ethtool_row) };
		struct genlmsghdr *g;
		uint64_t t0 = nlb_cpu_ns();

		nlh->nlmsg_type = family;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = (unsigned int)(i + 100);
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->version = 1;
		if (netdev) {
			g->cmd = NETDEV_CMD_DEV_GET;
			nlb_transact(nl, nlh, netdev_cb, &rows);
		} else {
			struct nlattr *nest;
			g->cmd = ETHTOOL_MSG_LINKINFO_GET;
			nest = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKINFO_HEADER);
			mnl_attr_nest_end(nlh, nest);
			nlb_transact(nl, nlh, ethtool_cb, &rows);
		}
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
		objects = (long)rows.len;
		free(rows.data);
	}
	nlb_report(netdev ? "netdev" : "ethtool", runs, o.reps, objects, NULL);
	mnl_socket_close(nl);
	return 0;
}
