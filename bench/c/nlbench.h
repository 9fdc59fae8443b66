/* Shared helpers for the libmnl anchor programs: timing, sockets, dumps, JSON output.
 * Each program parses every attribute of every message into a per-message table, the way
 * iproute2 does, so the C column is a realistic lower bound, not a byte counter. */
#ifndef NLBENCH_H
#define NLBENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Big enough for the largest dump datagram the kernel builds (it grows to 32 KiB). */
#define NLB_BUF_SIZE (64 * 1024)
#define NLB_MAX_RUNS 64

/* CPU time of this process (user + system): a dump's kernel work runs in the receiver's
 * recvmsg(), so it is counted, while time the hypervisor steals from the VM is not. */
static inline uint64_t nlb_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t nlb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void nlb_die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

/* Open and bind a netlink socket with extended ACKs (as our library does by default). */
static inline struct mnl_socket *nlb_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	int one = 1;

	if (!nl)
		nlb_die("mnl_socket_open");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		nlb_die("mnl_socket_bind");
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/* Send one request and run callbacks over replies until DONE/ACK (MNL_CB_STOP) or error. */
static inline int nlb_transact(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	static char buf[NLB_BUF_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);
	unsigned int seq = req->nlmsg_seq;
	int ret;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		nlb_die("mnl_socket_sendto");
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0)
			nlb_die("mnl_socket_recvfrom");
		ret = mnl_cb_run(buf, ret, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		nlb_die("mnl_cb_run");
	return ret;
}

/* Peak RSS of this program (VmHWM), as the Python workers read it. Not getrusage()'s
 * ru_maxrss: Linux carries that over execve(), so it reports the runner that forked us. */
static inline long nlb_maxrss_kb(void)
{
	char line[128];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One JSON line on stdout: the runner reads nothing else from us. */
static inline void nlb_report(const char *workload, const uint64_t *runs, int n, long objects,
			      const char *extra)
{
	int i;

	printf("{\"side\": \"c\", \"workload\": \"%s\", \"objects\": %ld, \"maxrss_kb\": %ld, "
	       "\"runs_ns\": [", workload, objects, nlb_maxrss_kb());
	for (i = 0; i < n; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)runs[i]);
	printf("]%s%s}\n", extra && *extra ? ", " : "", extra ? extra : "");
	fflush(stdout);
}

/* Common command line: -r REPS -w WARMUP -n COUNT -a ARG */
struct nlb_opts {
	int reps;
	int warmup;
	long count;
	const char *arg;
};

static inline struct nlb_opts nlb_parse_opts(int argc, char **argv)
{
	struct nlb_opts o = { .reps = 5, .warmup = 1, .count = 0, .arg = NULL };
	int c;

	while ((c = getopt(argc, argv, "r:w:n:a:")) != -1) {
		switch (c) {
		case 'r': o.reps = atoi(optarg); break;
		case 'w': o.warmup = atoi(optarg); break;
		case 'n': o.count = atol(optarg); break;
		case 'a': o.arg = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-r reps] [-w warmup] [-n count] [-a arg]\n", argv[0]);
			exit(2);
		}
	}
	if (o.reps > NLB_MAX_RUNS)
		o.reps = NLB_MAX_RUNS;
	return o;
}

/* A growable array of fixed-size rows: each decoded message becomes one row, kept until the
 * run ends, as a tool that collects results would. */
struct nlb_rows {
	char *data;
	size_t size, len, cap;
};

static inline void *nlb_row_new(struct nlb_rows *r)
{
	if (r->len == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->data = realloc(r->data, r->cap * r->size);
		if (!r->data)
			nlb_die("realloc");
	}
	memset(r->data + r->len * r->size, 0, r->size);
	return r->data + r->len++ * r->size;
}

/* Resolve a generic netlink family id by name (CTRL_CMD_GETFAMILY do). */
static int nlb_family_id_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			*(int *)data = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

static inline int nlb_family_id(struct mnl_socket *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	int id = -1;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	nlb_transact(nl, nlh, nlb_family_id_cb, &id);
	return id;
}

/* An attribute table parser as iproute2 writes them: each known attribute is validated
 * against its expected type and stored by number; unknown numbers are skipped. */
struct parse_ctx {
	const struct nlattr **tb;
	const enum mnl_attr_data_type *types;	/* NULL: store without validating */
	int max;
	int count;				/* attributes seen, known or not */
};

static inline int attr_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	int type = mnl_attr_get_type(attr);

	ctx->count++;
	if (mnl_attr_type_valid(attr, ctx->max) < 0)
		return MNL_CB_OK;
	if (ctx->types && ctx->types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, ctx->types[type]) < 0)
		return MNL_CB_ERROR;
	ctx->tb[type] = attr;
	return MNL_CB_OK;
}

#endif
