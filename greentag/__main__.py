"""``python -m greentag``: the same command line as ``greentag``."""

from .cli import main_entry

if __name__ == "__main__":
    main_entry()
