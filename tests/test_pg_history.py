"""Plant-wide history in a real PostgreSQL: binary COPY, store-and-forward across an outage.

PostgreSQL runs as its own process on loopback (``tests/engines.py``), started and stopped by PID.
The local store is the real historian on a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest

from historian import Historian
from hmi_app.plantwide.history_forward import HistoryForwarder
from hmi_app.plantwide.pg_history import PgHistory
from tests.engines import PostgresServer

T0 = 1_790_000_000.0
TAGS = ["FUR.T.PV", "FUR.P.PV", "TK.I.PV"]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def _historian(path: Path) -> Historian:
    hist = Historian(path / "history.db", TAGS, flush_interval=0.05)
    hist.start()
    return hist


def _feed(hist: Historian, t_from: float, seconds: int, rng: np.random.Generator) -> None:
    for k in range(seconds):
        t = t_from + k
        values = rng.normal(1200.0, 5.0, len(TAGS))
        hist.append(np.arange(len(TAGS)), np.full(len(TAGS), t), values, np.full(len(TAGS), 2))
    hist.flush()


def _local(hist: Historian, tag: int) -> tuple[np.ndarray, np.ndarray]:
    data = hist.query(tag, -np.inf, np.inf)
    return data.timestamps, data.values


def test_copy_rows_round_trip_exactly(postgres: PostgresServer) -> None:
    sink = PgHistory(postgres.dsn(), "roundtrip")
    sink.ensure_schema()
    ids = sink.tag_ids(["A", "B"])
    ts = np.array([T0 + 0.001, T0 + 1.5, T0 + 0.25])
    values = np.array([1.0 / 3.0, np.nan, -2.5e300])
    sink.write(ids[[0, 1, 0]], ts, values, np.array([2, 0, 1], np.uint8))
    a = sink.query("A", T0 - 1, T0 + 10)
    assert a.timestamps.tolist() == pytest.approx([T0 + 0.001, T0 + 0.25], abs=1e-6)
    assert a.values.tolist() == [1.0 / 3.0, -2.5e300]
    assert a.qualities.tolist() == [2, 1]
    b = sink.query("B", T0 - 1, T0 + 10)
    assert np.isnan(b.values[0]) and b.qualities.tolist() == [0]
    watermarks = sink.watermarks(["A", "B", "never"])
    assert watermarks[:2].tolist() == pytest.approx([T0 + 0.25, T0 + 1.5])
    assert watermarks[2] == -np.inf
    sink.close()


def test_every_sample_arrives_after_postgres_was_down(postgres: PostgresServer, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    hist = _historian(tmp_path)
    sink = PgHistory(postgres.dsn(), "area-1", connect_timeout_s=1)
    forwarder = HistoryForwarder(hist, TAGS, sink, batch_samples=50)
    try:
        _feed(hist, T0, 30, rng)
        assert forwarder.forward_once() == 30 * len(TAGS)
        postgres.stop()
        _feed(hist, T0 + 30, 60, rng)  # 60 s of acquisition while the database is down
        with pytest.raises(psycopg.OperationalError):
            forwarder.forward_once()
        sink.close()
        assert forwarder.status().behind_s > 0
        postgres.start()
        assert forwarder.forward_once() == 60 * len(TAGS)
        assert forwarder.forward_once() == 0  # nothing twice
        assert sink.count() == 90 * len(TAGS)
        for tag, name in enumerate(TAGS):
            t_local, v_local = _local(hist, tag)
            remote = sink.query(name, -1e12, 1e12)
            assert remote.timestamps == pytest.approx(t_local, abs=1e-6)
            assert np.array_equal(remote.values, v_local)
    finally:
        sink.close()
        hist.stop()


def test_a_new_forwarder_resumes_from_the_watermarks(postgres: PostgresServer, tmp_path: Path) -> None:
    """A server restarted (or killed mid-batch) sends only what PostgreSQL has not committed."""
    rng = np.random.default_rng(11)
    hist = _historian(tmp_path)
    try:
        _feed(hist, T0, 20, rng)
        first = HistoryForwarder(hist, TAGS, PgHistory(postgres.dsn(), "area-2"))
        assert first.forward_once() == 20 * len(TAGS)
        first.stop()
        _feed(hist, T0 + 20, 5, rng)
        second = HistoryForwarder(hist, TAGS, PgHistory(postgres.dsn(), "area-2"))
        assert second.forward_once() == 5 * len(TAGS)
        second.stop()
        check = PgHistory(postgres.dsn(), "area-2")
        assert check.count() == 25 * len(TAGS)
        check.close()
    finally:
        hist.stop()


def test_the_forwarder_thread_keeps_up_and_reports_an_outage(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    hist = _historian(tmp_path)
    forwarder = HistoryForwarder(
        hist, TAGS, PgHistory(postgres.dsn(), "area-3", connect_timeout_s=1), interval_s=0.05, retry_s=0.1
    )
    try:
        forwarder.start()
        _feed(hist, T0, 10, rng)
        _wait(lambda: forwarder.status().forwarded == 10 * len(TAGS))
        assert forwarder.status().connected
        postgres.stop()
        _feed(hist, T0 + 10, 10, rng)
        _wait(lambda: not forwarder.status().connected)
        assert forwarder.status().last_error
        postgres.start()
        _wait(lambda: forwarder.status().forwarded == 20 * len(TAGS))
        assert forwarder.status().connected and forwarder.status().behind_s == 0.0
    finally:
        forwarder.stop()
        hist.stop()


def _wait(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    import threading

    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        done.wait(0.02)
    raise AssertionError("condition not met in time")
