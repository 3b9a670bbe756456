"""``python -m shm_ndarray clean [--dry-run]``: reclaims the segments whose
holder died, printing what ``shm-harness clean`` prints (one line a lease,
then ``reclaimed N of M leased segments``). Exit 0, or 3 with one
``error:`` line when the ledger cannot be read."""

from __future__ import annotations

import argparse
import sys

from . import _shm_ndarray
from ._errors import ShmError


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns its exit code."""
    p = argparse.ArgumentParser(prog="python -m shm_ndarray")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("clean", help="reclaim segments whose creator died")
    c.add_argument("--dry-run", action="store_true", help="say what would be reclaimed without removing anything")
    args = p.parse_args(argv)
    try:
        verdicts = _shm_ndarray.clean(args.dry_run)
    except ShmError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    for v in verdicts:
        print(v.line)
    print(_shm_ndarray.clean_summary(verdicts, args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
