"""The sans-I/O protocol core: the engine (sequence numbers, pending requests, dumps, ACKs,
notifications) and the exchanges (requests, dumps, streams) that both fronts drive.

It consumes datagrams (with the sender's port id) and tells the fronts what to send and what
to wait for; it never touches a socket, so tests drive it with plain bytes.
"""

from .engine import Engine, Request
from .exchange import Deliver, Exchange, Response, Send, Wait

__all__ = ["Deliver", "Engine", "Exchange", "Request", "Response", "Send", "Wait"]
