"""Read config.yml into typed settings, with environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, HttpUrl

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"


class RateLimit(BaseModel):
    """Sending limits that keep the bot inside Telegram's flood limits."""

    overall_per_second: float = 30
    per_chat_per_second: float = 1
    per_chat_burst: int = 3
    group_per_minute: float = 20


class BotSettings(BaseModel):
    """Adapter behaviour shared by Telegram and the console."""

    display_name: str = "Waymark"
    description: str = ""
    short_description: str = ""
    default_language: str = "en"
    long_text_chars: int = 160
    concurrent_updates: int = 32
    rate_limit: RateLimit = RateLimit()


class NluSettings(BaseModel):
    """Where the Rasa server lives and how far to trust it."""

    url: str = "http://127.0.0.1:5005"
    timeout_seconds: float = 1.5
    confidence_threshold: float = 0.55
    manage_server: bool = True
    project_dir: Path = Path("nlu/project")
    model_dir: Path = Path("var/models")
    startup_timeout_seconds: float = 180


class StorageSettings(BaseModel):
    """Database location."""

    database_url: str = "sqlite:///var/waymark.db"


class JobOfferTriage(BaseModel):
    """Weights and thresholds of the job-offer verdict."""

    weights: dict[str, float]
    thresholds: dict[str, float]
    min_indicators_for_high: int = 3
    high_pay_usd: float = 800
    usd_rates: dict[str, float] = Field(default_factory=lambda: {"USD": 1.0})


class TriageSettings(BaseModel):
    """All triage rules."""

    job_offer: JobOfferTriage


class Contact(BaseModel):
    """An official contact, shipped only with the source it came from."""

    id: str
    name: str
    phone: str | None = None
    url: str | None = None
    countries: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    source: HttpUrl


class UrgencyRuleSettings(BaseModel):
    """One urgency rule."""

    priority: str
    any: list[str]
    meaning: str = ""


class UrgencySettings(BaseModel):
    """Ordered urgency rules; the first match decides."""

    rules: list[UrgencyRuleSettings]
    default: str = "P4"


class PartnerSettings(BaseModel):
    """A partner organisation and where its alerts go."""

    id: str
    name: str
    display_name: str | None = None
    countries: list[str] = Field(default_factory=list)
    nationalities: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    case_types: list[str] = Field(default_factory=lambda: ["self", "on_behalf"])
    capabilities: list[str] = Field(default_factory=list)
    ack_sla_minutes: float = 30
    chat_ids: list[int] = Field(default_factory=list)
    webhook_url: str | None = None
    # The webhook secret is read from this environment variable, never from the file.
    webhook_secret_env: str | None = None
    # The console demo shows this partner's alerts in the terminal.
    console: bool = False


class PartnersSettings(BaseModel):
    """All partners and the coordinator chats that receive the last escalation step."""

    coordinator_chat_ids: list[int] = Field(default_factory=list)
    organisations: list[PartnerSettings] = Field(default_factory=list)


class AlertSettings(BaseModel):
    """Outbox delivery."""

    retry_base_seconds: float = 2
    retry_max_seconds: float = 300
    dispatch_interval_seconds: float = 1
    escalation_check_seconds: float = 5
    cleanup_check_seconds: float = 30
    webhook_timeout_seconds: float = 10


class CleanupSettings(BaseModel):
    """Automatic deletion of flow messages."""

    after_flow_seconds: float = 900


class Settings(BaseModel):
    """Everything in config.yml."""

    bot: BotSettings = BotSettings()
    nlu: NluSettings = NluSettings()
    storage: StorageSettings = StorageSettings()
    languages: list[str]
    triage: TriageSettings
    contacts: list[Contact] = Field(default_factory=list)
    urgency: UrgencySettings
    partners: PartnersSettings = PartnersSettings()
    alerts: AlertSettings = AlertSettings()
    cleanup: CleanupSettings = CleanupSettings()

    def resolve(self, path: Path) -> Path:
        """Make a configured relative path absolute against the project root."""
        return path if path.is_absolute() else ROOT / path


def load_settings(path: Path | None = None) -> Settings:
    """Load config.yml (or WAYMARK_CONFIG) and apply environment overrides."""
    path = path or Path(os.environ.get("WAYMARK_CONFIG", DEFAULT_CONFIG))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings = Settings.model_validate(data)
    if url := os.environ.get("DATABASE_URL"):
        settings.storage.database_url = url
    if url := os.environ.get("WAYMARK_NLU_URL"):
        settings.nlu.url = url
    return settings
