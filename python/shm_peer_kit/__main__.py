"""``python -m shm_peer_kit manifest PEER_SCRIPT [--library NAME]
[--directory DIR]``: prints the runner's TOML manifest
for the library a peer script defines."""

from __future__ import annotations

import argparse
import sys

from .manifest import manifest_for_script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shm_peer_kit")
    commands = parser.add_subparsers(dest="command", required=True)
    manifest = commands.add_parser("manifest", help="print a peer script's TOML manifest")
    manifest.add_argument("script", help="the peer script (it is run as a module, not as __main__)")
    manifest.add_argument("--library", help="which library, by name, when the script defines several")
    manifest.add_argument(
        "--directory",
        default="{dir}",
        help="where argv finds the script: {dir} (the manifest's directory, the default) or {scripts}",
    )
    args = parser.parse_args(argv)
    try:
        text = manifest_for_script(args.script, args.library, args.directory)
    except Exception as error:  # noqa: BLE001 - a script that does not load is one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
