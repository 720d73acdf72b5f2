"""Assemble the Rasa training data, and train a model only when its inputs changed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from nlu import entities, lexicon

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Path(__file__).parent / "project"
RASA = ROOT / ".venv-nlu" / "bin" / "rasa"
COMPONENTS = PROJECT / "components"
MODEL_PREFIX = "waymark-"
# Quiet TensorFlow and keep Rasa from phoning home (this machine has no outside network anyway).
RASA_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    # Keep Rasa's training cache with the other build outputs, not in the working tree root.
    "RASA_CACHE_DIRECTORY": str(ROOT / "var" / "rasa-cache"),
    # Where Rasa finds the project's own pipeline components, for training and serving.
    "PYTHONPATH": str(COMPONENTS),
}


def intent_files(data_dir: Path = PROJECT / "data" / "nlu") -> list[Path]:
    """Return the per-language intent files."""
    return sorted(data_dir.glob("*.yml"))


def lookup_document() -> dict:
    """Build Rasa lookup tables and regexes from the lexicon, so names live in one place."""
    places = sorted({name for _, _, name in lexicon.places()})
    platforms = sorted({name for _, _, name in lexicon.platforms()})
    money = sorted(
        {p.pattern.replace("?P<num>", "").replace("?P<scale>", "") for _, p in entities._MONEY}
    )
    return {
        "version": "3.1",
        "nlu": [
            {"lookup": "destination", "examples": "".join(f"- {n}\n" for n in places)},
            {"lookup": "platform", "examples": "".join(f"- {n}\n" for n in platforms)},
            {"regex": "money", "examples": "".join(f"- {p}\n" for p in money)},
        ],
    }


def assemble(out_dir: Path, files: list[Path] | None = None) -> Path:
    """Write the training folder: the chosen intent files plus generated lookups."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for path in files if files is not None else intent_files():
        shutil.copy(path, out_dir / path.name)
    (out_dir / "lookups.yml").write_text(
        yaml.safe_dump(lookup_document(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return out_dir


def fingerprint(data_dir: Path, config: Path) -> str:
    """Hash the pipeline, its own components and every training file: a change means a new model."""
    h = hashlib.sha256(config.read_bytes())
    for path in sorted(COMPONENTS.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for path in sorted(data_dir.glob("*.yml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def train(
    model_dir: Path,
    *,
    files: list[Path] | None = None,
    config: Path = PROJECT / "config.yml",
    work_dir: Path | None = None,
    quiet: bool = True,
    cache_dir: Path | None = None,
) -> Path:
    """Return the model for the current data, training it first if it does not exist yet."""
    model_dir.mkdir(parents=True, exist_ok=True)
    data_dir = assemble((work_dir or model_dir) / "training-data", files)
    name = MODEL_PREFIX + fingerprint(data_dir, config)
    model = model_dir / f"{name}.tar.gz"
    if model.exists():
        return model
    if not RASA.exists():
        raise RuntimeError(f"Rasa is not installed at {RASA}; run `make nlu-env`")
    cmd = [
        str(RASA),
        "train",
        "nlu",
        "--config",
        str(config),
        "--nlu",
        str(data_dir),
        "--out",
        str(model_dir),
        "--fixed-model-name",
        name,
    ]
    env = {**os.environ, **RASA_ENV}
    if cache_dir is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    result = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=quiet, text=True)
    if result.returncode != 0 or not model.exists():
        tail = (result.stderr or "")[-2000:] if quiet else ""
        raise RuntimeError(f"rasa train failed (exit {result.returncode}):\n{tail}")
    return model


def latest_model(model_dir: Path) -> Path | None:
    """Return the newest trained model in a folder."""
    models = sorted(model_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
