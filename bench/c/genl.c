/* Workloads 3 and 4: nlctrl CTRL_CMD_GETFAMILY dump of all families with ops and multicast
 * groups (-a dump), and COUNT sequential CTRL_CMD_GETFAMILY do-requests by name, ACKed, reply
 * parsed (-a do:NAME1,NAME2,... -n COUNT). */
#include "nlbench.h"

#define MAX_OPS 256
#define MAX_GRPS 32

struct family_row {
	uint16_t id;
	char name[GENL_NAMSIZ];
	uint32_t version, hdrsize, maxattr;
	int n_ops, n_grps;
	struct { uint32_t id, flags; } ops[MAX_OPS];
	struct { uint32_t id; char name[GENL_NAMSIZ]; } grps[MAX_GRPS];
};

static const enum mnl_attr_data_type ctrl_types[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = MNL_TYPE_U16, [CTRL_ATTR_FAMILY_NAME] = MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_VERSION] = MNL_TYPE_U32, [CTRL_ATTR_HDRSIZE] = MNL_TYPE_U32,
	[CTRL_ATTR_MAXATTR] = MNL_TYPE_U32, [CTRL_ATTR_OPS] = MNL_TYPE_NESTED,
	[CTRL_ATTR_MCAST_GROUPS] = MNL_TYPE_NESTED, [CTRL_ATTR_POLICY] = MNL_TYPE_NESTED,
	[CTRL_ATTR_OP_POLICY] = MNL_TYPE_NESTED, [CTRL_ATTR_OP] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type op_types[CTRL_ATTR_OP_MAX + 1] = {
	[CTRL_ATTR_OP_ID] = MNL_TYPE_U32, [CTRL_ATTR_OP_FLAGS] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type grp_types[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = MNL_TYPE_NUL_STRING, [CTRL_ATTR_MCAST_GRP_ID] = MNL_TYPE_U32,
};

static void parse_ops(const struct nlattr *nest, struct family_row *row)
{
	const struct nlattr *op;

	mnl_attr_for_each_nested(op, nest) {
		const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1] = { 0 };
		struct parse_ctx ctx = { tb, op_types, CTRL_ATTR_OP_MAX };

		if (row->n_ops >= MAX_OPS)
			break;
		mnl_attr_parse_nested(op, attr_cb, &ctx);
		if (tb[CTRL_ATTR_OP_ID])
			row->ops[row->n_ops].id = mnl_attr_get_u32(tb[CTRL_ATTR_OP_ID]);
		if (tb[CTRL_ATTR_OP_FLAGS])
			row->ops[row->n_ops].flags = mnl_attr_get_u32(tb[CTRL_ATTR_OP_FLAGS]);
		row->n_ops++;
	}
}

static void parse_grps(const struct nlattr *nest, struct family_row *row)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };
		struct parse_ctx ctx = { tb, grp_types, CTRL_ATTR_MCAST_GRP_MAX };

		if (row->n_grps >= MAX_GRPS)
			break;
		mnl_attr_parse_nested(grp, attr_cb, &ctx);
		if (tb[CTRL_ATTR_MCAST_GRP_ID])
			row->grps[row->n_grps].id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
		if (tb[CTRL_ATTR_MCAST_GRP_NAME])
			snprintf(row->grps[row->n_grps].name, GENL_NAMSIZ, "%s",
				 mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]));
		row->n_grps++;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_row *row = nlb_row_new(data);
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct parse_ctx ctx = { tb, ctrl_types, CTRL_ATTR_MAX };

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &ctx) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_FAMILY_ID]) row->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_FAMILY_NAME])
		snprintf(row->name, sizeof(row->name), "%s", mnl_attr_get_str(tb[CTRL_ATTR_FAMILY_NAME]));
	if (tb[CTRL_ATTR_VERSION]) row->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_HDRSIZE]) row->hdrsize = mnl_attr_get_u32(tb[CTRL_ATTR_HDRSIZE]);
	if (tb[CTRL_ATTR_MAXATTR]) row->maxattr = mnl_attr_get_u32(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_OPS]) parse_ops(tb[CTRL_ATTR_OPS], row);
	if (tb[CTRL_ATTR_MCAST_GROUPS]) parse_grps(tb[CTRL_ATTR_MCAST_GROUPS], row);
	return MNL_CB_OK;
}

static void put_getfamily(struct nlmsghdr *nlh, uint16_t flags, unsigned int seq, const char *name)
{
	struct genlmsghdr *g;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	if (name)
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
}

static void run_dump(struct mnl_socket *nl, struct nlb_opts o)
{
	uint64_t runs[NLB_MAX_RUNS];
	struct nlb_rows rows = { .size = sizeof(struct family_row) };
	char extra[4096] = "\"names\": [";
	long objects = 0;
	size_t k;
	int i;

	for (i = -o.warmup; i < o.reps; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		uint64_t t0 = nlb_cpu_ns();

		rows.len = 0;
		put_getfamily(nlh, NLM_F_REQUEST | NLM_F_DUMP, (unsigned int)(i + 100), NULL);
		nlb_transact(nl, nlh, family_cb, &rows);
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
		objects = (long)rows.len;
	}
	for (k = 0; k < rows.len; k++) {
		struct family_row *r = (struct family_row *)(rows.data + k * rows.size);
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%s\"%s\"",
			 k ? ", " : "", r->name);
	}
	strncat(extra, "]", sizeof(extra) - strlen(extra) - 1);
	nlb_report("genl_families", runs, o.reps, objects, extra);
}

static void run_do(struct mnl_socket *nl, struct nlb_opts o, char *names_arg)
{
	const char *names[64];
	int n_names = 0, i;
	long k, count = o.count ? o.count : 10000;
	uint64_t runs[NLB_MAX_RUNS];
	unsigned int seq = 1000;
	char extra[64];
	char *tok;

	for (tok = strtok(names_arg, ","); tok && n_names < 64; tok = strtok(NULL, ","))
		names[n_names++] = tok;
	if (!n_names)
		names[n_names++] = "nlctrl";
	for (i = -o.warmup; i < o.reps; i++) {
		struct nlb_rows rows = { .size = sizeof(struct family_row) };
		uint64_t t0 = nlb_cpu_ns();

		for (k = 0; k < count; k++) {
			char buf[MNL_SOCKET_BUFFER_SIZE];
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

			rows.len = 0;
			put_getfamily(nlh, NLM_F_REQUEST | NLM_F_ACK, seq++, names[k % n_names]);
			nlb_transact(nl, nlh, family_cb, &rows);
			if (rows.len != 1) {
				fprintf(stderr, "no reply for %s\n", names[k % n_names]);
				exit(1);
			}
		}
		if (i >= 0)
			runs[i] = nlb_cpu_ns() - t0;
		free(rows.data);
	}
	snprintf(extra, sizeof(extra), "\"requests\": %ld", count);
	nlb_report("genl_do", runs, o.reps, count, extra);
}

int main(int argc, char **argv)
{
	struct nlb_opts o = nlb_parse_opts(argc, argv);
	struct mnl_socket *nl = nlb_open(NETLINK_GENERIC);
	static char names[1024];

	if (o.arg && strncmp(o.arg, "do:", 3) == 0) {
		snprintf(names, sizeof(names), "%s", o.arg + 3);
		run_do(nl, o, names);
	} else {
		run_dump(nl, o);
	}
	mnl_socket_close(nl);
	return 0;
}
