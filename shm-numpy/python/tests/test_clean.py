"""``clean``, as a function and as ``python -m shm_ndarray clean``: the
verdicts and lines of ``shm-harness clean`` (``shm_core::lease::reclaim``)
on the same ledger."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from conftest import exists, lease

import shm_ndarray as sn

DIE_HOLDING = textwrap.dedent(
    """
    import os, sys
    import shm_ndarray as sn
    a = sn.zeros(16, "uint8")
    print(a.name, flush=True)
    os._exit(0)  # dies holding it: the lease names a dead process
    """
)

DIE_LENDING = textwrap.dedent(
    """
    import os, sys
    import shm_ndarray as sn
    pool = sn.Pool(1, 8)
    tx = sn.Sender(sys.stdout.buffer)
    loan = pool.lend(1, "int64")
    tx.lend(pool, loan)
    sys.stdout.flush()
    os._exit(0)  # dies with an array lent on the stream its reader holds
    """
)


def dead_holders_segment() -> str:
    out = subprocess.run([sys.executable, "-c", DIE_HOLDING], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def clean_lines(command: list[str], dry_run: bool) -> list[str]:
    out = subprocess.run(command + (["--dry-run"] if dry_run else []), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return out.stdout.splitlines()


def test_the_same_verdicts_and_lines_as_shm_harness(own_ledger, shm_harness):
    reclaimable = dead_holders_segment()
    gone = dead_holders_segment()
    os.unlink(f"/dev/shm/{gone}")  # its lease stays: already-gone
    alive = sn.zeros(4)
    handed = sn.zeros(4)
    handed.disown()  # still mapped here: a party to the transfer lives
    lender = subprocess.Popen([sys.executable, "-c", DIE_LENDING], stdout=subprocess.PIPE)
    message = lender.stdout.readline()  # the open message
    message = lender.stdout.readline()  # the lent array; the pipe stays held here
    assert lender.wait(30) == 0
    pool = __import__("json").loads(message)["descriptor"]["name"]

    ours = [sys.executable, "-m", "shm_ndarray", "clean"]
    theirs = [shm_harness, "clean"]
    dry = clean_lines(ours, dry_run=True)
    assert sorted(dry) == sorted(clean_lines(theirs, dry_run=True))
    words = {line.split()[1]: line.split()[0] for line in dry[:-1]}
    assert words == {
        reclaimable: "would-reclaim",
        gone: "already-gone",
        alive.name: "holder-alive",
        handed.name: "handed-over",
        pool: "lent",
    }
    assert dry[-1] == "would reclaim 1 of 5 leased segments"
    assert exists(reclaimable), "a dry run removes nothing"

    verdicts = {v.name: v for v in sn.clean()}
    assert verdicts[reclaimable].verdict == "reclaimed" and not exists(reclaimable)
    assert verdicts[reclaimable].line.startswith(f"reclaimed {reclaimable} (holder pid ")
    assert verdicts[gone].verdict == "already-gone" and lease(own_ledger, gone) is None
    assert exists(alive.name) and exists(handed.name) and exists(pool)

    lender.stdout.close()  # the stream's last holder lets go: the pool can go
    after = clean_lines(ours, dry_run=False)
    assert f"reclaimed {pool} (holder pid {lender.pid} is gone)" in after
    assert after[-1] == "reclaimed 1 of 3 leased segments"
    assert clean_lines(theirs, dry_run=True)[-1] == "would reclaim 0 of 2 leased segments"

    alive.unlink()
    alive.close()
    handed.adopt()
    handed.unlink()
    handed.close()


def test_clean_on_an_empty_ledger(own_ledger):
    assert sn.clean() == []
    assert clean_lines([sys.executable, "-m", "shm_ndarray", "clean"], dry_run=False) == [
        "reclaimed 0 of 0 leased segments"
    ]


def test_a_bad_command_is_a_usage_error():
    out = subprocess.run([sys.executable, "-m", "shm_ndarray", "nope"], capture_output=True, timeout=30)
    assert out.returncode == 2


def test_arrays_in_transit_to_a_killed_receiver_are_reclaimed_once_nobody_holds_the_stream(own_ledger):
    tx = subprocess.Popen(
        [sys.executable, "-m", "shm_ndarray.queue", "send", "--shape", "4", "--count", "4"],
        stdout=subprocess.PIPE,
    )
    rx = subprocess.Popen(
        [sys.executable, "-m", "shm_ndarray.queue", "recv", "--stall-after", "1"],
        stdin=tx.stdout,
        stdout=subprocess.PIPE,
    )
    tx.stdout.close()
    assert rx.stdout.readline() == b"0 0.0\n"
    assert tx.wait(30) == 0
    # the first is received and freed (just after its line is printed); three
    # are in the stream the stalled receiver still holds
    deadline = time.monotonic() + 10
    while "holder-alive" in (in_transit := {v.name: v.verdict for v in sn.clean(dry_run=True)}).values():
        assert time.monotonic() < deadline, in_transit
        time.sleep(0.02)
    assert sorted(in_transit.values()) == ["handed-over"] * 3, in_transit
    rx.kill()
    rx.wait(30)
    rx.stdout.close()
    verdicts = sn.clean()
    assert sorted(v.verdict for v in verdicts) == ["reclaimed"] * 3, [v.line for v in verdicts]
    assert not any(exists(v.name) for v in verdicts)
