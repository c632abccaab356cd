"""Open311 GeoReport v2 and the case feeds over HTTP (aiohttp): the routes (`app`), the two
formats (`formats`) and the server `gridpatrol run` starts when open311.port is set (`server`).
What the answers hold is services.open311's."""

from bot.open311.app import Open311App, day_or_time
from bot.open311.formats import answer, to_xml
from bot.open311.server import Open311Server

__all__ = ["Open311App", "Open311Server", "answer", "day_or_time", "to_xml"]
