"""The sandbox's web chat: one page and its static files, talking only to the control API
(/sandbox/api/...), so it needs nothing from the internet and no build step."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

__all__ = ["add_web_chat_routes", "static_dir"]


def static_dir() -> Path:
    """The page's files, shipped inside this package (aiohttp serves them from a folder)."""
    folder = resources.files(__name__) / "static"
    if not isinstance(folder, Path):  # a zipped install: aiohttp cannot serve from there
        raise RuntimeError(f"sandbox.web: {folder} is not a folder on disk; install unzipped")
    return folder


def add_web_chat_routes(app: web.Application) -> None:
    """The page at / and its files at /static/."""
    folder = static_dir()

    async def index(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(folder / "index.html")

    app.router.add_get("/", index)
    app.router.add_static("/static/", folder)
