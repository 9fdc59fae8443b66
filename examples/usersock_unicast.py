#!/usr/bin/env python3
"""Unicast over NETLINK_USERSOCK between two processes (the Kernel Korner article's first program).

A server binds a port id you choose, receives a message and echoes it back to the sender's
port id. The client binds its port id one of three ways the article describes:

  pid     the process id (what the kernel picks for a process's first socket)
  thread  thread id << 16 | process id, for several sockets in one process
  kernel  0: let the kernel assign one

    sudo python3 examples/usersock_unicast.py server --port 31337 &
    sudo python3 examples/usersock_unicast.py client --server 31337 --pid-mode thread

Both sides print one line per event (`ready`, `got`, `bound`, `echo`), so tests can drive them.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c

MSG_TYPE = c.NLMSG_MIN_TYPE  # user protocols pick their own types above the control range


def chosen_port(mode: str) -> int:
    """The port id to bind for `mode` (pid, thread or kernel)."""
    if mode == "pid":
        return os.getpid()
    if mode == "thread":
        return (threading.get_native_id() << 16 | os.getpid()) & 0xFFFF_FFFF
    return 0


def serve(port: int, count: int, netns: str | None, timeout: float) -> int:
    """Echo `count` messages back to whoever sent them."""
    with NetlinkSocket(c.NETLINK_USERSOCK, port=port, netns=netns) as sock:
        print(f"ready {sock.port}", flush=True)
        for _ in range(count):
            messages, sender, _groups = sock.receive_from(timeout=timeout)
            for msg in messages:
                text = msg.payload.rstrip(b"\0").decode()
                print(f"got {text!r} from {sender} seq {msg.seq}", flush=True)
                sock.send(msg.type, msg.payload, seq=msg.seq, port=sender)
    return 0


def client(server: int, mode: str, text: str, netns: str | None, timeout: float) -> int:
    """Send `text` to the server and wait for the echo."""
    port = chosen_port(mode)
    with NetlinkSocket(c.NETLINK_USERSOCK, port=port, netns=netns) as sock:
        print(f"bound {sock.port} pid {os.getpid()} tid {threading.get_native_id()}", flush=True)
        seq = sock.send(MSG_TYPE, text.encode() + b"\0", port=server)
        messages, sender, _groups = sock.receive_from(timeout=timeout)
        for msg in messages:
            if msg.seq == seq and sender == server:
                text = msg.payload.rstrip(b"\0").decode()
                print(f"echo {text!r} from {sender}", flush=True)
                return 0
    print("no echo", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netns", help="network namespace name or path to run in")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (10)")
    sub = parser.add_subparsers(dest="role", required=True)
    srv = sub.add_parser("server", help="echo messages back")
    srv.add_argument("--port", type=int, required=True, help="port id to bind")
    srv.add_argument("--count", type=int, default=1, help="messages to echo (1)")
    cli = sub.add_parser("client", help="send one message, wait for the echo")
    cli.add_argument("--server", type=int, required=True, help="the server's port id")
    cli.add_argument("--pid-mode", choices=["pid", "thread", "kernel"], default="pid")
    cli.add_argument("--message", default="Hello from user space")
    args = parser.parse_args(argv)
    if args.role == "server":
        return serve(args.port, args.count, args.netns, args.timeout)
    return client(args.server, args.pid_mode, args.message, args.netns, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
