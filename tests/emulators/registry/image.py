"""A tiny, valid OCI image built in memory, byte-for-byte reproducible
(fixed timestamps and owners), so its digests are stable across runs."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _tar(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@dataclass(frozen=True)
class Image:
    manifest: bytes
    blobs: dict[str, bytes]  # digest -> bytes (config and layers)

    @property
    def manifest_digest(self) -> str:
        return sha256_digest(self.manifest)

    @classmethod
    def build(cls, files: dict[str, bytes], architecture: str = "amd64") -> "Image":
        layer_tar = _tar(files)
        layer = gzip.compress(layer_tar, mtime=0)
        config = _canonical_json({
            "architecture": architecture,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(layer_tar)]},
        })
        manifest = _canonical_json({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": sha256_digest(config), "size": len(config)},
            "layers": [{"mediaType": LAYER_TYPE, "digest": sha256_digest(layer), "size": len(layer)}],
        })
        return cls(manifest=manifest, blobs={sha256_digest(config): config, sha256_digest(layer): layer})
