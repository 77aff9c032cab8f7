"""What the deployment and analysis tools share: switching a model to its fused inference
form, ONNX export checked with onnxruntime, and torch.compile."""
import numpy as np
import torch


def _deploy_roots(module):
    """The outermost submodules of ``module`` (itself included) with ``switch_to_deploy``."""
    if hasattr(module, 'switch_to_deploy'):
        return [module]
    return [root for child in module.children() for root in _deploy_roots(child)]


def has_deploy_path(model):
    """Whether ``model`` or a submodule has a fused inference form (``switch_to_deploy``)."""
    return bool(_deploy_roots(model))


def switch_to_deploy(model, **kwargs):
    """Switch ``model`` to its fused inference form, as mmpretrain's
    ``reparameterize_model.py`` does: every outermost submodule with ``switch_to_deploy``
    (e.g. an HS-ResNet backbone inside a detector) is switched with ``kwargs``, after the
    weights are loaded. Inference only: the fused modules cannot train. Every module is
    checked (its ``check_deploy(**kwargs)``, where it has one) before any is switched, so a
    refusal leaves the model as it was. Returns the model.

    Raises:
        ValueError: No submodule has a fused form, or one refuses ``kwargs``.
    """
    modules = _deploy_roots(model)
    if not modules:
        raise ValueError(f'{type(model).__name__} has no fused inference path (no submodule '
                         'has switch_to_deploy); in mmhsnet, HS-ResNet has one')
    for module in modules:
        if hasattr(module, 'check_deploy'):
            module.check_deploy(**kwargs)
    for module in modules:
        module.switch_to_deploy(**kwargs)
    return model


def _flatten(outputs):
    if isinstance(outputs, (torch.Tensor, np.ndarray)):
        return [outputs]
    return [t for out in outputs for t in _flatten(out)]


def compare_outputs(outputs, expected):
    """Largest absolute difference over all outputs, relative to the largest magnitude of
    the expected output it belongs to."""
    outputs, expected = _flatten(outputs), _flatten(expected)
    if len(outputs) != len(expected):
        raise ValueError(f'{len(outputs)} outputs, expected {len(expected)}')
    worst = 0.0
    for out, ref in zip(outputs, expected):
        out = torch.as_tensor(out, dtype=ref.dtype)
        if out.shape != ref.shape:
            raise ValueError(f'output shape {tuple(out.shape)}, expected {tuple(ref.shape)}')
        scale = max(ref.abs().max().item(), 1e-12)
        worst = max(worst, (out - ref).abs().max().item() / scale)
    return worst


def export_onnx(model, x, path, opset=17):
    """Export ``model`` (TorchScript-based exporter) with a dynamic batch size and input size.

    Returns:
        list[str]: The output names (``out0``, ``out1``, ...).
    """
    model.eval()
    with torch.no_grad():
        num_outputs = len(_flatten(model(x)))
    names = [f'out{i}' for i in range(num_outputs)]
    dynamic = {'input': {0: 'batch', 2: 'height', 3: 'width'}}
    dynamic.update({name: {0: 'batch', 2: f'{name}_height', 3: f'{name}_width'}
                    for name in names})
    torch.onnx.export(model, (x, ), path, dynamo=False, opset_version=opset,
                      input_names=['input'], output_names=names, dynamic_axes=dynamic)
    return names


def run_onnx(path, x):
    """Run an exported model with onnxruntime on the CPU; returns its outputs (numpy)."""
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    return session.run(None, {'input': x.numpy()})


def run_compiled(model, x, backend='inductor'):
    """``torch.compile`` the model as one graph (``fullgraph=True`` fails on any graph break)
    and run it on ``x``; returns the outputs."""
    compiled = torch.compile(model, backend=backend, fullgraph=True)
    with torch.no_grad():
        return compiled(x)
