"""The course's helpers: small, typed modules that the notebooks import.

Importing ``helpers`` is fast and has no side effects: torch, faiss and umap are imported
only by the functions that need them. Submodules load on first use (``helpers.models``).
"""

from __future__ import annotations

import importlib
import os
import platform
import random

from helpers.core.env import hub_offline

__version__ = "0.1.0"
__all__ = ["claim", "setup", "__version__"]

_SUBMODULES = {
    "baselines", "beir", "bundle", "check", "claims", "colab", "core", "data", "doctor", "embed", "env", "metrics",
    "models", "plots", "pooling", "projections", "rank", "reranker", "search", "train", "vectors",
    "wordvectors",
}


def setup(seed: int = 0) -> int:
    """Seed Python and NumPy, quiet noisy libraries, and print what this kernel runs.

    Torch is seeded by the model loaders when they import it (``helpers.models``), so this
    call stays fast. Introduced in lesson 00.

    >>> setup(seed=0)  # doctest: +ELLIPSIS
    helpers 0.1.0 ...
    0
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    os.environ["COURSE_SEED"] = str(seed)
    # Tokenizers warn about forked processes in notebooks; the course never needs its threads.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    offline = hub_offline()
    print(
        f"helpers {__version__} · Python {platform.python_version()} · numpy {np.__version__}"
        f" · seed {seed} · Hugging Face Hub: {'offline' if offline else 'online if reachable'}"
    )
    return seed


def __getattr__(name: str) -> object:
    if name == "claim":  # helpers.claim(...), used by every lesson (helpers/claims.py)
        from helpers.claims import claim

        return claim
    if name in _SUBMODULES:
        return importlib.import_module(f"helpers.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
