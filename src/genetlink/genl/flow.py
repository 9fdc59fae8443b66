"""Request flows written once and run by either front (sans-I/O above the socket).

A flow is a generator: it yields a `Call` (one request or dump to make) and gets the socket's
`Response` back, or the socket's exception thrown in at the `yield`; what it returns is the
result. `run(flow, sock)` drives a flow on a blocking `NetlinkSocket`, `await run_async(flow,
sock)` on an `AsyncNetlinkSocket`. Everything between two calls (building the request, decoding
the replies, naming the attributes of an error, resolving or re-resolving a family) is thus
the same code for both fronts; only these two drivers touch a socket.

    def getfamily(name):
        response = yield Call(False, GENL_ID_CTRL, payload, operation="getfamily")
        return decode_family(response[0])

    info = run(getfamily("netdev"), sock)               # blocking
    info = await run_async(getfamily("netdev"), asock)  # asyncio
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from ..aio import AsyncNetlinkSocket
    from ..socket import NetlinkSocket, Response

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Call:
    """One socket call a flow asks for: `sock.dump(...)` when `dump`, else `sock.request(...)`."""

    dump: bool
    msg_type: int
    payload: bytes
    flags: int = 0
    operation: str | None = None
    timeout: float | None = None


#: A flow yields Calls, is sent their Responses, and returns a T.
Flow = Generator[Call, "Response", T]


@dataclass(frozen=True, slots=True)
class _Done(Generic[T]):
    value: T


def _call(sock: Any, call: Call) -> Any:
    """Make the call on either front (the same signatures; the async one returns a coroutine)."""
    method = sock.dump if call.dump else sock.request
    return method(call.msg_type, call.payload, call.flags, operation=call.operation,
                  timeout=call.timeout)  # fmt: skip


def _resume(flow: Flow[T], outcome: Response | BaseException | None) -> Call | _Done[T]:
    """Hand the flow the outcome of its last call; its next call, or its result."""
    try:
        if isinstance(outcome, BaseException):
            return flow.throw(outcome)
        return flow.send(outcome)  # type: ignore[arg-type]  # None starts the generator
    except StopIteration as stop:
        return _Done(stop.value)


def run(flow: Flow[T], sock: NetlinkSocket) -> T:
    """Drive `flow` on a blocking socket; its result (or the exception it raises)."""
    step = _resume(flow, None)
    while isinstance(step, Call):
        outcome: Response | BaseException
        try:
            outcome = _call(sock, step)
        except BaseException as exc:  # the flow decides: enrich, retry, clean up or re-raise
            outcome = exc
        step = _resume(flow, outcome)
    return step.value


async def run_async(flow: Flow[T], sock: AsyncNetlinkSocket,
                    window: AbstractAsyncContextManager[Any] | None = None) -> T:  # fmt: skip
    """Drive `flow` on an asyncio socket. Cancellation is thrown into the flow like any
    exception, so its cleanup runs; the socket itself stays usable (see `genetlink.aio`).

    `window` (an asyncio.Semaphore) bounds the calls in flight on the socket: the kernel
    answers a request while it is being sent, so replies to requests sent in one go pile up
    in the receive queue until the loop reads, and overflow it (ENOBUFS) past a few hundred.
    """
    step = _resume(flow, None)
    while isinstance(step, Call):
        result: Response | BaseException
        try:
            async with window if window is not None else nullcontext():
                result = await _call(sock, step)
        except BaseException as exc:
            result = exc
        step = _resume(flow, result)
    return step.value


__all__ = ["Call", "Flow", "run", "run_async"]
