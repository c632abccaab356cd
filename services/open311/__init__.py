"""Open311 GeoReport v2 and the case feeds, as plain functions over a session: the client
systems' keys (`keys`), categories and cases as the spec's services and requests (`mapping`),
a posted request filed through the intake (`posting`), the requests asked for (`querying`),
cases as GeoJSON and CSV (`feeds`); every failure one `Open311Error` (`errors`). The HTTP
server is bot.open311's."""

from services.open311.errors import Open311Error
from services.open311.feeds import COLUMNS, FeedScope, feed_cases, feed_rows, to_csv, to_geojson
from services.open311.keys import (
    KeyNameTaken,
    client_of,
    create_key,
    key_hash,
    list_keys,
    revoke_key,
)
from services.open311.mapping import (
    CasePlaces,
    discovery,
    places_of,
    service_definition,
    service_request,
    services,
    status_notes,
)
from services.open311.posting import Filed, PostedRequest, file_request, read_post
from services.open311.querying import (
    MAX_REQUESTS,
    RequestQuery,
    find_request,
    find_requests,
    parse_w3c,
    read_query,
)

__all__ = [
    "COLUMNS",
    "MAX_REQUESTS",
    "CasePlaces",
    "FeedScope",
    "Filed",
    "KeyNameTaken",
    "Open311Error",
    "PostedRequest",
    "RequestQuery",
    "client_of",
    "create_key",
    "discovery",
    "feed_cases",
    "feed_rows",
    "file_request",
    "find_request",
    "find_requests",
    "key_hash",
    "list_keys",
    "parse_w3c",
    "places_of",
    "read_post",
    "read_query",
    "revoke_key",
    "service_definition",
    "service_request",
    "services",
    "status_notes",
    "to_csv",
    "to_geojson",
]
