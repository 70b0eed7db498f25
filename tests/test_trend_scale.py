"""Trends: values outside the configured range are visible (auto-scale per axis, switchable to fixed)."""

from __future__ import annotations

import numpy as np
from conftest import wait_for

from screens import i18n
from screens.trend_plot import SCALE_AUTO, SCALE_FIXED, TrendPlotWidget


def test_auto_scale_widens_each_axis_to_the_visible_values_and_fixed_keeps_the_range(
    qtbot, running_control_room
) -> None:
    room = running_control_room
    matte = room.tags[room.tag_index("FSF.MATTE_TEMP")]
    feed = room.tags[room.tag_index("FSF.CONC_FEED")]
    assert matte.eng_unit != feed.eng_unit  # two value axes
    plot = TrendPlotWidget()
    qtbot.addWidget(plot)
    plot.resize(900, 400)
    plot.show()
    for tag, colour in ((matte, "#1f4e79"), (feed, "#7a4a00")):
        plot.add_pen(tag, colour)
    plot.regroup()
    t = np.linspace(1000.0, 2000.0, 101)
    plot.set_time_range(1000.0, 2000.0)
    temps = np.full(101, 1250.0)
    temps[50] = 1800.0  # the excursion
    plot.set_pen_data(matte.index, t, temps)
    plot.set_pen_data(feed.index, t, np.full(101, 0.5 * (feed.range_low + feed.range_high)))
    qtbot.waitUntil(lambda: plot.y_range(0)[1] >= 1800.0)
    area = plot.mapFromScene(plot.main_vb.sceneBoundingRect()).boundingRect()
    assert area.contains(plot.scale_button.geometry())  # on the plot, off both value axes
    assert plot.y_range(0)[0] <= matte.range_low
    low, high = plot.y_range(1)  # the other axis keeps its configured range
    assert low <= feed.range_low and high >= feed.range_high and high < feed.range_high * 1.1 + 1
    plot.scale_button.click()  # fixed
    assert plot.scale == SCALE_FIXED and plot.scale_button.text() == "Scale: fixed"
    low, high = plot.y_range(0)
    assert low < matte.range_low < matte.range_high < high < 1400.0
    plot.set_scale(SCALE_AUTO)
    assert plot.scale_button.isChecked() and plot.y_range(0)[1] >= 1800.0
    plot.set_time_range(1000.0, 1400.0)  # the excursion leaves the view: back to the configured range
    qtbot.waitUntil(lambda: plot.y_range(0)[1] < 1400.0)
    i18n.set_language(i18n.CHINESE)
    try:
        qtbot.waitUntil(lambda: plot.scale_button.text() == "刻度：自动")  # LanguageChange is posted
    finally:
        i18n.set_language(i18n.ENGLISH)


def test_a_live_1800_degree_excursion_is_on_the_trend_screen(qtbot, window, virtual_plant) -> None:
    room = window.control_room
    matte = room.tag_index("FSF.MATTE_TEMP")
    window.open_trend(matte)
    plot = window.trends.plot
    virtual_plant.force("FSF.MATTE_TEMP", 1800)
    try:
        wait_for(lambda: room.snapshot().values[matte] == 1800.0, timeout=15)
        qtbot.waitUntil(lambda: plot.y_range(plot.pens[matte].group)[1] >= 1800.0, timeout=15_000)
    finally:
        virtual_plant.release("FSF.MATTE_TEMP")
