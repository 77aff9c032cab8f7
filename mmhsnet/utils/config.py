"""Walking nested configs (plain dicts and lists, as ``Config`` holds them)."""


def iter_key(node, key, path):
    """``(path, dict)`` of every dict of a nested config that has ``key`` (not looking inside
    the values of ``key`` itself), e.g. ``('model.backbone', model.backbone)`` for
    ``'init_cfg'``."""
    if isinstance(node, dict):
        if key in node:
            yield path, node
        for name, value in node.items():
            if name != key:
                yield from iter_key(value, key, f'{path}.{name}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from iter_key(value, key, f'{path}[{i}]')


def leaf_datasets(dataset):
    """The datasets of a dataset config that read files, under wrappers (``dataset=``,
    ``datasets=[...]``)."""
    if not isinstance(dataset, dict):
        return
    if 'dataset' in dataset:
        yield from leaf_datasets(dataset['dataset'])
    elif 'datasets' in dataset:
        for sub in dataset['datasets']:
            yield from leaf_datasets(sub)
    else:
        yield dataset
