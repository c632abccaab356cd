"""A PostgreSQL server of the drill's own (initdb in a temporary folder, its own port), so
restarting it costs nobody else on the machine: the shared server at 127.0.0.1:5432 may be
serving other test runs. Same binaries as that server (Debian's /usr/lib/postgresql/<ver>)."""

# A driver, not the bot: a blocking call of a millisecond here delays nobody.
# ruff: noqa: ASYNC240

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN_ROOT = Path("/usr/lib/postgresql")


def _bin_dir() -> Path | None:
    versions = sorted((p for p in BIN_ROOT.glob("*/bin") if (p / "pg_ctl").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def unavailable() -> str | None:
    """None when a private server can be run here, else why the drill is skipped."""
    if _bin_dir() is None:
        return f"no PostgreSQL binaries under {BIN_ROOT}"
    if os.geteuid() != 0:
        return "not root: cannot run a PostgreSQL server as the postgres user to restart it"
    if shutil.which("runuser") is None:
        return "runuser is missing"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateServer:
    data: Path
    port: int
    bin: Path
    restarts: int = 0

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.data),
             "-l", str(self.data.parent / "pg.log"), "-w", "-t", "60", *args],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    async def start(cls) -> PrivateServer:
        """initdb and start in a fresh folder the postgres user can reach (not under a 0700
        temporary folder of root's)."""
        bin_dir = _bin_dir()
        assert bin_dir is not None
        folder = Path(tempfile.mkdtemp(prefix="gridpatrol-drill-pg-"))
        folder.chmod(0o755)
        shutil.chown(folder, "postgres", "postgres")
        data = folder / "data"
        await asyncio.to_thread(
            subprocess.run,
            ["runuser", "-u", "postgres", "--", str(bin_dir / "initdb"), "-D", str(data), "-A",
             "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = cls(data, _free_port(), bin_dir)
        await asyncio.to_thread(
            server._ctl, "-o", f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off", "start")
        return server

    async def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, as a real restart does."""
        await asyncio.to_thread(self._ctl, "-m", "fast", "restart")
        self.restarts += 1

    async def stop(self) -> None:
        try:
            await asyncio.to_thread(self._ctl, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.data.parent, ignore_errors=True)
