"""The bot's shared services, built once at start-up and read back typed in handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from telegram.ext import ContextTypes

from .flood import Quotas
from .ingest import Ingest
from .library import Libraries
from .settings import Settings
from .store import Store


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    libraries: Libraries
    quotas: Quotas
    ingest: Ingest


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data["services"])
