"""Building blocks shared by the models of every family: a same-padded ``ConvModule``, the
3×3 conv config under mmdet's DCN semantics, and activation checkpointing (``with_cp``) that
leaves the norm statistics as they would be without it."""
import contextlib
import functools

import torch
import torch.utils.checkpoint as cp
from mmcv.cnn import ConvModule
from torch.nn.modules.batchnorm import _BatchNorm


def conv_module(in_channels,
                out_channels,
                kernel_size=1,
                stride=1,
                groups=1,
                act='ReLU',
                conv_cfg=None,
                norm_cfg=dict(type='BN')):
    """A ``ConvModule`` (conv → norm → act) with 'same' padding; ``act=None`` for none."""
    return ConvModule(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=kernel_size // 2,
        groups=groups,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        act_cfg=dict(type=act) if act else None)


def dcn_conv_cfg(dcn, conv_cfg=None):
    """The conv config of a 3×3 conv that ``dcn`` may make deformable, as mmdet's ResNet does.

    Args:
        dcn (dict | None): A DCN config, e.g. ``dict(type='DCNv2', deform_groups=1)``, with
            mmdet's optional ``fallback_on_stride``: when true, the plain conv is kept.
        conv_cfg (dict | None): The conv config without DCN.

    Returns:
        dict | None: ``dcn`` without ``fallback_on_stride`` (mmcv's DCN layers are then
        registered), or ``conv_cfg``.
    """
    if dcn is None:
        return conv_cfg
    dcn = dict(dcn)
    if dcn.pop('fallback_on_stride', False):
        return conv_cfg
    if conv_cfg is not None:
        raise ValueError(f'conv_cfg must be None when dcn is given, got conv_cfg={conv_cfg!r}')
    import mmcv.ops  # noqa: F401  (registers the DCN conv layers)
    return dcn


@contextlib.contextmanager
def _restore_norm_stats(module):
    """Undo the running-statistics update of the norm layers of ``module`` on exit."""
    norms = [m for m in module.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    saved = [[b.clone() for b in (m.running_mean, m.running_var, m.num_batches_tracked)]
             for m in norms]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (mean, var, count) in zip(norms, saved):
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)


def _checkpoint_contexts(module):
    # (context of the first forward, context of the recomputation in backward)
    return contextlib.nullcontext(), _restore_norm_stats(module)


def checkpoint_forward(module, forward, *tensors):
    """``forward(*tensors)``; checkpointed when ``module.with_cp`` and training with autograd.

    With checkpointing, ``forward`` runs again in the backward pass. That recomputation does
    not update the norm layers' running statistics a second time (they are restored after
    it), so with ``with_cp=True`` outputs, gradients and norm buffers after a training step
    equal those of ``with_cp=False``. Non-reentrant checkpointing takes the tensors as
    separate arguments (a list of branches works) and gives parameter gradients even when no
    input requires grad (e.g. the stem's image).
    """
    if module.with_cp and module.training and torch.is_grad_enabled():
        return cp.checkpoint(
            forward,
            *tensors,
            use_reentrant=False,
            context_fn=functools.partial(_checkpoint_contexts, module))
    return forward(*tensors)
