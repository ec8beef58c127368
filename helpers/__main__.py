"""The course's command line: ``python -m helpers doctor | verify | baselines | prefetch [--dir DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_doctor(args: argparse.Namespace) -> int:
    from helpers import doctor

    return 1 if doctor.run().verdict == "FAIL" else 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Load the default encoder and embed one sentence: the end of `make` setup."""
    from helpers import doctor

    line = doctor.check_encoder()
    print(f"{line.level}: {line.detail}")
    return 0 if line.level == "OK" else 1


def cmd_prefetch(args: argparse.Namespace) -> int:
    from helpers import models

    cache_dir = Path(args.dir).resolve() if args.dir else None
    if cache_dir:
        cache_dir.mkdir(parents=True, exist_ok=True)
    online = models.hub_reachable()
    failed = []
    for name, spec in models.REGISTRY.items():
        if models._from_cache(spec, cache_dir):
            print(f"OK    {name}: already cached at revision {spec.revision[:7]}")
            continue
        if not online:
            failed.append(name)
            print(f"FAIL  {name}: could not fetch {spec.repo_id}: the Hub is unreachable"
                  " (offline, or HF_HUB_OFFLINE=1)")
            continue
        try:
            path = models.download(spec, cache_dir)
            print(f"OK    {name}: downloaded {spec.size_mb} MB to {path}")
        except Exception as exc:  # HTTP 429, proxy, disk: say it, move on
            failed.append(name)
            print(f"FAIL  {name}: download failed ({type(exc).__name__}: {exc})")
    if not failed:
        import os

        if cache_dir:
            os.environ["COURSE_MODEL_DIR"] = str(cache_dir)
        emb = models.load_encoder().encode(["Prefetch check."])
        print(f"OK    verified: the encoder embeds (shape {emb.shape})")
        if cache_dir:
            print(f"Bundle ready. On each laptop: export COURSE_MODEL_DIR={cache_dir}")
        return 0
    print(f"{len(failed)} model(s) not fetched: {', '.join(failed)}. Run again when online.")
    return 1


def cmd_baselines(args: argparse.Namespace) -> int:
    from helpers import baselines

    baselines.run()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check this machine for the course").set_defaults(func=cmd_doctor)
    sub.add_parser("verify", help="load the model and embed once").set_defaults(func=cmd_verify)
    sub.add_parser("baselines", help="BM25 vs dense retrieval on the course queries").set_defaults(
        func=cmd_baselines)
    pre = sub.add_parser("prefetch", help="download every registered model at its pinned revision")
    pre.add_argument("--dir", help="download into DIR (a workshop bundle) instead of the HF cache")
    pre.set_defaults(func=cmd_prefetch)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
