"""nfnetlink batches on a family handle: nftables changes as one transaction.

    with nft.batch() as batch:                          # sent when the block ends
        batch.add("newtable", {"nfgen-family": 1, "name": "filter"}, flags="create")
        batch.add("newchain", {"nfgen-family": 1, "table": "filter", "name": "input"},
                  flags="create")
    batch.result[1].status                              # "applied"

    async with nft.batch() as batch: ...                # asyncio: the same, awaited on exit

Requests are encoded as they are added (a bad value raises there); nothing is sent until the
batch is committed (the block ends without an exception, or `commit()`). The kernel applies
all of them or none: one bad request aborts the transaction, and `BatchError` names it (and
every other the kernel refused) by index and operation, with its ext-ACK message and
attribute path; the others are reported "not applied". The sans-I/O exchange underneath is
`genetlink.core.batch.transaction`.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..core.batch import BatchEntry, Status, Transaction, transaction
from ..core.exchange import Exchange, warn
from ..socket import NetlinkSocketBase
from ..wire import constants as c
from ..wire import nfnetlink as nfnl
from ..wire.errors import EncodeError, GenetlinkError, NetlinkError
from ..wire.message import align
from .codecs import Attributes
from .core import Flags, Prepared, Replies, parse_flags

if TYPE_CHECKING:
    from .core import HandleBase

R = TypeVar("R")

#: Receive-queue bytes an answer may take (the kernel counts an skb's true size: ~830 bytes
#: for an ACK on 6.12), and an echoed object (NLM_F_ECHO) besides.
_ACK_BYTES = 1024
_ECHO_BYTES = 8192


@dataclass(frozen=True, slots=True)
class BatchReply(Generic[R]):
    """What became of one request of a batch.

    status: "applied", "failed" (the kernel refused it: `error`), "not applied" (it passed,
        but the transaction was aborted), "checked" (passed a check without commit), or
        "unknown" (its answer was lost)
    replies: what the kernel echoed for it (with the "echo" flag: the object as created)
    """

    index: int
    operation: str
    status: Status
    error: NetlinkError | None
    replies: Replies[R]

    @property
    def applied(self) -> bool:
        """True when the request took effect."""
        return self.status == "applied"


class BatchResult(Sequence[BatchReply[R]]):
    """The requests of a batch in the order they were added, with what became of each.

    `committed`: the transaction was applied; `checked`: it was only checked (check=True)
    and passed; `warnings`: the kernel's ext-ACK warnings."""

    def __init__(self, replies: list[BatchReply[R]], *, committed: bool, checked: bool,
                 warnings: list[str]) -> None:  # fmt: skip
        self.replies = replies
        self.committed = committed
        self.checked = checked
        self.warnings = warnings

    @overload
    def __getitem__(self, index: int) -> BatchReply[R]: ...
    @overload
    def __getitem__(self, index: slice) -> list[BatchReply[R]]: ...

    def __getitem__(self, index: int | slice) -> BatchReply[R] | list[BatchReply[R]]:
        return self.replies[index]

    def __iter__(self) -> Iterator[BatchReply[R]]:
        return iter(self.replies)

    def __len__(self) -> int:
        return len(self.replies)

    def __repr__(self) -> str:
        state = "committed" if self.committed else "checked" if self.checked else "not applied"
        return f"BatchResult({len(self)} requests, {state})"


class BatchError(NetlinkError):
    """A batch the kernel did not apply (or whose outcome is unknown).

    errno is that of the first failure. `index`: the first request the kernel refused (None
    when it refused the batch as a whole: `errors` then holds its error on BATCH_BEGIN);
    `errors`: every request's error by index; `result`: every request's `BatchReply`;
    `unknown`: answers were lost (ENOBUFS), so whether it was applied is not known.
    """

    def __init__(self, code: int, reason: str = "", result: BatchResult[Any] | None = None,
                 errors: dict[int | None, NetlinkError] | None = None, *,
                 unknown: bool = False, operation: str | None = None) -> None:  # fmt: skip
        super().__init__(code, operation=operation, message=reason)
        if result is None:
            result = BatchResult([], committed=False, checked=False, warnings=[])
        self.result = result
        self.errors = errors = errors or {}
        self.index = next((i for i in errors if i is not None), None)
        self.unknown = unknown

    def __str__(self) -> str:
        details = "; ".join(str(err) for err in self.errors.values())
        return f"{self.message}: {details}" if details else str(self.message)

    def __reduce__(self) -> Any:
        # the replies decode through the handle's codec, which does not travel: a copy keeps
        # the errors and statuses' story in its text, with an empty result
        state = {k: v for k, v in self.__dict__.items() if k != "result"}
        return (_rebuild, (type(self), self.errno, state))


def _rebuild(cls: type[BatchError], code: int, state: dict[str, Any]) -> BatchError:
    err = cls(code)
    err.__dict__.update(state)
    return err


def _reason(error: NetlinkError, genid: int | None) -> str:
    """Why the kernel refused a batch as a whole (its error on BATCH_BEGIN), in words."""
    if error.errno == errno.ERESTART:
        return (f"the ruleset is no longer at generation {genid}: read it again "
                "(getgen) and build the batch anew")  # fmt: skip
    if error.errno == errno.EPERM:
        return "nfnetlink changes need CAP_NET_ADMIN"
    if error.errno == errno.EOPNOTSUPP:
        return "the subsystem does not take batches (it has no transactions)"
    return "the kernel refused the batch or failed to commit it"


class BatchBase(Generic[R]):
    """The front-independent part of a batch: collecting, encoding, and reading the
    outcome (see `Batch` and `AsyncBatch`)."""

    def __init__(self, handle: HandleBase[R, Any], *, genid: int | None = None,
                 check: bool = False, timeout: float | None = None) -> None:  # fmt: skip
        family = handle.codec.family
        if handle.resolver.is_genetlink or family is None or \
                family.protonum != c.NETLINK_NETFILTER:  # fmt: skip
            raise GenetlinkError(f"{handle.name}: batches are nfnetlink transactions "
                                 "(nftables); this family is not nfnetlink")  # fmt: skip
        self.handle = handle
        #: the ruleset generation the batch is meant for (None: whatever it is when sent)
        self.genid = genid
        #: only check the requests (no BATCH_END): the kernel validates, then aborts
        self.check = check
        self.timeout = handle.timeout if timeout is None else timeout
        #: what became of each request, once the batch has been sent
        self.result: BatchResult[R] | None = None
        self._prepared: list[Prepared] = []
        self._res_id: int | None = None

    def add(self, op: str | int, attrs: Attributes = None, *, flags: Flags = None) -> int:
        """Add a request (encoded now: EncodeError for a bad value); returns its index."""
        if self.result is not None:
            raise GenetlinkError(f"{self.handle.name}: this batch was sent already")
        handle = self.handle
        encoded = handle.codec.encode(op, attrs, "do")
        msg_type, payload = handle.resolver.envelope(encoded.number, encoded.body)
        index = len(self._prepared)
        label = f"{encoded.name} (batch request {index})"
        if msg_type in (nfnl.NFNL_MSG_BATCH_BEGIN, nfnl.NFNL_MSG_BATCH_END):
            raise EncodeError(f"{label}: the batch adds BATCH_BEGIN and BATCH_END itself")
        subsystem = nfnl.subsystem(msg_type)
        if self._res_id is not None and subsystem != self._res_id:
            raise EncodeError(f"{label}: message type {msg_type:#x} is of nfnetlink subsystem "
                              f"{subsystem}, the batch's is {self._res_id}: a batch holds one "
                              "subsystem's requests")  # fmt: skip
        bits = parse_flags(flags)
        if bits & c.NLM_F_DUMP == c.NLM_F_DUMP:
            raise EncodeError(f"{label}: a batch holds changes, not dumps")
        self._res_id = subsystem
        self._prepared.append(Prepared("do", encoded, msg_type, payload, bits, self.timeout,
                                       False, label))  # fmt: skip
        return index

    def __len__(self) -> int:
        return len(self._prepared)

    # -- sending ------------------------------------------------------------------------------

    def _fit(self) -> None:
        """Make the socket take the batch as one datagram and queue all its answers."""
        size = sum(align(c.NLMSG_HDRLEN + len(p.payload)) for p in self._prepared) + 64
        echoes = sum(1 for p in self._prepared if p.flags & c.NLM_F_ECHO)
        answers = (len(self._prepared) + 2) * _ACK_BYTES + echoes * _ECHO_BYTES + (1 << 16)
        sock = self.handle.sock
        if isinstance(sock, NetlinkSocketBase):
            sock.fit_buffers(size, answers)

    def _commit(self) -> Exchange[BatchResult[R]]:
        if self.result is not None:
            raise GenetlinkError(f"{self.handle.name}: this batch was sent already")
        entries = [BatchEntry(p.msg_type, p.payload, p.flags, f"{self.handle.name} {p.label}")
                   for p in self._prepared]  # fmt: skip
        if not entries:
            self.result = BatchResult([], committed=not self.check, checked=self.check,
                                      warnings=[])  # fmt: skip
            return self.result
        outcome = yield from transaction(
            self.handle.sock.engine, entries, res_id=self._res_id or 0, genid=self.genid,
            commit=not self.check, timeout=self.timeout,
        )  # fmt: skip
        self.result = self._result(outcome)
        if self.result.committed or self.result.checked:
            warn(f"{self.handle.name} batch", outcome.warnings)
            return self.result
        raise self._error(outcome, self.result)

    def _result(self, outcome: Transaction) -> BatchResult[R]:
        decode = self.handle.codec.decode
        replies = []
        for answer, prepared in zip(outcome.answers, self._prepared, strict=True):
            error = answer.error
            explained = None
            if isinstance(error, NetlinkError):
                explained = self.handle._explain(prepared, error).named(operation=prepared.label)
            echoed: Replies[R] = Replies(answer.messages, lambda m: decode(m, None),
                                         answer.warnings)  # fmt: skip
            replies.append(BatchReply(answer.index, prepared.encoded.name, answer.status,
                                      explained, echoed))  # fmt: skip
        return BatchResult(replies, committed=outcome.committed, checked=outcome.checked,
                           warnings=outcome.warnings)  # fmt: skip

    def _error(self, outcome: Transaction, result: BatchResult[R]) -> BatchError:
        name = self.handle.name
        count = len(result)
        requests = f"{count} request" + ("s" if count != 1 else "")
        if outcome.lost:
            return BatchError(errno.ENOBUFS, f"{name} batch of {requests}: answers were "
                              "lost (ENOBUFS): whether it was applied is unknown; read the "
                              "ruleset back", result, {}, unknown=True)  # fmt: skip
        failed: dict[int | None, NetlinkError] = {
            r.index: r.error for r in result if r.error is not None
        }
        if failed:
            what = "checked" if self.check else "aborted"
            untouched = count - len(failed)
            reason = (f"{name} batch not applied: the kernel refused {len(failed)} of {count} "
                      f"requests and {what} the transaction"
                      + (f" ({untouched} others not applied)" if untouched else ""))  # fmt: skip
            first = next(iter(failed.values()))
            return BatchError(first.errno or errno.EINVAL, reason, result, failed,
                              operation=first.operation)  # fmt: skip
        error = outcome.error
        if not isinstance(error, NetlinkError):
            error = NetlinkError(errno.EIO, message=str(error) if error else "no outcome")
        error = error.named(operation=f"{name} batch begin")
        reason = f"{name} batch of {requests} not applied: {_reason(error, self.genid)}"
        return BatchError(error.errno or errno.EIO, reason, result, {None: error},
                          operation=f"{name} batch")  # fmt: skip


class Batch(BatchBase[R]):
    """A batch on a blocking handle: `with handle.batch() as batch:` commits when the block
    ends without an exception (an exception discards it: nothing is sent)."""

    def commit(self) -> BatchResult[R]:
        """Send the batch as one transaction; its result, or BatchError when the kernel did not
        apply it (nothing was changed then)."""
        self._fit()
        result: BatchResult[R] = self.handle.sock.run(self._commit())
        return result

    def __enter__(self) -> Batch[R]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None and self.result is None:
            self.commit()


class AsyncBatch(BatchBase[R]):
    """A batch on an asyncio handle: `async with handle.batch() as batch:` commits (awaited)
    when the block ends without an exception."""

    async def commit(self) -> BatchResult[R]:
        """Send the batch as one transaction (see `Batch.commit`)."""
        self._fit()
        result: BatchResult[R] = await self.handle.sock.run(self._commit())
        return result

    async def __aenter__(self) -> AsyncBatch[R]:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None and self.result is None:
            await self.commit()


__all__ = ["AsyncBatch", "Batch", "BatchBase", "BatchError", "BatchReply", "BatchResult"]
