"""Touch mode for control-room panels: one profile, an on-screen keypad, reason pick lists, gestures.

:func:`~screens.touch.profile.install_touch` turns a main window into a touch station; widgets ask
:func:`~screens.touch.profile.touch_enabled` whether the window they sit in is one.
"""
