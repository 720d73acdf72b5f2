"""Fingerprint a component's whole source file for Rasa's training cache.

Rasa keys its cache on the component class's own source and config, so a change to a function
or constant outside the class would reuse outputs of the old code: training on one spelling of
the words while the server sees another. A component returns this from fingerprint_addon.

This file runs inside Rasa's own environment (``.venv-nlu``); the bot never imports it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def of_file(path: str) -> str:
    """Return a hash of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
