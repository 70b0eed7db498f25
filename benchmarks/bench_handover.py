"""Shift handover: how long preparing a busy shift's report and writing its PDF take, on both plants.

Each shipped plant (the demo flash smelter the product was built on, and the bath smelter it was
not) runs on its virtual plant. A busy 12-hour shift is put on record: ``--setpoints`` setpoint
changes and ``--notes`` maintenance notes in the audit trail, alarms forced on the plant's first
limit-alarmed tag, and one shelved alarm. Figures (one JSON object per plant):

- ``prepare_s``: the PrepareHandover command through the session (gather from core, journal, audit
  and guidance log; store the draft), as a supervisor's click costs it on the command thread;
- ``sign_s``: both signatures recorded (the password check is excluded: its cost is the KDF's);
- ``pdf_en_s``/``pdf_zh_s`` and their pages and bytes: the PDF painted off the GUI thread.

Usage: .venv/bin/python benchmarks/bench_handover.py [--setpoints 400] [--notes 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtGui import QGuiApplication  # noqa: E402

from hmi_app.audit import AuditEntry  # noqa: E402
from hmi_app.config import DEMO_CONFIG, load_config  # noqa: E402
from hmi_app.handover_pdf import write_handover_pdf  # noqa: E402
from hmi_app.operator_commands import PrepareHandover  # noqa: E402
from tests.conftest import control_room, serving, session_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PLANTS = {"demo_smelter": DEMO_CONFIG, "bath_smelter": ROOT / "plant_configs" / "bath_smelter.yaml"}


def _in_thread(job: Any) -> tuple[Any, float]:
    """Run ``job`` on a plain thread (as the screen's runner does) and time it."""
    out: list[Any] = []
    t = time.perf_counter()
    worker = threading.Thread(target=lambda: out.append(job()))
    worker.start()
    worker.join()
    return out[0], time.perf_counter() - t


def one_plant(config_path: Path, setpoints: int, notes: int, out_dir: Path) -> dict[str, Any]:
    config = load_config(config_path)
    writable = [t for t in config.tags if t.writable]
    limited = next(t for t in config.tags if t.limits is not None and t.limits.hi is not None)
    with serving(config, seed=7) as plant, control_room(plant.config, out_dir / "data", timeout=60) as rt:
        start = time.time()
        for n in range(setpoints):
            tag = writable[n % len(writable)]
            detail = {"tag": tag.name, "value": float(n)}
            rt.audit.record(
                AuditEntry(f"op{n % 7}", "write_setpoint", tag.name, detail, "trim", role="operator")
            )
        for n in range(notes):
            rt.audit.record(
                AuditEntry("zhou", "maintenance_note", limited.name, {}, f"note {n}: lens cleaned")
            )
        plant.force(limited.name, float(limited.limits.hi.value) + 50.0)
        time.sleep(3.0)  # the alarm is raised (and journaled) on the next poll
        plant.release(limited.name)
        supervisor = session_for(rt, "wang")
        supervisor.shelve([rt.alarm_definitions()[0].alarm_id], 3600.0, "instrument swap")
        t1 = time.time() + 1.0
        t = time.perf_counter()
        record = supervisor.run(PrepareHandover(t1 - 12 * 3600.0, t1, "Busy night.\n繁忙的夜班。"))
        prepare_s = time.perf_counter() - t
        t = time.perf_counter()
        rt.handovers.sign(record.id, "outgoing", "wang", "supervisor", "bench")
        record = rt.handovers.sign(record.id, "incoming", "chen", "supervisor", "bench")
        sign_s = time.perf_counter() - t
        figures: dict[str, Any] = {
            "setpoint_rows": len(record.content["setpoints"]),
            "maintenance_rows": len(record.content["maintenance"]),
            "alarms_raised": record.content["kpis"]["total"],
            "prepare_s": round(prepare_s, 3),
            "sign_s": round(sign_s, 3),
            "recorded_s": round(time.time() - start, 1),
        }
        for lang in ("en", "zh_CN"):
            pdf = out_dir / f"handover_{lang}.pdf"
            pages, seconds = _in_thread(lambda pdf=pdf, lang=lang: write_handover_pdf(record, pdf, lang))
            key = "en" if lang == "en" else "zh"
            figures |= {f"pdf_{key}_s": round(seconds, 3), f"pdf_{key}_pages": pages,
                        f"pdf_{key}_kb": round(pdf.stat().st_size / 1024, 1)}  # fmt: skip
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setpoints", type=int, default=400)
    parser.add_argument("--notes", type=int, default=100)
    args = parser.parse_args()
    app = QGuiApplication(["bench"])
    result: dict[str, Any] = {"setpoints": args.setpoints, "notes": args.notes}
    for name, path in PLANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            result[name] = one_plant(Path(path), args.setpoints, args.notes, Path(tmp))
    print(json.dumps(result))
    app.shutdown()


if __name__ == "__main__":
    main()
