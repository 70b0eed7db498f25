"""Plant-wide history in PostgreSQL: the schema, binary COPY of sample batches, queries.

Every acquisition server writes its samples here under its own name, so one database holds the
history of the whole plant and stations query it without asking each server. Plain PostgreSQL is
enough: the blocks below are already columnar, which is what TimescaleDB's compression would add.

Samples are stored in blocks, one row per tag per forwarded batch holding that tag's times, values
and qualities as arrays (PostgreSQL's own ``double precision[]``), sent by ``COPY … FROM STDIN
(FORMAT BINARY)`` with the arrays built by numpy: the cost is per block, not per sample. The view
``hmi_samples`` unnests them into one row per sample (server, name, ts, value, quality) for SQL users
and reporting tools. The forwarding watermark of each tag is updated in the same transaction as the
rows it covers, so a batch is either all in with its watermark or not in at all: a forwarder that
dies mid-way sends the batch again and nothing is stored twice.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import psycopg

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
COPY_TRAILER = b"\xff\xff"
FLOAT8_OID, INT2_OID = 701, 21
_F8 = np.dtype([("len", ">i4"), ("v", ">f8")])
_I2 = np.dtype([("len", ">i4"), ("v", ">i2")])

SCHEMA = """
CREATE TABLE IF NOT EXISTS hmi_tags (
    id serial PRIMARY KEY,
    server text NOT NULL,
    name text NOT NULL,
    UNIQUE (server, name)
);
CREATE TABLE IF NOT EXISTS hmi_sample_blocks (
    tag_id integer NOT NULL,
    t_first double precision NOT NULL,
    t_last double precision NOT NULL,
    ts double precision[] NOT NULL,
    vals double precision[] NOT NULL,
    quals smallint[] NOT NULL
);
ALTER TABLE hmi_sample_blocks ALTER COLUMN ts SET STORAGE EXTERNAL,
    ALTER COLUMN vals SET STORAGE EXTERNAL, ALTER COLUMN quals SET STORAGE EXTERNAL;
CREATE INDEX IF NOT EXISTS hmi_sample_blocks_tag_last ON hmi_sample_blocks (tag_id, t_last);
CREATE OR REPLACE VIEW hmi_samples AS
    SELECT t.server, t.name, to_timestamp(u.t) AS ts, u.v AS value, u.q AS quality
    FROM hmi_sample_blocks b
    JOIN hmi_tags t ON t.id = b.tag_id
    CROSS JOIN LATERAL unnest(b.ts, b.vals, b.quals) AS u(t, v, q);
CREATE TABLE IF NOT EXISTS hmi_forwarded (
    tag_id integer PRIMARY KEY REFERENCES hmi_tags (id),
    last_ts double precision NOT NULL
);
"""


def _array(values: npt.NDArray[np.generic], oid: int, element: np.dtype) -> bytes:
    """PostgreSQL's binary array format: one dimension, no NULLs, each element length-prefixed."""
    items = np.empty(values.size, element)
    items["len"] = element["v"].itemsize
    items["v"] = values
    return struct.pack(">iiiii", 1, 0, oid, values.size, 1) + items.tobytes()


def _field(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def copy_blocks(
    tag_ids: npt.NDArray[np.int64],
    timestamps: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    qualities: npt.NDArray[np.uint8],
) -> bytes:
    """The binary COPY stream of one batch: one block row per tag, samples in time order."""
    order = np.lexsort((timestamps, tag_ids))
    ids, ts, vs, qs = tag_ids[order], timestamps[order], values[order], qualities[order].astype(np.int16)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], ids.size]
    parts = [COPY_HEADER]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        parts.append(
            struct.pack(">hiiidid", 6, 4, int(ids[a]), 8, float(ts[a]), 8, float(ts[b - 1]))
            + _field(_array(ts[a:b], FLOAT8_OID, _F8))
            + _field(_array(vs[a:b], FLOAT8_OID, _F8))
            + _field(_array(qs[a:b], INT2_OID, _I2))
        )
    parts.append(COPY_TRAILER)
    return b"".join(parts)


@dataclass(frozen=True)
class PgSamples:
    """Samples of one tag read back from PostgreSQL (UNIX seconds, values, qualities)."""

    timestamps: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    qualities: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.timestamps.size)


class PgHistory:
    """One connection to the plant-wide history database, for one acquisition server's name."""

    def __init__(self, dsn: str, server: str, *, connect_timeout_s: float = 5.0) -> None:
        self._dsn = dsn
        self._server = server
        self._timeout = connect_timeout_s
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._ids: dict[str, int] = {}

    @property
    def server(self) -> str:
        return self._server

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._dsn, connect_timeout=max(1, round(self._timeout)))
            self._ids = {}
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def ensure_schema(self) -> None:
        """Create the tables and the view if missing."""
        conn = self._connection()
        with conn.transaction():
            conn.execute(SCHEMA)

    def tag_ids(self, names: Sequence[str]) -> npt.NDArray[np.int64]:
        """The database id of each of this server's tags, registering new names."""
        conn = self._connection()
        missing = [n for n in names if n not in self._ids]
        if missing:
            with conn.transaction():
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO hmi_tags (server, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        [(self._server, n) for n in missing],
                    )
                rows = conn.execute(
                    "SELECT name, id FROM hmi_tags WHERE server = %s AND name = ANY(%s)",
                    (self._server, missing),
                ).fetchall()
            self._ids.update({str(name): int(i) for name, i in rows})  # type: ignore[call-overload]
        return np.array([self._ids[n] for n in names], np.int64)

    def watermarks(self, names: Sequence[str]) -> npt.NDArray[np.float64]:
        """Time of the newest forwarded sample of each tag (``-inf`` for a tag never forwarded)."""
        ids = self.tag_ids(names)
        rows = (
            self._connection()
            .execute("SELECT tag_id, last_ts FROM hmi_forwarded WHERE tag_id = ANY(%s)", (ids.tolist(),))
            .fetchall()
        )
        last = {int(t): float(ts) for t, ts in rows}  # type: ignore[call-overload]
        self._connection().commit()
        return np.array([last.get(int(i), -np.inf) for i in ids], np.float64)

    def write(
        self,
        tag_ids: npt.NDArray[np.int64],
        timestamps: npt.NDArray[np.float64],
        values: npt.NDArray[np.float64],
        qualities: npt.NDArray[np.uint8],
    ) -> None:
        """Store one batch and advance the watermarks of its tags, in one transaction."""
        if not timestamps.size:
            return
        conn = self._connection()
        order = np.lexsort((timestamps, tag_ids))
        ids, ts = tag_ids[order], timestamps[order]
        last = np.flatnonzero(np.r_[ids[1:] != ids[:-1], True])
        with conn.transaction():
            with conn.cursor() as cur:
                columns = "tag_id, t_first, t_last, ts, vals, quals"
                with cur.copy(f"COPY hmi_sample_blocks ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(copy_blocks(tag_ids, timestamps, values, qualities))
                cur.executemany(
                    "INSERT INTO hmi_forwarded (tag_id, last_ts) VALUES (%s, %s) "
                    "ON CONFLICT (tag_id) DO UPDATE "
                    "SET last_ts = GREATEST(hmi_forwarded.last_ts, EXCLUDED.last_ts)",
                    list(zip(ids[last].tolist(), ts[last].tolist(), strict=True)),
                )

    def query(self, name: str, t0: float, t1: float) -> PgSamples:
        """Samples of this server's tag ``name`` with ``t0 <= t <= t1``, ascending."""
        (tag,) = self.tag_ids([name]).tolist()
        rows = (
            self._connection()
            .execute(
                "SELECT ts, vals, quals FROM hmi_sample_blocks "
                "WHERE tag_id = %s AND t_last >= %s AND t_first <= %s ORDER BY t_first",
                (tag, t0, t1),
            )
            .fetchall()
        )
        self._connection().commit()
        if not rows:
            return PgSamples(np.empty(0), np.empty(0), np.empty(0, np.uint8))
        ts = np.concatenate([np.asarray(r[0], np.float64) for r in rows])
        vals = np.concatenate([np.asarray(r[1], np.float64) for r in rows])
        quals = np.concatenate([np.asarray(r[2], np.int64) for r in rows]).astype(np.uint8)
        keep = (ts >= t0) & (ts <= t1)
        return PgSamples(ts[keep], vals[keep], quals[keep])

    def count(self) -> int:
        """Samples this server has stored (for tests and diagnostics)."""
        row = (
            self._connection()
            .execute(
                "SELECT coalesce(sum(cardinality(b.ts)), 0) FROM hmi_sample_blocks b "
                "JOIN hmi_tags t ON t.id = b.tag_id WHERE t.server = %s",
                (self._server,),
            )
            .fetchone()
        )
        self._connection().commit()
        return int(row[0]) if row else 0  # type: ignore[call-overload]

    def disk_bytes(self) -> int:
        """Bytes the sample blocks take in the database (table, TOAST and indexes)."""
        row = self._connection().execute("SELECT pg_total_relation_size('hmi_sample_blocks')").fetchone()
        self._connection().commit()
        return int(row[0]) if row else 0  # type: ignore[call-overload]
