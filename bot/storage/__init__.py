"""SQLite storage: the one place that opens the database, and explicit SQL by table."""

from bot.storage.database import SCHEMA_VERSION, StoreError, open_database
from bot.storage.store import Store, UpsertOutcome, open_store

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "UpsertOutcome", "open_database", "open_store"]
