"""The sans-I/O protocol engine: sequence numbers, pending requests, dumps, ACKs, notifications.

It consumes datagrams (with the sender's port id) and updates request state; it never touches a
socket, so the blocking and the asyncio fronts share it, and tests drive it with plain bytes.
"""

from .engine import Engine, Request

__all__ = ["Engine", "Request"]
