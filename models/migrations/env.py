"""Alembic environment: runs on the sync driver of whatever URL the CLI hands in."""

from __future__ import annotations

from alembic import context

from models import Base
from models.db import make_sync_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "gridpatrol db upgrade sets sqlalchemy.url"

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_sync_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
