from .hsresnet import HSResNet
from .resnest import ResNeSt
from .resnet_d import ResNetD

__all__ = ['HSResNet', 'ResNeSt', 'ResNetD']
