"""The nfnetlink batch exchange: several requests sent as one transaction, answers mapped back.

    outcome = yield from transaction(engine, entries, res_id=NFNL_SUBSYS_NFTABLES)

BEGIN, the requests (each with NLM_F_ACK) and END go out as one datagram: the kernel runs a
transaction only over the messages of one datagram (see `genetlink.wire.nfnetlink`). Each
message is registered with the engine under its own sequence number, so each answer reaches
the request it belongs to, with its ext-ACK message and offsets. The exchange ends when the
kernel's last word has arrived:

- END's ACK: the transaction was committed;
- every request answered and one of them failed: the kernel aborted it all;
- every request answered and no END sent (`commit=False`): checked only, then aborted;
- an error on BEGIN: refused before it started (generation, permission, subsystem), or a
  commit that failed; the requests' ACKs that follow it change nothing and are dropped;
- an overrun (ENOBUFS) on the socket: answers were lost, so the outcome is unknown.

It returns a `Transaction` and raises nothing for the kernel's answers: the client turns
them into results and errors that name each request.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..wire import constants as c
from ..wire import nfnetlink as nfnl
from ..wire.errors import GenetlinkError, NetlinkError, Overrun
from ..wire.message import Message, build_header
from .engine import Engine, Request
from .exchange import BATCH, Exchange, Send, Wait

#: What became of one request: "applied" (committed), "failed" (the kernel refused it),
#: "not applied" (it passed, but the transaction was aborted or refused), "checked" (it
#: passed a check without commit), "unknown" (its answer was lost).
Status = Literal["applied", "failed", "not applied", "checked", "unknown"]


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One request of a batch: message type, payload (nfgenmsg and attributes), flags
    (NLM_F_REQUEST and NLM_F_ACK are added) and a name for errors."""

    msg_type: int
    payload: bytes
    flags: int = 0
    operation: str | None = None


@dataclass(slots=True)
class Answer:
    """What the kernel said to one request of a batch."""

    index: int
    seq: int
    status: Status
    error: GenetlinkError | None
    messages: list[Message]  # what it echoed (NLM_F_ECHO), in order
    warnings: list[str]


@dataclass(slots=True)
class Transaction:
    """The outcome of a batch.

    committed: END's ACK came: every request was applied
    error:     an error on BEGIN (the batch was refused, or its commit failed), or the
               Overrun that lost answers; None when only requests failed (see `answers`)
    lost:      answers were lost to an overrun: whether anything was applied is unknown
    """

    answers: list[Answer]
    committed: bool
    checked: bool
    error: GenetlinkError | None = None
    lost: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Answer]:
        """The requests the kernel refused."""
        return [a for a in self.answers if a.status == "failed"]


def _message(engine: Engine, entry: BatchEntry) -> Callable[[int], bytes]:
    port = engine.port
    flags = entry.flags | c.NLM_F_REQUEST | c.NLM_F_ACK
    length = c.NLMSG_HDRLEN + len(entry.payload)

    def build(seq: int) -> bytes:
        return nfnl.padded(build_header(length, entry.msg_type, flags, seq, port) + entry.payload)

    return build


def _control(engine: Engine, msg_type: int, res_id: int, flags: int,
             genid: int | None) -> Callable[[int], bytes]:  # fmt: skip
    port = engine.port

    def build(seq: int) -> bytes:
        return nfnl.control(msg_type, seq, port, res_id, flags=flags, genid=genid)

    return build


def transaction(
    engine: Engine,
    entries: Sequence[BatchEntry],
    *,
    res_id: int = nfnl.NFNL_SUBSYS_NFTABLES,
    genid: int | None = None,
    commit: bool = True,
    timeout: float | None = None,
    port: int = 0,
) -> Exchange[Transaction]:
    """Send `entries` as one nfnetlink transaction of subsystem `res_id` and read the answers.

    genid: the ruleset generation the batch is meant for (NFNL_BATCH_GENID): the kernel
        refuses the batch with ERESTART when the ruleset has changed since (0/None: any).
    commit: False sends no END: the kernel checks every request, then aborts.
    timeout: seconds to wait for the answers.
    """
    if engine.max_in_flight is not None:
        while engine.window_full():  # the batch takes its slots together once one is free
            yield Wait(lambda: not engine.window_full(), timeout, "a free request slot")
    begin = engine.start("do", _control(engine, nfnl.NFNL_MSG_BATCH_BEGIN, res_id,
                                        c.NLM_F_REQUEST, genid), "batch begin")  # fmt: skip
    sent: list[Request] = []
    end: Request | None = None
    try:
        sent = [engine.start("do", _message(engine, e), e.operation) for e in entries]
        if commit:
            end = engine.start("do", _control(engine, nfnl.NFNL_MSG_BATCH_END, res_id,
                                              c.NLM_F_REQUEST | c.NLM_F_ACK, None),
                               "batch end")  # fmt: skip
        everything = [begin, *sent, *([end] if end is not None else [])]

        def settled() -> bool:
            if begin.done or (end is not None and end.done):
                return True
            if not all(r.done for r in sent):
                return False
            return end is None or any(r.error is not None for r in sent)

        data = b"".join(r.data for r in everything)
        try:
            yield Send(data, port)
        except OSError as exc:
            if exc.errno != errno.EMSGSIZE:
                raise
            raise NetlinkError(errno.EMSGSIZE, operation=f"a batch of {len(sent)} requests",
                               message=f"{len(data)} bytes are more than the socket's send "
                               "buffer takes (net.core.wmem_max caps it without "
                               "CAP_NET_ADMIN); a batch is atomic only as one datagram"
                               ) from None  # fmt: skip
        if not settled():
            yield Wait(settled, timeout, f"a batch of {len(sent)} requests", BATCH)
        _claim_echoes(engine, entries, sent)
    finally:
        for request in (begin, *sent, *([end] if end is not None else [])):
            engine.abandon(request)
    return _outcome(begin, sent, end)


def _claim_echoes(engine: Engine, entries: Sequence[BatchEntry], sent: list[Request]) -> None:
    """Hand each request what the kernel echoed for it (NLM_F_ECHO): nf_tables sends the
    echo at commit as the multicast copy of its notification, so the engine queued it as
    one; ours carry our port id and the request's sequence number."""
    asked = {r.seq: r for r, e in zip(sent, entries, strict=True) if e.flags & c.NLM_F_ECHO}
    if not asked:
        return
    port = engine.port
    for msg in engine.claim(lambda m: m.port == port and m.seq in asked):
        asked[msg.seq].messages.append(msg)


def _real(error: GenetlinkError | None) -> bool:
    return error is not None and not isinstance(error, Overrun)


def _outcome(begin: Request, sent: list[Request], end: Request | None) -> Transaction:
    """Who said what, and what it means for each request."""
    everything = [begin, *sent, *([end] if end is not None else [])]
    overrun = next((r.error for r in everything if isinstance(r.error, Overrun)), None)
    failures = any(_real(r.error) for r in sent)  # one is enough: the kernel aborted it all
    error = begin.error if _real(begin.error) else None
    if error is None and end is not None and _real(end.error):
        error = end.error  # not seen from a kernel; kept rather than lost
    committed = (not failures and error is None and end is not None and end.done
                 and end.error is None)  # fmt: skip
    lost = overrun is not None and not failures and error is None and not committed
    checked = end is None and not failures and error is None and overrun is None
    answers = []
    for index, request in enumerate(sent):
        status: Status
        if committed:
            status = "applied"
        elif _real(request.error):
            status = "failed"
        elif lost:
            status = "unknown"
        elif checked:
            status = "checked"
        else:
            status = "not applied"
        failure = request.error if status == "failed" else None
        answers.append(Answer(index, request.seq, status, failure, request.messages,
                              request.warnings))  # fmt: skip
    warnings = [w for r in everything for w in r.warnings]
    return Transaction(answers, committed, checked, overrun if lost else error, lost, warnings)


__all__ = ["Answer", "BatchEntry", "Status", "Transaction", "transaction"]
