from .hsresnet import HSResNet
from .litehrnet import LiteHRNet
from .resnest import ResNeSt
from .resnet_d import ResNetD

__all__ = ['HSResNet', 'LiteHRNet', 'ResNeSt', 'ResNetD']
