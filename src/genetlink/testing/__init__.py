"""Test doubles at the message boundary, shipped so users can test Netlink code without root.

`FakeKernel` answers requests through a handler you write (see `replies` for ACKs, errors with
extended ACK, dumps) and injects faults: ENOBUFS, NLM_F_DUMP_INTR, truncated datagrams,
malformed lengths, spoofed senders. `FakeTransport` plugs into
`NetlinkSocket(..., transport=...)` and `AsyncNetlinkSocket(..., transport=...)`.
"""

from . import replies
from .fake import Datagram, FakeKernel, FakeTransport, Handler, default_handler

__all__ = ["Datagram", "FakeKernel", "FakeTransport", "Handler", "default_handler", "replies"]
