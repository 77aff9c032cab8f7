"""Training-loop additions for mmengine's Runner (hooks)."""
from .hooks import PublishedResultHook, RandomStateHook, check_published, format_published

__all__ = ['PublishedResultHook', 'RandomStateHook', 'check_published', 'format_published']
