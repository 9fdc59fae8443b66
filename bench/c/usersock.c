/* Workload 6: NETLINK_USERSOCK multicast burst.
 *   usersock -a send -n COUNT [-w GROUP]   sends COUNT event messages to a group, then END markers
 *   usersock -a sub  [-n RCVBUF] [-w GROUP] subscribes, prints READY, counts events and ENOBUFS
 * Event: nlmsghdr type 0x10, attributes 1 = u32 sequence, 2 = u64 timestamp, 3 = string.
 * END marker: type 0x11. The subscriber stops at END or after 1 s without messages. */
#include "nlbench.h"
#include <sys/socket.h>

#define EV_DATA 0x10
#define EV_END 0x11
#define A_SEQ 1
#define A_TIME 2
#define A_TEXT 3

struct sub_state {
	long received, gaps;
	uint32_t next_seq;
	int end;
	uint64_t first_ns, last_ns;
	uint64_t checksum;
};

static int ev_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, A_TEXT) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sub_state *st = data;
	const struct nlattr *tb[A_TEXT + 1] = { 0 };
	uint32_t seq;

	if (nlh->nlmsg_type == EV_END) {
		st->end = 1;
		return MNL_CB_STOP;
	}
	if (nlh->nlmsg_type != EV_DATA)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, 0, ev_attr_cb, tb) != MNL_CB_OK || !tb[A_SEQ] || !tb[A_TIME])
		return MNL_CB_ERROR;
	seq = mnl_attr_get_u32(tb[A_SEQ]);
	if (seq != st->next_seq)
		st->gaps++;
	st->next_seq = seq + 1;
	st->checksum += mnl_attr_get_u64(tb[A_TIME]) + (tb[A_TEXT] ? strlen(mnl_attr_get_str(tb[A_TEXT])) : 0);
	st->last_ns = nlb_now_ns();
	if (!st->received++)
		st->first_ns = st->last_ns;
	return MNL_CB_OK;
}

static int open_usersock(int rcvbuf, unsigned int group, int join)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		nlb_die("usersock socket");
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		nlb_die("SO_RCVBUFFORCE");
	if (join && setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		nlb_die("NETLINK_ADD_MEMBERSHIP");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int run_sub(long rcvbuf, unsigned int group)
{
	static char buf[NLB_BUF_SIZE];
	struct sub_state st = { 0 };
	long overruns = 0;
	int fd = open_usersock((int)rcvbuf, group, 1);
	uint64_t runs[1];
	char extra[256];

	printf("READY\n");
	fflush(stdout);
	while (!st.end) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			overruns++;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && st.received)
			break;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			nlb_die("recv");
		if (mnl_cb_run(buf, n, 0, 0, ev_cb, &st) < 0)
			nlb_die("mnl_cb_run");
	}
	runs[0] = st.last_ns - st.first_ns;
	snprintf(extra, sizeof(extra), "\"received\": %ld, \"overruns\": %ld, \"gaps\": %ld, "
		 "\"end_seen\": %d, \"rcvbuf\": %ld", st.received, overruns, st.gaps, st.end, rcvbuf);
	nlb_report("notify", runs, 1, st.received, extra);
	return 0;
}

static int run_send(long count, unsigned int group)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = 1u << (group - 1) };
	int fd = open_usersock(0, group, 0);
	char buf[256];
	uint64_t t0 = nlb_now_ns(), runs[1];
	char extra[64];
	long i;

	for (i = 0; i <= count; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

		nlh->nlmsg_type = i < count ? EV_DATA : EV_END;
		nlh->nlmsg_seq = (unsigned int)i;
		mnl_attr_put_u32(nlh, A_SEQ, (uint32_t)i);
		mnl_attr_put_u64(nlh, A_TIME, nlb_now_ns());
		mnl_attr_put_strz(nlh, A_TEXT, "link eth0 changed state to up");
		if (i == count) {
			/* END goes out a few times, spaced, in case the queue was full. */
			runs[0] = nlb_now_ns() - t0;
			for (int k = 0; k < 10; k++) {
				sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&dst, sizeof(dst));
				usleep(50000);
			}
			break;
		}
		/* USERSOCK has no kernel socket: after the broadcast, the unicast leg to port 0
		 * fails with ECONNREFUSED; the multicast copy has gone out. */
		if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
		    errno != ECONNREFUSED)
			nlb_die("sendto");
	}
	snprintf(extra, sizeof(extra), "\"sent\": %ld", count);
	nlb_report("notify_send", runs, 1, count, extra);
	return 0;
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	unsigned int group = o.warmup > 0 ? (unsigned int)o.warmup : 1;

	if (o.arg && strcmp(o.arg, "send") == 0)
		return run_send(o.count ? o.count : 50000, group);
	return run_sub(o.count ? o.count : 1 << 20, group);
}
