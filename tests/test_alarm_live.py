"""Alarm history (F4) and alarm performance (F5) follow the plant while visible, without Search/Refresh."""

from __future__ import annotations


def _new_matte_lines(window) -> list[dict]:
    return [ln for ln in window.alarm_history.model.lines if str(ln["tag"]) == "FSF.MATTE_TEMP"]


def test_history_and_performance_update_live_when_an_alarm_comes(qtbot, window, virtual_plant) -> None:
    window.show_screen("alarm_history")
    qtbot.waitUntil(lambda: "journal lines" in window.alarm_history.count_label.text(), timeout=15_000)
    assert _new_matte_lines(window) == []
    window.show_screen("alarm_kpi")
    qtbot.waitUntil(lambda: window.alarm_kpi.kpis is not None, timeout=15_000)
    before = window.alarm_kpi.kpis.total
    virtual_plant.force("FSF.MATTE_TEMP", 1296)
    try:
        qtbot.waitUntil(lambda: window.alarm_kpi.kpis.total > before, timeout=30_000)
        assert window.alarm_kpi.figures["peak"].text() == str(window.alarm_kpi.kpis.peak_10min)
        window.show_screen("alarm_history")
        qtbot.waitUntil(lambda: bool(_new_matte_lines(window)), timeout=30_000)
        assert {ln["event"] for ln in _new_matte_lines(window)} >= {"activate"}
        assert (
            window.alarm_history.count_label.text()
            == f"{window.alarm_history.model.rowCount()} journal lines"
        )
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
