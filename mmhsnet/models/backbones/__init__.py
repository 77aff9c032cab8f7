from .hsresnet import HSResNet
from .litehrnet import LiteHRNet
from .resnest import ResNeSt

__all__ = ['HSResNet', 'LiteHRNet', 'ResNeSt']
