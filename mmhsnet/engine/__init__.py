"""Training-loop additions for mmengine's Runner (hooks)."""
from .hooks import RandomStateHook

__all__ = ['RandomStateHook']
