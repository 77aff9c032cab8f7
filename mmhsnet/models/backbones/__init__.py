from .hsresnet import HSResNet
from .resnet_d import ResNetD

__all__ = ['HSResNet', 'ResNetD']
