"""The course's command line: ``python -m helpers doctor | verify | baselines | prefetch | train-reranker |
train-encoder | fast-encoders | chunk-documents``."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def cmd_doctor(args: argparse.Namespace) -> int:
    from helpers.env import doctor

    return 1 if doctor.run().verdict == "FAIL" else 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Load the default encoder and embed one sentence: the end of `make` setup."""
    from helpers.env import doctor

    line = doctor.check_encoder()
    print(f"{line.level}: {line.detail}")
    return 0 if line.level == "OK" else 1


def cmd_prefetch(args: argparse.Namespace) -> int:
    """Fill a workshop bundle (or this machine's cache); exit 0 when every lesson can run from it."""
    from helpers.env import prefetch
    from helpers.errors import CourseError

    where = f"workshop bundle {Path(args.dir).resolve()}" if args.dir else "your Hugging Face cache"
    print(f"Prefetching the course's models into the {where}", flush=True)
    try:
        report = prefetch.build(Path(args.dir) if args.dir else None)
    except OSError as exc:  # a read-only stick, a missing drive, no permission
        print(f"FAIL  cannot write there: {exc}. Build the bundle in a writable folder, then copy it.")
        return 1
    except CourseError as exc:  # a folder whose manifest this course did not write
        print(f"FAIL  {exc}")
        return 1
    for o in report.outcomes:
        level = "OK" if o.usable else ("FAIL" if o.required else "SKIP")
        print(f"{level:<5} {o.name}: {o.detail}")
        if not o.usable:
            print(f"{'':<6}without it: {o.without}")
    if not report.blocking:
        try:
            print(f"OK    verified: {prefetch.verify_encoder(report.target)}")
        except Exception as exc:  # a damaged copy: say so rather than hand out a broken bundle
            print(f"FAIL  verify: {type(exc).__name__}: {exc}")
            print("Not every lesson can run from this folder. Delete it and run prefetch again.")
            return 1
    skipped = [o.name for o in report.outcomes if not o.usable and not o.required]
    if report.blocking:
        names = ", ".join(o.name for o in report.blocking)
        lost = "; ".join(o.without for o in report.blocking)
        print(f"Not every lesson can run from this folder: {names} missing ({lost}). "
              "Run prefetch again where the Hub is reachable, or install the offline copy.")
        return 1
    print("Every lesson can run from this folder" + (
        f"; optional, not fetched: {', '.join(skipped)} (run again online to add them)." if skipped else "."))
    if args.dir:
        print(f"Bundle ready. On each laptop: export COURSE_MODEL_DIR={shlex.quote(str(report.target))}")
    return 0


def cmd_train_reranker(args: argparse.Namespace) -> int:
    from helpers.train import reranker

    reranker.train(force=args.force)
    return 0


def cmd_train_encoder(args: argparse.Namespace) -> int:
    from helpers.train import encoder

    encoder.train(force=args.force)
    return 0


def cmd_fast_encoders(args: argparse.Namespace) -> int:
    from helpers import fast_encoders

    fast_encoders.export_onnx()
    fast_encoders.distill_static()
    return 0


def cmd_chunk_documents(args: argparse.Namespace) -> int:
    from helpers import long_documents

    long_documents.build()
    return 0


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
    pre = sub.add_parser("prefetch", help="fetch every model at its pinned revision (a workshop bundle)")
    pre.add_argument("--dir", help="build a workshop bundle in DIR (for COURSE_MODEL_DIR) instead of"
                     " filling your Hugging Face cache")
    pre.set_defaults(func=cmd_prefetch)
    train = sub.add_parser("train-reranker", help="train lesson 06's offline cross-encoder (minutes, once)")
    train.add_argument("--force", action="store_true", help="train again even if a trained copy exists")
    train.set_defaults(func=cmd_train_reranker)
    tune = sub.add_parser("train-encoder", help="fine-tune lesson 07's encoder on the course corpus (minutes, once)")
    tune.add_argument("--force", action="store_true", help="train again even if a trained copy exists")
    tune.set_defaults(func=cmd_train_encoder)
    sub.add_parser("fast-encoders", help="export lesson 08's ONNX encoders and distil its static model (once)"
                   ).set_defaults(func=cmd_fast_encoders)
    sub.add_parser("chunk-documents", help="encode lesson 10's chunkings of the long documents (minutes, once)"
                   ).set_defaults(func=cmd_chunk_documents)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
