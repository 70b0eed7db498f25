"""Commissioning the tag map: the diff between two configurations, stored revisions, CSV and YAML
import/export, the starter config. Qt-free; the core applies a change (``Runtime.apply_config``).
"""
