"""Composition root of the smelter HMI: config, runtime facade, virtual plant and the Qt shell."""

__version__ = "0.1.0"
