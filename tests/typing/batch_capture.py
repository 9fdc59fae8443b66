"""User code against the batch and capture API, on both fronts: an nftables transaction, a
refused one told apart by request, a capture of it. `make lint` type-checks it with mypy
--strict (no casts, no ignores); tests/kernel/test_typing_script.py runs it as root inside a
namespace with the kernel's nftables spec.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from genetlink import (
    AsyncBatch,
    Batch,
    BatchError,
    BatchReply,
    BatchResult,
    Capture,
    CaptureError,
    Decoded,
    GenetlinkError,
    NetlinkError,
    open_family,
    open_family_async,
)

INET = {"nfgen-family": 1}  # NFPROTO_INET


def blocking(capture: Capture) -> list[str]:
    with open_family("nftables", capture=capture) as nft:
        batch: Batch[Decoded]
        with nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "typed"}, flags="create")
            batch.add("newchain", {**INET, "table": "typed", "name": "in"}, flags=["create"])
        result: BatchResult[Decoded] | None = batch.result
        assert result is not None and result.committed
        first: BatchReply[Decoded] = result[0]
        assert first.applied and first.operation == "newtable" and first.error is None
        try:
            with nft.batch() as refused:
                refused.add("newtable", {**INET, "name": "other"}, flags="create")
                refused.add("newchain", {**INET, "table": "nope", "name": "in"})
        except BatchError as err:
            bad: NetlinkError = err.errors[1]
            assert err.index == 1 and bad.attr_path == ".table" and not err.unknown
            statuses = [reply.status for reply in err.result]
            assert statuses == ["not applied", "failed"], statuses
        names: list[str] = [str(t["name"]) for t in nft.dump("gettable", {"nfgen-family": 0})]
    return names


async def asynchronous(capture: Capture) -> int:
    async with await open_family_async("nftables", capture=capture) as nft:
        batch: AsyncBatch[Decoded]
        async with nft.batch(check=True) as batch:  # validated, nothing applied
            batch.add("newtable", {**INET, "name": "checked"}, flags="create")
        result = batch.result
        assert result is not None and result.checked and not result.committed
        return len([t async for t in nft.dump("gettable", {"nfgen-family": 0})])


def main() -> None:
    directory = Path(tempfile.mkdtemp())
    try:
        Capture(directory / "no" / "such" / "dir.pcapng")
    except CaptureError as err:  # a GenetlinkError, like every error of the library
        error: GenetlinkError = err
        assert "cannot write" in str(error)
    with Capture(directory / "nft.pcapng", max_bytes=1 << 20) as capture:
        names = blocking(capture)
        tables = asyncio.run(asynchronous(capture))
        written: int = capture.written
    assert names == ["typed"] and tables == 1, (names, tables)
    assert capture.error is None and written >= 8 and capture.dropped == 0
    sys.stdout.write(f"{names} {written}\n")


if __name__ == "__main__":
    main()
