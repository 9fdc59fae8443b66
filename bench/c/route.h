/* An IPv4 route message parsed into a row, as iproute2 reads one: shared by the route dump
 * (addr.c -a route) and the full routing table (fulltable.c). */
#ifndef BENCH_ROUTE_H
#define BENCH_ROUTE_H

#include "nlbench.h"
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

struct route_row {
	struct rtmsg rtm;
	uint32_t table, oif, iif, priority, mark, flow;
	struct in_addr dst, src, gateway, prefsrc;
	uint32_t metrics[RTAX_MAX + 1];
	struct rta_cacheinfo ci;
	uint8_t pref;
	int nexthops;
};

static inline void copy_in(struct in_addr *dst, const struct nlattr *a)
{
	if (a && mnl_attr_get_payload_len(a) == 4)
		memcpy(dst, mnl_attr_get_payload(a), 4);
}

/* Every attribute of the message into `row` (zeroed by the caller); MNL_CB_ERROR for one
 * that fails its type's validation. */
static inline int route_parse(const struct nlmsghdr *nlh, struct route_row *row)
{
	static const enum mnl_attr_data_type rta_types[RTA_MAX + 1] = {
		[RTA_DST] = MNL_TYPE_BINARY, [RTA_SRC] = MNL_TYPE_BINARY, [RTA_IIF] = MNL_TYPE_U32,
		[RTA_OIF] = MNL_TYPE_U32, [RTA_GATEWAY] = MNL_TYPE_BINARY,
		[RTA_PRIORITY] = MNL_TYPE_U32, [RTA_PREFSRC] = MNL_TYPE_BINARY,
		[RTA_METRICS] = MNL_TYPE_NESTED, [RTA_MULTIPATH] = MNL_TYPE_BINARY,
		[RTA_FLOW] = MNL_TYPE_U32, [RTA_CACHEINFO] = MNL_TYPE_BINARY,
		[RTA_TABLE] = MNL_TYPE_U32, [RTA_MARK] = MNL_TYPE_U32, [RTA_PREF] = MNL_TYPE_U8,
	};
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

#endif
