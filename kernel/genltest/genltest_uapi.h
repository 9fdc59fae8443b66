/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * genltest: names and numbers shared by the genltest kernel module and its
 * user-space clients (C and Python).
 *
 * Kept deliberately simple so that tools can read it with a regular
 * expression: one "#define NAME value" per line, and enums whose members all
 * carry an explicit "= value".  Keep it that way when adding names.
 */
#ifndef _UAPI_GENLTEST_H
#define _UAPI_GENLTEST_H

/* ---- Generic Netlink family ---- */
#define GENLTEST_FAMILY_NAME "genltest"
#define GENLTEST_FAMILY_VERSION 1
#define GENLTEST_MCGRP_NAME "mcgrp"

/* Text of every ECHO reply. */
#define GENLTEST_ECHO_REPLY "Hello from Kernel Space, Netlink!"

/* GENLTEST_A_MSG: longest accepted string, not counting the final NUL. */
#define GENLTEST_MSG_MAX_LEN 256
/* GENLTEST_A_COUNT: accepted range (inclusive) of generated dump entries. */
#define GENLTEST_COUNT_MIN 1
#define GENLTEST_COUNT_MAX 10000
/* How many echoed strings the module remembers for GENLTEST_CMD_DUMP. */
#define GENLTEST_HISTORY_LEN 16

enum genltest_attrs {
	GENLTEST_A_UNSPEC = 0,
	GENLTEST_A_MSG = 1,	/* NLA_NUL_STRING, at most GENLTEST_MSG_MAX_LEN */
	GENLTEST_A_COUNT = 2,	/* NLA_U32, GENLTEST_COUNT_MIN..GENLTEST_COUNT_MAX */
	GENLTEST_A_INDEX = 3,	/* NLA_U32, position of an entry in a dump reply */
	__GENLTEST_A_MAX = 4,
};
#define GENLTEST_A_MAX 3

enum genltest_cmds {
	GENLTEST_CMD_UNSPEC = 0,
	GENLTEST_CMD_ECHO = 1,	/* do: log A_MSG, reply A_MSG = GENLTEST_ECHO_REPLY */
	GENLTEST_CMD_DUMP = 2,	/* dump: echo history, then A_COUNT "entry N" entries */
	GENLTEST_CMD_NOTIFY = 3,	/* multicast to "mcgrp" on a write to sysfs "ping" */
	__GENLTEST_CMD_MAX = 4,
};
#define GENLTEST_CMD_MAX 3

/* ---- Classic netlink protocol (an unused unit below MAX_LINKS = 32) ---- */
#define NETLINK_GENLTEST 31
/* Groups user sockets may bind to; multicasts go to group 1. */
#define GENLTEST_CLASSIC_GROUPS 2
#define GENLTEST_CLASSIC_GROUP 1

/* Message types (>= NLMSG_MIN_TYPE 0x10); payloads are raw bytes. */
enum genltest_classic_types {
	GENLTEST_CLASSIC_ECHO = 16,	/* unicast back to the sender, same payload */
	GENLTEST_CLASSIC_TRIGGER = 17,	/* kernel multicasts the payload to group 1 */
	GENLTEST_CLASSIC_NOTIFY = 18,	/* type of the multicast messages */
};

#endif /* _UAPI_GENLTEST_H */
