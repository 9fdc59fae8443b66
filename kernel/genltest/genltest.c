// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * genltest: a small Generic Netlink family and a classic netlink protocol,
 * written as a test target for the genetlink Python package.
 *
 * Generic Netlink family "genltest" (see genltest_uapi.h):
 *   ECHO  (do)   logs GENLTEST_A_MSG and replies GENLTEST_ECHO_REPLY.
 *   DUMP  (dump) the last echoed strings, then GENLTEST_A_COUNT generated
 *                "entry N" entries, so one dump can span many datagrams.
 *   group "mcgrp": a write to /sys/kernel/genltest/ping is multicast there.
 *
 * Classic protocol NETLINK_GENLTEST: ECHO messages are unicast back to the
 * sender; TRIGGER messages and writes to /sys/kernel/genltest/classic_ping are
 * multicast to group GENLTEST_CLASSIC_GROUP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "genltest_uapi.h"

/* ---- echo history, read by the dump ---- */

static DEFINE_MUTEX(history_lock);
static char history[GENLTEST_HISTORY_LEN][GENLTEST_MSG_MAX_LEN + 1];
static unsigned int history_count;	/* valid entries, oldest first */
static unsigned int history_gen = 1;	/* bumped on change; never 0 (dump seq) */

static void history_add(const char *msg)
{
	mutex_lock(&history_lock);
	if (history_count == GENLTEST_HISTORY_LEN) {
		memmove(history[0], history[1],
			sizeof(history[0]) * (GENLTEST_HISTORY_LEN - 1));
		history_count--;
	}
	strscpy(history[history_count++], msg, sizeof(history[0]));
	if (++history_gen == 0)
		history_gen = 1;
	mutex_unlock(&history_lock);
}

/* ---- Generic Netlink family ---- */

static const struct nla_policy genltest_policy[GENLTEST_A_MAX + 1] = {
	[GENLTEST_A_MSG] = { .type = NLA_NUL_STRING, .len = GENLTEST_MSG_MAX_LEN },
	[GENLTEST_A_COUNT] = NLA_POLICY_RANGE(NLA_U32, GENLTEST_COUNT_MIN,
					      GENLTEST_COUNT_MAX),
	[GENLTEST_A_INDEX] = { .type = NLA_U32 },
};

static struct genl_family genltest_family;

static int genltest_echo_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	void *hdr;

	if (info->attrs[GENLTEST_A_MSG]) {
		const char *msg = nla_data(info->attrs[GENLTEST_A_MSG]);

		pr_info("echo from port %u: %s\n", info->snd_portid, msg);
		history_add(msg);
	} else {
		pr_info("echo from port %u without a message\n", info->snd_portid);
	}

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	/* genlmsg_put_reply takes the sender's port id and sequence number. */
	hdr = genlmsg_put_reply(reply, info, &genltest_family, 0, GENLTEST_CMD_ECHO);
	if (!hdr)
		goto nospace;
	if (nla_put_string(reply, GENLTEST_A_MSG, GENLTEST_ECHO_REPLY))
		goto nospace;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

nospace:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

/* cb->args[0]: index of the next entry to send (the dump resumes there). */
static int genltest_dump_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	/* Since 6.6 a dump sees the request as a struct genl_info. */
	const struct genl_info *info = genl_info_dump(cb);
#else
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
#endif
	struct nlattr *count_attr = info->attrs[GENLTEST_A_COUNT];
	u32 count = count_attr ? nla_get_u32(count_attr) : 0;
	unsigned long idx = cb->args[0];
	char buf[32];

	mutex_lock(&history_lock);
	/* Sets NLM_F_DUMP_INTR if the history changed during this dump. */
	cb->seq = history_gen;
	for (;; idx++) {
		const char *text;
		void *hdr;

		if (idx < history_count) {
			text = history[idx];
		} else if (idx < history_count + count) {
			snprintf(buf, sizeof(buf), "entry %lu", idx - history_count);
			text = buf;
		} else {
			break;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &genltest_family, NLM_F_MULTI, GENLTEST_CMD_DUMP);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u32(skb, GENLTEST_A_INDEX, idx) ||
		    nla_put_string(skb, GENLTEST_A_MSG, text)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&history_lock);

	cb->args[0] = idx;
	/* A non-empty skb means "call me again"; an empty one ends the dump. */
	return skb->len;
}

static const struct genl_small_ops genltest_ops[] = {
	{
		.cmd = GENLTEST_CMD_ECHO,
		.doit = genltest_echo_doit,
	},
	{
		.cmd = GENLTEST_CMD_DUMP,
		.dumpit = genltest_dump_dumpit,
	},
};

static const struct genl_multicast_group genltest_mcgrps[] = {
	{ .name = GENLTEST_MCGRP_NAME },
};

static struct genl_family genltest_family = {
	.name = GENLTEST_FAMILY_NAME,
	.version = GENLTEST_FAMILY_VERSION,
	.maxattr = GENLTEST_A_MAX,
	.policy = genltest_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = genltest_ops,
	.n_small_ops = ARRAY_SIZE(genltest_ops),
	.mcgrps = genltest_mcgrps,
	.n_mcgrps = ARRAY_SIZE(genltest_mcgrps),
};

/* ---- classic netlink protocol ---- */

static struct sock *classic_sk;

static int classic_multicast(const void *data, size_t len)
{
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	int err;

	skb = nlmsg_new(len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, 0, 0, GENLTEST_CLASSIC_NOTIFY, len, 0);
	if (!nlh) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	/*
	 * No nlmsg_end(): nlmsg_put already set nlmsg_len to the exact size,
	 * and nlmsg_end would round it up to 4, adding padding to the payload.
	 */
	memcpy(nlmsg_data(nlh), data, len);
	/* netlink_broadcast consumes skb; -ESRCH means nobody listens. */
	err = netlink_broadcast(classic_sk, skb, 0, GENLTEST_CLASSIC_GROUP, GFP_KERNEL);
	if (err == -ESRCH)
		pr_info("classic multicast: no listeners on group %d\n",
			GENLTEST_CLASSIC_GROUP);
	else if (err)
		pr_info("classic multicast failed: %d\n", err);
	else
		pr_info("classic multicast sent to group %d (%zu bytes)\n",
			GENLTEST_CLASSIC_GROUP, len);
	return err;
}

static int classic_echo(struct sk_buff *in, const struct nlmsghdr *req)
{
	u32 portid = NETLINK_CB(in).portid;
	int len = nlmsg_len(req);
	struct sk_buff *skb;
	struct nlmsghdr *nlh;

	skb = nlmsg_new(len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, portid, req->nlmsg_seq, GENLTEST_CLASSIC_ECHO, len, 0);
	if (!nlh) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	/* Exact length, as in classic_multicast(): the payload is raw bytes. */
	memcpy(nlmsg_data(nlh), nlmsg_data(req), len);
	pr_info("classic echo to port %u (%d bytes)\n", portid, len);
	/* nlmsg_unicast consumes skb. */
	return nlmsg_unicast(classic_sk, skb, portid);
}

static int classic_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	int err;

	switch (nlh->nlmsg_type) {
	case GENLTEST_CLASSIC_ECHO:
		return classic_echo(skb, nlh);
	case GENLTEST_CLASSIC_TRIGGER:
		err = classic_multicast(nlmsg_data(nlh), nlmsg_len(nlh));
		/* Nobody listening is not the requester's fault. */
		return err == -ESRCH ? 0 : err;
	default:
		NL_SET_ERR_MSG(extack, "genltest: unknown message type");
		return -EOPNOTSUPP;
	}
}

static void classic_input(struct sk_buff *skb)
{
	/* Walks every message, skips control types, ACKs on NLM_F_ACK or error. */
	netlink_rcv_skb(skb, classic_rcv_msg);
}

/* ---- sysfs: /sys/kernel/genltest/{ping,classic_ping} ---- */

/* Sysfs writes from echo(1) end in a newline that nobody wants in the message. */
static size_t strip_newline(const char *buf, size_t count)
{
	if (count && buf[count - 1] == '\n')
		count--;
	return count;
}

static ssize_t ping_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	size_t len = strip_newline(buf, count);
	struct sk_buff *skb;
	void *hdr;
	char *msg;
	int err;

	if (len > GENLTEST_MSG_MAX_LEN)
		return -EINVAL;
	msg = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb) {
		err = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put(skb, 0, 0, &genltest_family, 0, GENLTEST_CMD_NOTIFY);
	if (!hdr || nla_put_string(skb, GENLTEST_A_MSG, msg)) {
		nlmsg_free(skb);
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(skb, hdr);
	/* Group index 0 is the family's first (only) group, "mcgrp". */
	err = genlmsg_multicast(&genltest_family, skb, 0, 0, GFP_KERNEL);
	if (err == -ESRCH) {
		pr_info("ping: no listeners on %s, message dropped: %s\n",
			GENLTEST_MCGRP_NAME, msg);
		err = 0;
	} else if (!err) {
		pr_info("ping: multicast to %s: %s\n", GENLTEST_MCGRP_NAME, msg);
	}
out:
	kfree(msg);
	return err ? err : count;
}

static ssize_t classic_ping_store(struct kobject *kobj, struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	int err = classic_multicast(buf, strip_newline(buf, count));

	return err && err != -ESRCH ? err : count;
}

static struct kobj_attribute ping_attr = __ATTR_WO(ping);
static struct kobj_attribute classic_ping_attr = __ATTR_WO(classic_ping);

static struct attribute *genltest_sysfs_attrs[] = {
	&ping_attr.attr,
	&classic_ping_attr.attr,
	NULL,
};

static const struct attribute_group genltest_sysfs_group = {
	.attrs = genltest_sysfs_attrs,
};

static struct kobject *genltest_kobj;

/* ---- load / unload ---- */

static int __init genltest_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = classic_input,
		.groups = GENLTEST_CLASSIC_GROUPS,
		/* Let unprivileged sockets bind to the groups, as the article does. */
		.flags = NL_CFG_F_NONROOT_RECV,
	};
	int err;

	err = genl_register_family(&genltest_family);
	if (err) {
		pr_err("genl_register_family failed: %d\n", err);
		return err;
	}

	classic_sk = netlink_kernel_create(&init_net, NETLINK_GENLTEST, &cfg);
	if (!classic_sk) {
		pr_err("netlink_kernel_create(%d) failed\n", NETLINK_GENLTEST);
		err = -ENOMEM;
		goto err_family;
	}

	genltest_kobj = kobject_create_and_add("genltest", kernel_kobj);
	if (!genltest_kobj) {
		err = -ENOMEM;
		goto err_sock;
	}
	err = sysfs_create_group(genltest_kobj, &genltest_sysfs_group);
	if (err)
		goto err_kobj;

	pr_info("loaded: family %s id %u version %d, classic protocol %d\n",
		GENLTEST_FAMILY_NAME, genltest_family.id, GENLTEST_FAMILY_VERSION,
		NETLINK_GENLTEST);
	return 0;

err_kobj:
	kobject_put(genltest_kobj);
err_sock:
	netlink_kernel_release(classic_sk);
err_family:
	genl_unregister_family(&genltest_family);
	return err;
}

static void __exit genltest_exit(void)
{
	/* Remove the writers first so no multicast races the teardown. */
	kobject_put(genltest_kobj);
	netlink_kernel_release(classic_sk);
	genl_unregister_family(&genltest_family);
	pr_info("unloaded\n");
}

module_init(genltest_init);
module_exit(genltest_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("Generic Netlink and classic netlink test module for genetlink");
MODULE_ALIAS_GENL_FAMILY(GENLTEST_FAMILY_NAME);
MODULE_ALIAS_NET_PF_PROTO(PF_NETLINK, NETLINK_GENLTEST);
