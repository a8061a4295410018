"""Database access: engine creation (SQLite or PostgreSQL) and the health round trip."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .models import Base


class DatabaseSetupError(RuntimeError):
    """The database could not be prepared at startup."""


class Database:
    """Owns the engine and session factory.

    SQLite files are opened with ``mode=rw`` after the schema is created and without a
    connection pool, so a file that is deleted or replaced while the service runs makes the
    next query (and ``/health``) fail instead of silently using a stale handle or a new file.
    One extra connection (``_wal_keeper``) stays open and is never queried: while it is open,
    closing a request's connection does not checkpoint and delete the write-ahead log, which would
    cost every request an fsync. A deleted file still fails the next request, which connects anew.
    """

    _wal_keeper: sqlite3.Connection | None = None

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the installed driver
            url = parsed.render_as_string(hide_password=False)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = self._sqlite_engine(url)
            self._wal_keeper = sqlite3.connect(f"{self.engine.url.database}?mode=rw", uri=True, check_same_thread=False)
            self._wal_keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # attaches the log
        else:
            self.engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                pool_timeout=5,
                connect_args={"connect_timeout": 2, "options": "-c statement_timeout=5000"},
            )
            try:
                Base.metadata.create_all(self.engine)
            except Exception as exc:
                raise DatabaseSetupError(
                    f"cannot prepare the database at {parsed.render_as_string(hide_password=True)}: {exc}"
                ) from exc
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @staticmethod
    def _sqlite_engine(url: str) -> Engine:
        parsed = make_url(url)
        database = parsed.database
        if not database or database == ":memory:":
            raise DatabaseSetupError("an in-memory SQLite database is not supported; give a file path")
        path = Path(database).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        bootstrap = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        try:
            with bootstrap.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # readers never block the writer
            Base.metadata.create_all(bootstrap)
        except Exception as exc:
            raise DatabaseSetupError(f"cannot prepare the SQLite database {path}: {exc}") from exc
        finally:
            bootstrap.dispose()
        engine = create_engine(
            f"sqlite:///file:{path}?mode=rw&uri=true",
            poolclass=NullPool,
            connect_args={"timeout": 15, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous = NORMAL")  # busy timeout: connect_args' timeout (15 s)
            cursor.close()

        return engine

    def session(self) -> Session:
        """A new ORM session."""
        return self.sessions()

    def ping(self) -> float:
        """Run a real round trip (``SELECT 1``; for SQLite also read the schema). Returns ms."""
        started = time.perf_counter()
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
            if self.is_sqlite:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        return (time.perf_counter() - started) * 1000.0

    def dispose(self) -> None:
        """Close pooled connections (and the write-ahead log's keeper)."""
        self.engine.dispose()
        if self._wal_keeper is not None:
            self._wal_keeper.close()
            self._wal_keeper = None
