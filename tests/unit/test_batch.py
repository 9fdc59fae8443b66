"""nfnetlink batches over a fake kernel (no root): framing, answers mapped to requests, errors.

`NfKernel` answers as net/netfilter/nfnetlink.c's nfnetlink_rcv_batch does: the answers of a
batch are sent together once END is reached (an ACK or error per request, END's ACK after a
commit); one refused request aborts all; an error on BEGIN (a generation that moved on) ends
the batch unanswered; a failed commit is an error on BEGIN followed by the requests' ACKs.
"""

from __future__ import annotations

import asyncio
import errno
import pickle
import struct
from pathlib import Path
from typing import Any

import pytest

from genetlink import BatchError, open_family, open_family_async
from genetlink.core.batch import BatchEntry, transaction
from genetlink.core.engine import Engine
from genetlink.core.exchange import Send, Wait
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire import nfnetlink as nfnl
from genetlink.wire.errors import EncodeError, GenetlinkError, NetlinkError, Overrun
from genetlink.wire.message import Message, parse_messages

WAIT = 2.0
INET = {"nfgen-family": 1}
NEWTABLE, NEWCHAIN, NEWRULE = 0xA00, 0xA03, 0xA06


class NfKernel:
    """The batch side of nfnetlink. refuse: index in the batch -> (errno, ext-ACK keywords)."""

    def __init__(self, refuse: dict[int, tuple[int, dict[str, Any]]] | None = None, *,
                 begin_error: int = 0, commit_error: int = 0, deferred: bool = True,
                 echo: bool = False) -> None:  # fmt: skip
        self.refuse = refuse or {}
        self.begin_error = begin_error
        self.commit_error = commit_error
        self.deferred = deferred
        self.echo = echo
        self.fake = FakeKernel(self.handle)
        self.begin: Message | None = None
        self.queue: list[bytes] = []
        self.requests: list[Message] = []
        self.failed = False

    def handle(self, msg: Message) -> list[bytes]:
        if msg.type == nfnl.NFNL_MSG_BATCH_BEGIN:
            self.begin, self.queue, self.requests, self.failed = msg, [], [], False
            if self.begin_error:
                self.begin = None
                return [replies.error(msg, self.begin_error)]
            return []
        if self.begin is None:
            return []  # a refused batch: the rest of the datagram is not read
        if msg.type == nfnl.NFNL_MSG_BATCH_END:
            out = []
            if self.commit_error and not self.failed:
                out.append(replies.error(self.begin, self.commit_error))
            if self.echo and not self.failed:
                for req in self.requests:
                    if req.flags & c.NLM_F_ECHO:  # the multicast copy, group bits set
                        self.fake.deliver(replies.reply(req, req.type, req.payload), groups=0x40)
            out += self.queue
            if not self.failed and not self.commit_error and msg.flags & c.NLM_F_ACK:
                out.append(replies.ack(msg))
            self.begin = None
            return out
        index = len(self.requests)
        self.requests.append(msg)
        answer = None
        if index in self.refuse:
            code, ext = self.refuse[index]
            answer = replies.error(msg, code, **ext)
            self.failed = True
        elif msg.flags & c.NLM_F_ACK:
            answer = replies.ack(msg)
        if answer is None:
            return []
        if self.deferred:
            self.queue.append(answer)
            return []
        return [answer]

    def open(self, spec: Path) -> Any:
        return open_family(spec, transport_factory=self.fake.transport, timeout=WAIT)


@pytest.fixture
def spec(kernel_specs: Path) -> Path:
    return kernel_specs / "nftables.yaml"


def three(batch: Any) -> None:
    batch.add("newtable", {**INET, "name": "t"}, flags="create")
    batch.add("newchain", {**INET, "table": "t", "name": "c"}, flags="create")
    batch.add("newrule", {**INET, "table": "t", "chain": "c"}, flags="create|append")


def test_one_datagram_begin_requests_end(spec: Path) -> None:
    kernel = NfKernel()
    with kernel.open(spec) as nft, nft.batch() as batch:
        three(batch)
    got = kernel.fake.received
    assert [m.type for m in got] == [nfnl.NFNL_MSG_BATCH_BEGIN, NEWTABLE, NEWCHAIN, NEWRULE,
                                     nfnl.NFNL_MSG_BATCH_END]  # fmt: skip
    assert len({m.data for m in got}) == 1  # one datagram
    begin, *requests, end = got
    assert begin.flags == c.NLM_F_REQUEST
    assert struct.unpack_from("!BBH", begin.data, begin.payload_start) == (0, 0, 10)  # res_id
    assert all(m.flags & (c.NLM_F_REQUEST | c.NLM_F_ACK) == 5 for m in requests)
    assert requests[2].flags & c.NLM_F_APPEND and requests[0].flags & c.NLM_F_CREATE
    assert end.flags == c.NLM_F_REQUEST | c.NLM_F_ACK
    assert len({m.seq for m in got}) == 5
    assert batch.result is not None and batch.result.committed
    assert [r.status for r in batch.result] == ["applied"] * 3
    assert [r.operation for r in batch.result] == ["newtable", "newchain", "newrule"]


def test_genid_goes_in_begin(spec: Path) -> None:
    kernel = NfKernel()
    with kernel.open(spec) as nft, nft.batch(genid=0x01020304) as batch:
        batch.add("newtable", {**INET, "name": "t"})
    begin = kernel.fake.received[0]
    attrs = begin.data[begin.payload_start + 4 : begin.end]
    assert attrs == struct.pack("=HH", 8, nfnl.NFNL_BATCH_GENID) + b"\x01\x02\x03\x04"


def test_one_refused_request_aborts_all_and_is_named(spec: Path) -> None:
    # the chain's "table" attribute sits at offset 20 + 4 of the message (nlmsghdr, nfgenmsg)
    kernel = NfKernel({1: (errno.ENOENT, {"message": "no such table", "bad_offset": 20})})
    with kernel.open(spec) as nft:
        with pytest.raises(BatchError) as caught, nft.batch() as batch:
            three(batch)
        err = caught.value
        assert err.errno == errno.ENOENT and err.index == 1 and not err.unknown
        assert [r.status for r in err.result] == ["not applied", "failed", "not applied"]
        failure = err.errors[1]
        assert failure.operation == "newchain (batch request 1)"
        assert failure.message == "no such table" and failure.attr_path == ".table"
        text = str(err)
        assert "refused 1 of 3 requests" in text and "batch request 1" in text
        assert "no such table" in text and ".table" in text
        assert batch.result is err.result and not err.result.committed
        # the socket goes on: the next batch is answered as its own
        kernel.refuse = {}
        with nft.batch() as again:
            again.add("newtable", {**INET, "name": "u"})
        assert again.result is not None and again.result[0].applied


def test_every_refused_request_is_reported(spec: Path) -> None:
    kernel = NfKernel({0: (errno.EEXIST, {}), 2: (errno.EINVAL, {"message": "bad rule"})})
    with kernel.open(spec) as nft, pytest.raises(BatchError) as caught, nft.batch() as batch:
        three(batch)
    assert sorted(i for i in caught.value.errors if i is not None) == [0, 2]
    assert caught.value.index == 0 and caught.value.errno == errno.EEXIST
    assert [r.status for r in caught.value.result] == ["failed", "not applied", "failed"]


def test_generation_moved_on(spec: Path) -> None:
    kernel = NfKernel(begin_error=errno.ERESTART)
    with kernel.open(spec) as nft, pytest.raises(BatchError) as caught, \
            nft.batch(genid=7) as batch:  # fmt: skip
        three(batch)
    err = caught.value
    assert err.errno == errno.ERESTART and err.index is None and None in err.errors
    assert "generation 7" in str(err)
    assert [r.status for r in err.result] == ["not applied"] * 3


def test_failed_commit_is_an_error_on_begin(spec: Path) -> None:
    kernel = NfKernel(commit_error=errno.ENOMEM)
    with kernel.open(spec) as nft:
        with pytest.raises(BatchError) as caught, nft.batch() as batch:
            three(batch)
        assert caught.value.errno == errno.ENOMEM and caught.value.index is None
        assert [r.status for r in caught.value.result] == ["not applied"] * 3
        kernel.commit_error = 0  # the requests' ACKs that followed are stale, not answers
        with nft.batch() as again:
            again.add("newtable", {**INET, "name": "u"})
        assert again.result is not None and again.result.committed


def test_check_sends_no_end(spec: Path) -> None:
    kernel = NfKernel(deferred=False)
    with kernel.open(spec) as nft, nft.batch(check=True) as batch:
        three(batch)
    assert nfnl.NFNL_MSG_BATCH_END not in [m.type for m in kernel.fake.received]
    assert batch.result is not None and batch.result.checked and not batch.result.committed
    assert [r.status for r in batch.result] == ["checked"] * 3
    kernel = NfKernel({1: (errno.ENOENT, {})}, deferred=False)
    with kernel.open(spec) as nft, pytest.raises(BatchError) as caught, \
            nft.batch(check=True) as batch:  # fmt: skip
        three(batch)
    assert "checked the transaction" in str(caught.value)


def test_echoes_are_the_requests_replies(spec: Path) -> None:
    kernel = NfKernel(echo=True)
    with kernel.open(spec) as nft:
        with nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "t"}, flags="create")
            batch.add("newrule", {**INET, "table": "t", "chain": "c"}, flags="create|echo")
        assert batch.result is not None
        assert list(batch.result[0].replies) == []
        (rule,) = batch.result[1].replies
        assert rule["chain"] == "c" and rule["table"] == "t"
        assert not nft.sock.engine.notifications  # taken from the queue, not left there


def test_lost_answers_make_the_outcome_unknown(spec: Path) -> None:
    kernel = NfKernel()
    with kernel.open(spec) as nft:
        kernel.fake.inject_enobufs()
        with pytest.raises(BatchError) as caught, nft.batch() as batch:
            three(batch)
    err = caught.value
    assert err.unknown and err.errno == errno.ENOBUFS and "unknown" in str(err)
    assert [r.status for r in err.result] == ["unknown"] * 3


def test_no_answer_times_out(spec: Path) -> None:
    kernel = NfKernel()
    kernel.fake.handler = lambda msg: []
    with open_family(spec, transport_factory=kernel.fake.transport, timeout=0.2) as nft:
        with pytest.raises(TimeoutError, match="batch of 3 requests"), nft.batch() as batch:
            three(batch)
        assert not nft.sock.engine.pending


def test_nothing_sent_on_exception_or_twice(spec: Path) -> None:
    kernel = NfKernel()
    with kernel.open(spec) as nft:
        with pytest.raises(KeyError), nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "t"})
            raise KeyError("changed my mind")
        assert kernel.fake.received == [] and batch.result is None
        with nft.batch() as empty:
            pass
        assert kernel.fake.received == [] and empty.result is not None
        with nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "t"})
        with pytest.raises(GenetlinkError, match="sent already"):
            batch.add("newtable", {**INET, "name": "u"})
        with pytest.raises(GenetlinkError, match="sent already"):
            batch.commit()


def test_bad_requests_are_refused_when_added(spec: Path) -> None:
    kernel = NfKernel()
    with kernel.open(spec) as nft:
        batch = nft.batch()
        with pytest.raises(EncodeError, match="adds BATCH_BEGIN"):
            batch.add("batch-begin", {})
        with pytest.raises(EncodeError, match="dumps"):
            batch.add("newtable", {**INET, "name": "t"}, flags=c.NLM_F_DUMP)
        with pytest.raises(EncodeError):
            batch.add("newtable", {**INET, "no-such-attribute": 1})
        batch.add("newtable", {**INET, "name": "t"})
        assert len(batch) == 1


def test_only_nfnetlink_families_batch(kernel_specs: Path) -> None:
    fake = FakeKernel()
    with open_family(kernel_specs / "rt-link.yaml", transport_factory=fake.transport) as rt, \
            pytest.raises(GenetlinkError, match="not nfnetlink"):  # fmt: skip
        rt.batch()


def test_one_subsystem_per_batch() -> None:
    engine = Engine(port=99)
    exchange = transaction(engine, [BatchEntry(NEWTABLE, b"\1\0\0\0")], res_id=10)
    send = next(exchange)
    assert isinstance(send, Send)
    messages = parse_messages(send.data)
    assert [m.type for m in messages] == [16, NEWTABLE, 17]
    assert all(m.port == 99 for m in messages)
    wait = exchange.send(None)
    assert isinstance(wait, Wait) and not wait.ready()
    engine.feed(replies.ack(messages[1]) + replies.ack(messages[2]))
    assert wait.ready()
    with pytest.raises(StopIteration) as stop:
        exchange.send(None)
    outcome = stop.value.value
    assert outcome.committed and [a.status for a in outcome.answers] == ["applied"]
    assert not engine.pending


def test_a_batch_the_socket_cannot_send_is_said_in_words() -> None:
    engine = Engine()
    exchange = transaction(engine, [BatchEntry(NEWTABLE, b"\1\0\0\0")])
    next(exchange)
    with pytest.raises(NetlinkError, match="send buffer") as caught:
        exchange.throw(OSError(errno.EMSGSIZE, "Message too long"))
    assert caught.value.errno == errno.EMSGSIZE and not engine.pending


def test_an_overrun_fails_the_wait_not_the_engine() -> None:
    engine = Engine()
    exchange = transaction(engine, [BatchEntry(NEWTABLE, b"\1\0\0\0")] * 2)
    next(exchange)
    wait = exchange.send(None)
    assert isinstance(wait, Wait)
    engine.overrun()
    assert wait.ready()
    with pytest.raises(StopIteration) as stop:
        exchange.send(None)
    outcome = stop.value.value
    assert outcome.lost and isinstance(outcome.error, Overrun)


def test_batch_errors_pickle(spec: Path) -> None:
    kernel = NfKernel({0: (errno.EEXIST, {"message": "exists"})})
    with kernel.open(spec) as nft, pytest.raises(BatchError) as caught, nft.batch() as batch:
        batch.add("newtable", {**INET, "name": "t"})
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, BatchError) and str(copy) == str(caught.value)
    assert copy.index == 0 and copy.errors[0].message == "exists" and len(copy.result) == 0


def test_asyncio_batches_mean_the_same(spec: Path) -> None:
    kernel = NfKernel({2: (errno.EINVAL, {"message": "bad rule"})})

    async def body() -> None:
        async with await open_family_async(spec, transport_factory=kernel.fake.transport,
                                           timeout=WAIT) as nft:  # fmt: skip
            with pytest.raises(BatchError) as caught:
                async with nft.batch() as batch:
                    three(batch)
            assert caught.value.index == 2
            assert [r.status for r in caught.value.result] == ["not applied"] * 2 + ["failed"]
            kernel.refuse = {}
            async with nft.batch() as batch:
                three(batch)
            assert batch.result is not None and batch.result.committed
            result = await nft.batch().commit()
            assert len(result) == 0

    asyncio.run(body())
