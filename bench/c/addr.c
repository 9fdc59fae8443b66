/* Workload 2: IPv4 RTM_GETADDR dump (-a addr) or RTM_GETROUTE dump (-a route), every attribute
 * of every message parsed and decoded into a per-object row. */
#include "nlbench.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

static void copy_in(struct in_addr *dst, const struct nlattr *a)
{
	if (a && mnl_attr_get_payload_len(a) == 4)
		memcpy(dst, mnl_attr_get_payload(a), 4);
}

/* ---- addresses ---- */
struct addr_row {
	struct ifaddrmsg ifa;
	struct in_addr address, local, broadcast, anycast;
	char label[IFNAMSIZ];
	struct ifa_cacheinfo ci;
	uint32_t flags;
	uint8_t proto;
	uint32_t rt_priority;
};

static const enum mnl_attr_data_type ifa_types[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY, [IFA_LOCAL] = MNL_TYPE_BINARY,
	[IFA_LABEL] = MNL_TYPE_NUL_STRING, [IFA_BROADCAST] = MNL_TYPE_BINARY,
	[IFA_ANYCAST] = MNL_TYPE_BINARY, [IFA_CACHEINFO] = MNL_TYPE_BINARY,
	[IFA_FLAGS] = MNL_TYPE_U32, [IFA_RT_PRIORITY] = MNL_TYPE_U32,
#ifdef IFA_PROTO
	[IFA_PROTO] = MNL_TYPE_U8,
#endif
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_row *row = nlb_row_new(data);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, ifa_types, IFA_MAX };

	memcpy(&row->ifa, mnl_nlmsg_get_payload(nlh), sizeof(row->ifa));
	if (mnl_attr_parse(nlh, sizeof(struct ifaddrmsg), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	copy_in(&row->address, tb[IFA_ADDRESS]);
	copy_in(&row->local, tb[IFA_LOCAL]);
	copy_in(&row->broadcast, tb[IFA_BROADCAST]);
	copy_in(&row->anycast, tb[IFA_ANYCAST]);
	if (tb[IFA_LABEL])
		snprintf(row->label, sizeof(row->label), "%s", mnl_attr_get_str(tb[IFA_LABEL]));
	if (tb[IFA_CACHEINFO] && mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >= sizeof(row->ci))
		memcpy(&row->ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]), sizeof(row->ci));
	row->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : row->ifa.ifa_flags;
	if (tb[IFA_RT_PRIORITY])
		row->rt_priority = mnl_attr_get_u32(tb[IFA_RT_PRIORITY]);
#ifdef IFA_PROTO
	if (tb[IFA_PROTO])
		row->proto = mnl_attr_get_u8(tb[IFA_PROTO]);
#endif
	return MNL_CB_OK;
}

/* ---- routes ---- */
struct route_row {
	struct rtmsg rtm;
	uint32_t table, oif, iif, priority, mark, flow;
	struct in_addr dst, src, gateway, prefsrc;
	uint32_t metrics[RTAX_MAX + 1];
	struct rta_cacheinfo ci;
	uint8_t pref;
	int nexthops;
};

static const enum mnl_attr_data_type rta_types[RTA_MAX + 1] = {
	[RTA_DST] = MNL_TYPE_BINARY, [RTA_SRC] = MNL_TYPE_BINARY, [RTA_IIF] = MNL_TYPE_U32,
	[RTA_OIF] = MNL_TYPE_U32, [RTA_GATEWAY] = MNL_TYPE_BINARY, [RTA_PRIORITY] = MNL_TYPE_U32,
	[RTA_PREFSRC] = MNL_TYPE_BINARY, [RTA_METRICS] = MNL_TYPE_NESTED,
	[RTA_MULTIPATH] = MNL_TYPE_BINARY, [RTA_FLOW] = MNL_TYPE_U32,
	[RTA_CACHEINFO] = MNL_TYPE_BINARY, [RTA_TABLE] = MNL_TYPE_U32, [RTA_MARK] = MNL_TYPE_U32,
	[RTA_PREF] = MNL_TYPE_U8,
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_row *row = nlb_row_new(data);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, rta_types, RTA_MAX };
	const struct nlattr *m;

	memcpy(&row->rtm, mnl_nlmsg_get_payload(nlh), sizeof(row->rtm));
	if (mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	row->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : row->rtm.rtm_table;
	if (tb[RTA_OIF]) row->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_IIF]) row->iif = mnl_attr_get_u32(tb[RTA_IIF]);
	if (tb[RTA_PRIORITY]) row->priority = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_MARK]) row->mark = mnl_attr_get_u32(tb[RTA_MARK]);
	if (tb[RTA_FLOW]) row->flow = mnl_attr_get_u32(tb[RTA_FLOW]);
	if (tb[RTA_PREF]) row->pref = mnl_attr_get_u8(tb[RTA_PREF]);
	copy_in(&row->dst, tb[RTA_DST]);
	copy_in(&row->src, tb[RTA_SRC]);
	copy_in(&row->gateway, tb[RTA_GATEWAY]);
	copy_in(&row->prefsrc, tb[RTA_PREFSRC]);
	if (tb[RTA_CACHEINFO] && mnl_attr_get_payload_len(tb[RTA_CACHEINFO]) >= sizeof(row->ci))
		memcpy(&row->ci, mnl_attr_get_payload(tb[RTA_CACHEINFO]), sizeof(row->ci));
	if (tb[RTA_METRICS])
		mnl_attr_for_each_nested(m, tb[RTA_METRICS])
			if (mnl_attr_get_type(m) <= RTAX_MAX && mnl_attr_get_payload_len(m) == 4)
				row->metrics[mnl_attr_get_type(m)] = mnl_attr_get_u32(m);
	if (tb[RTA_MULTIPATH])
		row->nexthops = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) / sizeof(struct rtnexthop);
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	int route = o.arg && strcmp(o.arg, "route") == 0;
	struct mnl_socket *nl = nlb_open(NETLINK_ROUTE);
	uint64_t runs[NLB_MAX_RUNS];
	long objects = 0;
	int i;

	for (i = -o.warmup; i < o.reps; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlb_rows rows = { .size = route ? sizeof(struct route_row)
						       : sizeof(struct addr_row) };
		uint64_t t0 = nlb_cpu_ns();

		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = (unsigned int)(i + 100);
		if (route) {
			struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
			nlh->nlmsg_type = RTM_GETROUTE;
			rtm->rtm_family = AF_INET;
			nlb_transact(nl, nlh, route_cb, &rows);
		} else {
			struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
			nlh->nlmsg_type = RTM_GETADDR;
			ifa->ifa_family = AF_INET;
			nlb_transact(nl, nlh, addr_cb, &rows);
		}
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
		objects = (long)rows.len;
		free(rows.data);
	}
	nlb_report(route ? "route" : "addr", runs, o.reps, objects, NULL);
	mnl_socket_close(nl);
	return 0;
}
