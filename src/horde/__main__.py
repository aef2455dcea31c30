"""``python -m horde``: the same as the ``horde`` command."""

from horde.cli.entry import main

if __name__ == "__main__":
    main()
