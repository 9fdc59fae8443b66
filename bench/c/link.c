/* Workload 1: RTM_GETLINK dump, every attribute of every message parsed and decoded into a
 * per-link row; IFLA_LINKINFO and IFLA_AF_SPEC (AF_INET, AF_INET6) parsed too. */
#include "nlbench.h"
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

struct link_row {
	struct ifinfomsg ifi;
	char ifname[IFNAMSIZ];
	char qdisc[32];
	char kind[32];
	char slave_kind[32];
	char alt[IFNAMSIZ];
	unsigned char address[32], broadcast[32], perm_address[32];
	uint64_t u[IFLA_MAX + 1];          /* scalar attributes by type */
	struct rtnl_link_stats64 stats64;
	struct rtnl_link_stats stats;
	struct rtnl_link_ifmap map;
	uint32_t inet_conf[64];
	uint32_t inet6_flags;
	uint8_t inet6_addr_gen_mode;
	struct ifla_cacheinfo inet6_cacheinfo;
	int64_t inet6_conf[96];
	uint64_t inet6_stats[96];
	uint64_t inet6_icmp6[8];
	int n_attrs;
};

/* Expected type of each IFLA attribute (what the validation callback checks). */
static enum mnl_attr_data_type ifla_types[IFLA_MAX + 1] = {
	[IFLA_ADDRESS] = MNL_TYPE_BINARY, [IFLA_BROADCAST] = MNL_TYPE_BINARY,
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING, [IFLA_MTU] = MNL_TYPE_U32, [IFLA_LINK] = MNL_TYPE_U32,
	[IFLA_QDISC] = MNL_TYPE_NUL_STRING, [IFLA_STATS] = MNL_TYPE_BINARY,
	[IFLA_MASTER] = MNL_TYPE_U32, [IFLA_TXQLEN] = MNL_TYPE_U32, [IFLA_MAP] = MNL_TYPE_BINARY,
	[IFLA_WEIGHT] = MNL_TYPE_U32, [IFLA_OPERSTATE] = MNL_TYPE_U8, [IFLA_LINKMODE] = MNL_TYPE_U8,
	[IFLA_LINKINFO] = MNL_TYPE_NESTED, [IFLA_NET_NS_PID] = MNL_TYPE_U32,
	[IFLA_IFALIAS] = MNL_TYPE_STRING, [IFLA_NUM_VF] = MNL_TYPE_U32,
	[IFLA_STATS64] = MNL_TYPE_BINARY, [IFLA_AF_SPEC] = MNL_TYPE_NESTED,
	[IFLA_GROUP] = MNL_TYPE_U32, [IFLA_PROMISCUITY] = MNL_TYPE_U32,
	[IFLA_NUM_TX_QUEUES] = MNL_TYPE_U32, [IFLA_NUM_RX_QUEUES] = MNL_TYPE_U32,
	[IFLA_CARRIER] = MNL_TYPE_U8, [IFLA_PHYS_PORT_ID] = MNL_TYPE_BINARY,
	[IFLA_CARRIER_CHANGES] = MNL_TYPE_U32, [IFLA_PHYS_SWITCH_ID] = MNL_TYPE_BINARY,
	[IFLA_LINK_NETNSID] = MNL_TYPE_U32, [IFLA_PHYS_PORT_NAME] = MNL_TYPE_NUL_STRING,
	[IFLA_PROTO_DOWN] = MNL_TYPE_U8, [IFLA_GSO_MAX_SEGS] = MNL_TYPE_U32,
	[IFLA_GSO_MAX_SIZE] = MNL_TYPE_U32, [IFLA_XDP] = MNL_TYPE_NESTED,
	[IFLA_EVENT] = MNL_TYPE_U32, [IFLA_NEW_NETNSID] = MNL_TYPE_U32,
	[IFLA_CARRIER_UP_COUNT] = MNL_TYPE_U32, [IFLA_CARRIER_DOWN_COUNT] = MNL_TYPE_U32,
	[IFLA_NEW_IFINDEX] = MNL_TYPE_U32, [IFLA_MIN_MTU] = MNL_TYPE_U32,
	[IFLA_MAX_MTU] = MNL_TYPE_U32, [IFLA_PROP_LIST] = MNL_TYPE_NESTED,
	[IFLA_PERM_ADDRESS] = MNL_TYPE_BINARY, [IFLA_PROTO_DOWN_REASON] = MNL_TYPE_NESTED,
	[IFLA_PARENT_DEV_NAME] = MNL_TYPE_NUL_STRING, [IFLA_PARENT_DEV_BUS_NAME] = MNL_TYPE_NUL_STRING,
	[IFLA_GRO_MAX_SIZE] = MNL_TYPE_U32, [IFLA_TSO_MAX_SIZE] = MNL_TYPE_U32,
	[IFLA_TSO_MAX_SEGS] = MNL_TYPE_U32, [IFLA_ALLMULTI] = MNL_TYPE_U32,
};

static void copy_bin(void *dst, size_t cap, const struct nlattr *a)
{
	size_t n = mnl_attr_get_payload_len(a);
	memcpy(dst, mnl_attr_get_payload(a), n < cap ? n : cap);
}

static void copy_str(char *dst, size_t cap, const struct nlattr *a)
{
	snprintf(dst, cap, "%s", mnl_attr_get_str(a));
}

static void parse_linkinfo(const struct nlattr *nest, struct link_row *row)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, NULL, IFLA_INFO_MAX, 0 };

	mnl_attr_parse_nested(nest, attr_cb, &ctx);
	if (tb[IFLA_INFO_KIND])
		copy_str(row->kind, sizeof(row->kind), tb[IFLA_INFO_KIND]);
	if (tb[IFLA_INFO_SLAVE_KIND])
		copy_str(row->slave_kind, sizeof(row->slave_kind), tb[IFLA_INFO_SLAVE_KIND]);
	if (tb[IFLA_INFO_DATA]) {
		/* veth/others: generic nested walk, values read as u32 where sized so */
		const struct nlattr *a;
		mnl_attr_for_each_nested(a, tb[IFLA_INFO_DATA])
			if (mnl_attr_get_payload_len(a) == 4)
				row->u[0] += mnl_attr_get_u32(a);
	}
	row->n_attrs += ctx.count;
}

static void parse_inet6(const struct nlattr *nest, struct link_row *row)
{
	const struct nlattr *tb[IFLA_INET6_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, NULL, IFLA_INET6_MAX, 0 };

	mnl_attr_parse_nested(nest, attr_cb, &ctx);
	if (tb[IFLA_INET6_FLAGS])
		row->inet6_flags = mnl_attr_get_u32(tb[IFLA_INET6_FLAGS]);
	if (tb[IFLA_INET6_CONF])
		copy_bin(row->inet6_conf, sizeof(row->inet6_conf), tb[IFLA_INET6_CONF]);
	if (tb[IFLA_INET6_STATS])
		copy_bin(row->inet6_stats, sizeof(row->inet6_stats), tb[IFLA_INET6_STATS]);
	if (tb[IFLA_INET6_ICMP6STATS])
		copy_bin(row->inet6_icmp6, sizeof(row->inet6_icmp6), tb[IFLA_INET6_ICMP6STATS]);
	if (tb[IFLA_INET6_CACHEINFO])
		copy_bin(&row->inet6_cacheinfo, sizeof(row->inet6_cacheinfo), tb[IFLA_INET6_CACHEINFO]);
	if (tb[IFLA_INET6_ADDR_GEN_MODE])
		row->inet6_addr_gen_mode = mnl_attr_get_u8(tb[IFLA_INET6_ADDR_GEN_MODE]);
	row->n_attrs += ctx.count;
}

static void parse_af_spec(const struct nlattr *nest, struct link_row *row)
{
	const struct nlattr *af;

	mnl_attr_for_each_nested(af, nest) {
		row->n_attrs++;
		if (mnl_attr_get_type(af) == AF_INET) {
			const struct nlattr *tb[IFLA_INET_MAX + 1] = { 0 };
			struct parse_ctx ctx = { tb, NULL, IFLA_INET_MAX, 0 };
			mnl_attr_parse_nested(af, attr_cb, &ctx);
			if (tb[IFLA_INET_CONF])
				copy_bin(row->inet_conf, sizeof(row->inet_conf), tb[IFLA_INET_CONF]);
			row->n_attrs += ctx.count;
		} else if (mnl_attr_get_type(af) == AF_INET6) {
			parse_inet6(af, row);
		}
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlb_rows *rows = data;
	struct link_row *row = nlb_row_new(rows);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, ifla_types, IFLA_MAX, 0 };
	int t;

	memcpy(&row->ifi, mnl_nlmsg_get_payload(nlh), sizeof(row->ifi));
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	row->n_attrs += ctx.count;
	for (t = 1; t <= IFLA_MAX; t++) {
		const struct nlattr *a = tb[t];
		if (!a)
			continue;
		switch (t) {
		case IFLA_IFNAME: copy_str(row->ifname, sizeof(row->ifname), a); break;
		case IFLA_QDISC: copy_str(row->qdisc, sizeof(row->qdisc), a); break;
		case IFLA_ADDRESS: copy_bin(row->address, sizeof(row->address), a); break;
		case IFLA_BROADCAST: copy_bin(row->broadcast, sizeof(row->broadcast), a); break;
		case IFLA_PERM_ADDRESS: copy_bin(row->perm_address, sizeof(row->perm_address), a); break;
		case IFLA_STATS64: copy_bin(&row->stats64, sizeof(row->stats64), a); break;
		case IFLA_STATS: copy_bin(&row->stats, sizeof(row->stats), a); break;
		case IFLA_MAP: copy_bin(&row->map, sizeof(row->map), a); break;
		case IFLA_LINKINFO: parse_linkinfo(a, row); break;
		case IFLA_AF_SPEC: parse_af_spec(a, row); break;
		case IFLA_PROP_LIST: {
			const struct nlattr *p;
			mnl_attr_for_each_nested(p, a)
				if (mnl_attr_get_type(p) == IFLA_ALT_IFNAME)
					copy_str(row->alt, sizeof(row->alt), p);
			break;
		}
		case IFLA_XDP: {
			const struct nlattr *p;
			mnl_attr_for_each_nested(p, a)
				if (mnl_attr_get_payload_len(p) == 1)
					row->u[t] = mnl_attr_get_u8(p);
			break;
		}
		default:
			switch (ifla_types[t]) {
			case MNL_TYPE_U8: row->u[t] = mnl_attr_get_u8(a); break;
			case MNL_TYPE_U16: row->u[t] = mnl_attr_get_u16(a); break;
			case MNL_TYPE_U32: row->u[t] = mnl_attr_get_u32(a); break;
			case MNL_TYPE_U64: row->u[t] = mnl_attr_get_u64(a); break;
			default: row->u[t] = mnl_attr_get_payload_len(a); break;
			}
		}
	}
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	struct mnl_socket *nl = nlb_open(NETLINK_ROUTE);
	uint64_t runs[NLB_MAX_RUNS];
	long objects = 0;
	int i;

	for (i = -o.warmup; i < o.reps; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlb_rows rows = { .size = sizeof(struct link_row) };
		struct ifinfomsg *ifi;
		uint64_t t0 = nlb_cpu_ns();

		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = (unsigned int)(i + 100);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		nlb_transact(nl, nlh, link_cb, &rows);
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
		objects = (long)rows.len;
		free(rows.data);
	}
	nlb_report("link", runs, o.reps, objects, NULL);
	mnl_socket_close(nl);
	return 0;
}
