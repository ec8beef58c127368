"""Read and check a Faiss factory string before Faiss sees it.

Faiss's ``index_factory`` trusts its numbers, and some bad ones kill the Python process
instead of raising: ``"HNSW1"`` segfaults, ``"HNSW0"`` aborts, ``"PQ8x0"`` divides by zero,
``"IVF4,SQ0"`` builds an index that silently finds nothing. :func:`parse` reads the small
grammar of parts the course uses and :meth:`FactoryPlan.check` checks each number against
the data, so a typo becomes a ``ValueError`` that says what to change. Used by
:func:`helpers.search.build_index` (lessons 05 and 06).

The grammar, parts separated by commas::

    factory  = [ "IVF" nlist "," ] code [ "," refine ]  |  "HNSW" M [ "," ( "Flat" | sq ) ]
    code     = "Flat" | pq | sq
    pq       = "PQ" m [ "x" nbits ] [ "fs" ]          (fs: the 4-bit fast-scan layout)
    sq       = "SQ4" | "SQ6" | "SQ8" | "SQfp16" | "SQbf16"
    refine   = "RFlat" | "Refine(Flat)" | "Refine(SQfp16)" | "Refine(SQ8)"

>>> plan = parse("IVF256,PQ48x4fs,RFlat")
>>> plan.nlist, plan.pq, plan.fast_scan, plan.refine
(256, (48, 4), True, 'RFlat')
>>> plan.min_train
256
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FactoryPlan", "parse"]

HNSW_M = (2, 512)  # M=1 or 0 crashes Faiss; beyond 512 the graph costs more memory than it can repay
PQ_BITS = (1, 16)  # 0 divides by zero; 2**16 centroids per sub-vector is already far beyond the course
SQ_TYPES = ("SQ4", "SQ6", "SQ8", "SQfp16", "SQbf16")
REFINES = ("RFlat", "Refine(Flat)", "Refine(SQfp16)", "Refine(SQ8)")
_PQ = re.compile(r"PQ([0-9]+)(?:x([0-9]+))?(fs)?")
_USAGE = ("the course's indexes are built from Flat, IVF<nlist>, HNSW<M>, PQ<m>[x<bits>][fs], "
          f"{'/'.join(SQ_TYPES)} and RFlat, e.g. 'Flat', 'HNSW32', 'IVF256,Flat', 'PQ48x4fs', "
          "'IVF256,PQ96x4fs,RFlat'")


@dataclass(frozen=True)
class FactoryPlan:
    """What a factory string asks for: the numbers :meth:`check` tests against the data."""

    factory: str
    nlist: int | None = None  # IVF lists
    hnsw_m: int | None = None  # HNSW links per node
    pq: tuple[int, int] | None = None  # (sub-vectors m, bits per code)
    fast_scan: bool = False
    sq: str | None = None
    refine: str | None = None

    @property
    def needs_training(self) -> bool:
        return self.nlist is not None or self.pq is not None or self.sq is not None

    @property
    def min_train(self) -> int:
        """The fewest training vectors Faiss can train this on (k-means needs a point per centroid)."""
        return max(self.nlist or 0, 2 ** self.pq[1] if self.pq else 0, 1 if self.sq else 0)

    def check(self, dim: int, n: int, n_train: int) -> None:
        """Raise ``ValueError`` unless this index can be built on ``n`` vectors of ``dim`` dimensions,
        trained on ``n_train`` of them."""
        name = repr(self.factory)
        if self.pq is not None:
            m, bits = self.pq
            if not 1 <= m <= dim or dim % m:
                divisors = [k for k in (4, 8, 12, 16, 24, 32, 48, 64, 96) if k <= dim and dim % k == 0]
                raise ValueError(f"{name}: PQ{m} cuts each vector into {m} pieces, but {dim} dimensions do not "
                                 f"divide into {m} equal pieces; choose m among the divisors of {dim}, "
                                 f"e.g. {divisors or [1]}")
        if self.nlist is not None and self.nlist > n_train:
            raise ValueError(f"Faiss cannot train {name} on {n_train} vectors: IVF{self.nlist} needs at least "
                             f"{self.nlist} training vectors (about 40 per list is better); lower nlist "
                             f"or train on more vectors")
        if self.min_train > n_train:
            raise ValueError(f"Faiss cannot train {name} on {n_train} vectors: {self.pq[1] if self.pq else 0}-bit "
                             f"PQ codes need {self.min_train} centroids, one training vector each at least; "
                             f"use fewer bits or train on more vectors")


def _number(text: str, part: str, factory: str, low: int, high: int | None, meaning: str) -> int:
    value = int(text)
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{factory!r}: in {part!r}, {meaning} must be {span}, got {value}")
    return value


def _code(part: str, factory: str) -> dict:
    """One encoding part: Flat, PQ... or SQ... ."""
    if part == "Flat":
        return {}
    if part in SQ_TYPES:
        return {"sq": part}
    if part.startswith("SQ"):
        raise ValueError(f"{factory!r}: {part!r} is not a scalar quantizer; use one of {', '.join(SQ_TYPES)}")
    match = _PQ.fullmatch(part)
    if match is None:
        raise ValueError(f"Faiss cannot build {factory!r}: {part!r} is not a part it knows here; {_USAGE}")
    m = _number(match.group(1), part, factory, 1, None, "the number of sub-vectors m")
    bits = 8 if match.group(2) is None else _number(match.group(2), part, factory, *PQ_BITS, "the bits per code")
    if match.group(3) and bits != 4:
        raise ValueError(f"{factory!r}: the fast-scan layout ('fs') needs 4-bit codes, e.g. 'PQ{m}x4fs', got {part!r}")
    return {"pq": (m, bits), "fast_scan": bool(match.group(3))}


def parse(factory: str) -> FactoryPlan:
    """Read ``factory`` into a :class:`FactoryPlan`, or raise ``TypeError``/``ValueError`` saying what to fix."""
    if not isinstance(factory, str) or not factory:
        raise TypeError(f"factory must be a Faiss factory string such as 'HNSW32', got {factory!r}")
    if not factory.isascii() or any(c.isspace() for c in factory):
        raise ValueError(f"Faiss cannot build {factory!r}: write the factory without spaces, e.g. 'IVF256,Flat'")
    parts = factory.split(",")
    head = re.fullmatch(r"(IVF|HNSW)([0-9]+)", parts[0])
    if head and head.group(1) == "HNSW":
        m = _number(head.group(2), parts[0], factory, *HNSW_M, "M (links per node)")
        rest = parts[1:]
        if len(rest) > 1 or (rest and rest[0] != "Flat" and rest[0] not in SQ_TYPES):
            raise ValueError(f"Faiss cannot build {factory!r}: HNSW{m} stores its vectors as Flat or "
                             f"{'/'.join(SQ_TYPES)} only, e.g. 'HNSW{m}' or 'HNSW{m},SQ8'")
        return FactoryPlan(factory, hnsw_m=m, **(_code(rest[0], factory) if rest else {}))
    nlist = None
    if head:
        nlist = _number(head.group(2), parts[0], factory, 1, None, "the number of lists")
        parts = parts[1:]
        if not parts:
            raise ValueError(f"{factory!r}: say how IVF stores its vectors, e.g. 'IVF{nlist},Flat' or 'IVF{nlist},PQ48x4fs'")
    refine = None
    if len(parts) == 2 and parts[1] in REFINES:
        refine = parts.pop()
    if len(parts) != 1:
        bad = next((p for p in parts[1:] if p not in REFINES), parts[-1])
        raise ValueError(f"Faiss cannot build {factory!r}: {bad!r} is not a part it knows here; {_USAGE}")
    return FactoryPlan(factory, nlist=nlist, refine=refine, **_code(parts[0], factory))
