"""Reusable control-room widgets: analog bars, value tiles and the live snapshot binder."""
