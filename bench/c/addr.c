/* Workload 2: IPv4 RTM_GETADDR dump (-a addr) or RTM_GETROUTE dump (-a route), every attribute
 * of every message parsed and decoded into a per-object row. */
#include "nlbench.h"
#include "route.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

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
static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	return route_parse(nlh, nlb_row_new(data));
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
