"""``hmi-app handover list|export`` beside a live control room, and the PDF's text in both languages.

The handover is prepared and signed on a real runtime (virtual plant); the command line opens the
live ``handover.db`` read-only; ``pdftotext`` (poppler-utils, installed by scripts/setup.sh) reads
the PDF back, so the test sees what a reader of the file sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hmi_app.cli import main
from hmi_app.handover import Handover
from hmi_app.handover_pdf import write_handover_pdf
from hmi_app.operator_commands import PrepareHandover
from tests.conftest import session_for

NOTES = "Feeder 2 vibrates: check bearing.\n2号给料机振动，请检查轴承。"


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def prepared(running_control_room: Any) -> Handover:
    rt = running_control_room
    session_for(rt, "op-anna", "operator").write_tag("FSF.OXYGEN_SP", 20500.0, "trim").result(timeout=15)
    t1 = time.time() + 1
    return session_for(rt, "wang").run(PrepareHandover(t1 - 3600, t1, NOTES))


def test_list_shows_the_handovers_of_a_live_station(
    running_control_room: Any, prepared: Handover, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["handover", "list", "--data-dir", str(running_control_room.data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{prepared.id}\t" in out and "draft" in out and "prepared by wang" in out


def test_export_writes_an_english_pdf_with_the_report(
    qapp: Any,
    running_control_room: Any,
    prepared: Handover,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "handover.pdf"
    code = main(["handover", "export", str(prepared.id), "--out", str(out), "--data-dir",
                 str(running_control_room.data_dir)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    text = pdf_text(out)
    assert f"Shift handover {prepared.id}" in text and "Status: draft (not signed)" in text
    assert "Feeder 2 vibrates: check bearing." in text
    assert "Setpoint changes" in text and "FSF.OXYGEN_SP" in text and "op-anna" in text
    assert "Alarm summary and KPIs" in text and "Incoming supervisor: (not signed)" in text


def test_a_chinese_pdf_embeds_a_cjk_font_and_reads_back(
    running_control_room: Any, prepared: Handover, tmp_path: Path
) -> None:
    # A separate process, as a user runs it: no display, the command makes its own offscreen Qt.
    out = tmp_path / "交接班.pdf"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [sys.executable, "-m", "hmi_app", "handover", "export", str(prepared.id), "--out", str(out),
         "--language", "zh_CN", "--data-dir", str(running_control_room.data_dir)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    assert f"交接班记录 {prepared.id}" in text and "设定值修改" in text
    assert "2号给料机振动，请检查轴承。" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line.split() for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line]
    assert cjk and cjk[0][-5] == "yes", fonts  # the "emb" column: the glyphs travel with the file


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["handover", "export", "999", "--out", "{tmp}/x.pdf"], "there is no handover 999"),
        (["handover", "export", "{id}", "--out", "{tmp}/missing/x.pdf"], "does not exist"),
    ],
)
def test_export_errors_are_one_line_and_exit_2(
    qapp: Any,
    running_control_room: Any,
    prepared: Handover,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    words: str,
) -> None:
    args = [a.format(tmp=tmp_path, id=prepared.id) for a in argv]
    assert main([*args, "--data-dir", str(running_control_room.data_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err


def test_list_without_handovers_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handover", "list", "--data-dir", str(tmp_path)]) == 2
    assert "no shift handovers here" in capsys.readouterr().err


def test_long_notes_flow_onto_more_pages_without_loss(qapp: Any, tmp_path: Path) -> None:
    lines = [f"line {n:03d} of the night shift's notes" for n in range(300)]
    rows = [{"ts": 0.0, "user": "op", "tag": f"T{n}", "value": float(n), "reason": "r", "outcome": "ok"}
            for n in range(120)]  # fmt: skip
    record = Handover(
        7, 0.0, 3600.0, "wang", 0.0, "\n".join(lines), {"setpoints": rows, "truncated": ["setpoints"]}
    )
    pages = write_handover_pdf(record, tmp_path / "long.pdf")
    text = pdf_text(tmp_path / "long.pdf")
    assert pages >= 5 and f"Page {pages} of {pages}" in text and "Page 2\n" in text
    assert "More than 120 rows in the shift: the newest 120 are listed." in text
    assert all(line in text for line in lines) and all(f"T{n} " in text for n in range(120))
