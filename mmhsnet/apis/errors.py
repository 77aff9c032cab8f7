"""How the tools report bad input: the library raises :class:`InputError`; a tool's entry point
(:func:`cli_main`) prints it as one ``error:`` line and exits with status 2, as argparse does."""
import functools
import sys


class InputError(ValueError):
    """Bad input to a tool (a config, a path, a model, an option). The message names the input,
    the allowed values and the fix."""


def cli_main(main):
    """Decorate a tool's ``main``: an :class:`InputError` ends it with ``error: MESSAGE`` on
    stderr and exit status 2 instead of a traceback."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except InputError as e:
            print(f'error: {e}', file=sys.stderr, flush=True)
            sys.exit(2)

    return wrapper
