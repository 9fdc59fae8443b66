"""nfnetlink batches: the framing nftables writes need (include/uapi/linux/netfilter/nfnetlink.h).

A batch is one datagram: NFNL_MSG_BATCH_BEGIN (its nfgenmsg's res_id names the subsystem, its
NFNL_BATCH_GENID attribute optionally the ruleset generation the batch expects), the requests,
NFNL_MSG_BATCH_END. What the kernel does with it (net/netfilter/nfnetlink.c,
nfnetlink_rcv_batch) decides how answers are read:

- Every message of the batch is processed (errors do not stop it) and the answers are sent
  only once the whole batch is done: an NLMSG_ERROR for each request that failed or asked
  for NLM_F_ACK, in order, then END's ACK (if asked) after a successful commit.
- One failed request aborts the whole transaction: nothing is applied.
- BEGIN itself gets an error, and nothing else is answered, when the batch is refused before
  it starts: a subsystem without transactions (EOPNOTSUPP), a generation that moved on
  (ERESTART), no CAP_NET_ADMIN (EPERM). A commit that fails is an error on BEGIN too, followed
  by the requests' ACKs (they passed, but nothing was applied).
- Without END, the batch is only checked: validated, then aborted (what `nft --check` does).
- The batch must fit the socket's send buffer (else EMSGSIZE), and all of its answers its
  receive queue at once (else ENOBUFS and lost answers).
- A batch that needs a module loaded is replayed by the kernel from the start; its answers
  are sent once.
"""

from __future__ import annotations

import errno
import struct

from .constants import NLM_F_REQUEST, NLMSG_HDRLEN, NLMSG_MIN_TYPE
from .message import align, build_header

NFNL_MSG_BATCH_BEGIN = NLMSG_MIN_TYPE
NFNL_MSG_BATCH_END = NLMSG_MIN_TYPE + 1
#: enum nfnl_batch_attributes
NFNL_BATCH_GENID = 1

NFNL_SUBSYS_NONE = 0
NFNL_SUBSYS_CTNETLINK = 1
NFNL_SUBSYS_CTNETLINK_EXP = 2
NFNL_SUBSYS_QUEUE = 3
NFNL_SUBSYS_ULOG = 4
NFNL_SUBSYS_OSF = 5
NFNL_SUBSYS_IPSET = 6
NFNL_SUBSYS_ACCT = 7
NFNL_SUBSYS_CTNETLINK_TIMEOUT = 8
NFNL_SUBSYS_CTHELPER = 9
NFNL_SUBSYS_NFTABLES = 10
NFNL_SUBSYS_NFT_COMPAT = 11
NFNL_SUBSYS_HOOK = 12
NFNL_SUBSYS_COUNT = 13

#: struct nfgenmsg: nfgen_family (AF_*), version (NFNETLINK_V0), res_id (big-endian)
NFGENMSG = struct.Struct("!BBH")
NFNETLINK_V0 = 0
#: the genid attribute: nla_len 8, type NFNL_BATCH_GENID, a big-endian u32
_GENID = struct.Struct("=HH")


def subsystem(msg_type: int) -> int:
    """NFNL_SUBSYS_ID: the subsystem a message type belongs to (its high byte)."""
    return (msg_type & 0xFF00) >> 8


def control(msg_type: int, seq: int, port: int, res_id: int, *, flags: int = NLM_F_REQUEST,
            genid: int | None = None) -> bytes:  # fmt: skip
    """BATCH_BEGIN or BATCH_END for subsystem `res_id`, with NFNL_BATCH_GENID when given."""
    payload = NFGENMSG.pack(0, NFNETLINK_V0, res_id)
    if genid is not None:
        payload += _GENID.pack(8, NFNL_BATCH_GENID) + struct.pack("!I", genid)
    return build_header(NLMSG_HDRLEN + len(payload), msg_type, flags, seq, port) + payload


def padded(message: bytes) -> bytes:
    """A message padded to Netlink's alignment, to be followed by another in one datagram."""
    return message + b"\0" * (align(len(message)) - len(message))


#: Operation names that change nftables state: the kernel takes them only inside a batch.
_WRITES = ("new", "del", "destroy")


def outside_batch(msg_type: int, operation: str, code: int, message: str | None) -> str | None:
    """What to tell a caller whose nftables change was sent alone: nfnetlink_rcv_msg answers
    a batch-only callback (NFNL_CB_BATCH) outside a batch with a bare EINVAL."""
    if (code != errno.EINVAL or message is not None or subsystem(msg_type) != NFNL_SUBSYS_NFTABLES
            or not operation.startswith(_WRITES)):  # fmt: skip
        return None
    return "nftables changes are only taken inside a batch: use handle.batch() (CLI: --batch)"


__all__ = [
    "NFGENMSG",
    "NFNETLINK_V0",
    "NFNL_BATCH_GENID",
    "NFNL_MSG_BATCH_BEGIN",
    "NFNL_MSG_BATCH_END",
    "NFNL_SUBSYS_COUNT",
    "NFNL_SUBSYS_IPSET",
    "NFNL_SUBSYS_NFTABLES",
    "control",
    "outside_batch",
    "padded",
    "subsystem",
]
