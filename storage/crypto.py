"""Keys for pseudonymous ids and for encrypting stored state."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet


def _read_or_create(path: Path, make: bytes) -> bytes:
    """Return the key stored at path, creating it owner-only on first use."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(make)
    return make


@dataclass(frozen=True)
class Keys:
    """The id-hashing secret and the data-encryption key."""

    id_secret: bytes
    data_key: bytes

    @classmethod
    def load(cls, key_dir: Path) -> Keys:
        """Read WAYMARK_ID_SECRET / WAYMARK_DATA_KEY, else keys kept under key_dir."""
        id_secret = os.environ.get("WAYMARK_ID_SECRET", "").encode() or _read_or_create(
            key_dir / "id.secret", base64.urlsafe_b64encode(os.urandom(32))
        )
        data_key = os.environ.get("WAYMARK_DATA_KEY", "").encode() or _read_or_create(
            key_dir / "data.key", Fernet.generate_key()
        )
        return cls(id_secret=id_secret, data_key=data_key)

    def user_key(self, platform: str, raw_id: int | str) -> str:
        """Return the keyed hash that stands in for a platform user id."""
        msg = f"{platform}:{raw_id}".encode()
        return hmac.new(self.id_secret, msg, hashlib.sha256).hexdigest()

    def encrypt(self, text: str) -> str:
        """Encrypt text for storage."""
        return Fernet(self.data_key).encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt stored text."""
        return Fernet(self.data_key).decrypt(token.encode()).decode()
