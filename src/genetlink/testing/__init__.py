"""Test doubles at the message boundary, shipped so users can test Netlink code without root.

`FakeKernel` answers requests through a handler you write (see `replies` for ACKs, errors with
extended ACK, dumps) and injects faults: ENOBUFS, NLM_F_DUMP_INTR, truncated datagrams,
malformed lengths, spoofed senders, stalled dumps, late answers. `FakeTransport` plugs into
`NetlinkSocket(..., transport=...)` and `AsyncNetlinkSocket(..., transport=...)`, and
`GenlClient(transport_factory=kernel.transport)`.

`GenlKernel` is a FakeKernel of Generic Netlink (see `genl_kernel`): nlctrl, and families
served from their specs or declarations (`serve_family`, `GenlKernel.serve`) by handlers that
take and return dicts (see `serve`), with the policy the kernel would register for the spec
(see `policy`), as mdlayher's genltest.ServeFamily serves one in Go.
"""

from . import replies
from .fake import Datagram, FakeKernel, FakeTransport, Handler, default_handler
from .genl_kernel import GenlKernel, serve_family
from .serve import NO_ANSWER, Reply, Request, ServedFamily

__all__ = [
    "NO_ANSWER",
    "Datagram",
    "FakeKernel",
    "FakeTransport",
    "GenlKernel",
    "Handler",
    "Reply",
    "Request",
    "ServedFamily",
    "default_handler",
    "replies",
    "serve_family",
]
