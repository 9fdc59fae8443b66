/* Full routing table workload (a BGP full table is about 1,000,000 IPv4 prefixes).
 *
 *   fulltable -a fill:START -n END    add routes START..END-1 (see route_prefix) via
 *                                     192.168.0.2, as netlink batches: one sendmsg() carries
 *                                     ~1000 RTM_NEWROUTE requests, only the last one ACKed
 *   fulltable [-r REPS] [-w WARMUP]   IPv4 RTM_GETROUTE dump, each message's attributes parsed
 *                                     into a row on the stack and folded into a checksum: a
 *                                     streaming callback that keeps nothing, so peak RSS is
 *                                     what a dump reader needs, whatever the table's size.
 */
#include "nlbench.h"
#include "route.h"
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

/* Route i: a /24 in 1.0.0.0/8 and up (65536 per first octet), as a full table is mostly. */
static uint32_t route_prefix(long i)
{
	return htonl((uint32_t)(((1 + i / 65536) << 24) | ((i / 256 % 256) << 16) |
				((i % 256) << 8)));
}

static void put_route(struct nlmsghdr *nlh, long i, unsigned int seq, int ack)
{
	struct rtmsg *rtm;
	struct in_addr gw;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | (ack ? NLM_F_ACK : 0);
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BGP;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, route_prefix(i));
	inet_pton(AF_INET, "192.168.0.2", &gw);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
}

static int fill(long start, long end)
{
	struct mnl_socket *nl = nlb_open(NETLINK_ROUTE);
	static char buf[NLB_BUF_SIZE];
	size_t per = NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(sizeof(struct rtmsg)) + 16;
	unsigned int seq = 1;
	long i = start;
	int fd = mnl_socket_get_fd(nl), acked = 0;

	while (i < end) {
		size_t len = 0;

		for (; i < end && len + per <= sizeof(buf); i++) {
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + len);
			put_route(nlh, i, seq++, i == end - 1);
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		if (mnl_socket_sendto(nl, buf, len) < 0)
			nlb_die("mnl_socket_sendto");
		/* The kernel handles a sendmsg() before it returns: what is queued now are the
		 * errors of this batch (requests without ACK only answer on error), and the ACK of
		 * the last request once it was sent. */
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			struct nlmsghdr *h = (struct nlmsghdr *)buf;

			if (n < 0)
				break;
			for (; mnl_nlmsg_ok(h, (int)n); h = mnl_nlmsg_next(h, (int *)&n)) {
				int err;

				if (h->nlmsg_type != NLMSG_ERROR)
					continue;
				err = *(int *)NLMSG_DATA(h);
				if (err) {
					fprintf(stderr, "RTM_NEWROUTE seq %u: %s\n", h->nlmsg_seq,
						strerror(-err));
					return 1;
				}
				acked = 1;
			}
		}
	}
	if (!acked) {
		fprintf(stderr, "fill: no ACK for the last route\n");
		return 1;
	}
	printf("{\"side\": \"c\", \"workload\": \"fill\", \"objects\": %ld, \"runs_ns\": [0]}\n",
	       end - start);
	mnl_socket_close(nl);
	return 0;
}

struct stream {
	long objects;
	uint64_t sum;	/* folds every row, so the parsing cannot be optimised away */
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stream *st = data;
	struct route_row row = { 0 };

	if (route_parse(nlh, &row) != MNL_CB_OK)
		return MNL_CB_ERROR;
	st->sum += row.dst.s_addr ^ row.gateway.s_addr ^ row.table ^ row.oif ^ row.rtm.rtm_dst_len;
	st->objects++;
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	struct mnl_socket *nl;
	uint64_t runs[NLB_MAX_RUNS];
	struct stream st = { 0 };
	char extra[64];
	int i;

	if (o.arg && strncmp(o.arg, "fill:", 5) == 0)
		return fill(atol(o.arg + 5), o.count);
	nl = nlb_open(NETLINK_ROUTE);
	for (i = -o.warmup; i < o.reps; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rtm;
		uint64_t t0 = nlb_cpu_ns();

		st.objects = 0;
		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = (unsigned int)(i + 100);
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET;
		nlb_transact(nl, nlh, route_cb, &st);
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
	}
	snprintf(extra, sizeof(extra), "\"checksum\": %llu", (unsigned long long)st.sum);
	nlb_report("fulltable", runs, o.reps, st.objects, extra);
	mnl_socket_close(nl);
	return 0;
}
