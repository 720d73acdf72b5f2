"""Fingerprint a component's whole source file for Rasa's training cache.

Rasa keys its cache on the component class's own source and config, so a change to a function
or constant outside the class would reuse outputs of the old code: training on one spelling of
the words while the server sees another. Components list WholeFileFingerprint first among their
bases to add the whole file to that key.

This file runs inside Rasa's own environment (``.venv-nlu``); the bot never imports it.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any


class WholeFileFingerprint:
    """Mixin for a Rasa graph component: its cache key covers the file that defines it."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Return a hash of the bytes of the file that defines cls."""
        return hashlib.sha256(Path(inspect.getfile(cls)).read_bytes()).hexdigest()
