"""PySide6 6.12.0 on Python 3.11 aborts after a few thousand signal emits / timer slots (see
shared/PITFALLS.md). This soak runs in a child process so that such an abort fails one test with a
clear message instead of killing the whole run."""

from __future__ import annotations

import subprocess
import sys

SOAK = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

class Emitter(QObject):
    fired = Signal(object)

app = QCoreApplication([])
emitter = Emitter()
received = []
emitter.fired.connect(lambda v: received.append(v))
for i in range(20000):
    emitter.fired.emit(None if i % 2 else True)
ticks = [0]
def tick():
    ticks[0] += 1
    if ticks[0] >= 50000:
        app.quit()
timer = QTimer()
timer.setInterval(0)
timer.timeout.connect(tick)
timer.start()
app.exec()
print(len(received), ticks[0])
"""


def test_signals_and_timer_slots_do_not_abort_the_interpreter() -> None:
    proc = subprocess.run([sys.executable, "-c", SOAK], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"Qt soak died with {proc.returncode}: {proc.stderr[-800:]}"
    assert proc.stdout.split() == ["20000", "50000"]
