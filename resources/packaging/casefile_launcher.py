"""Entry script of the frozen app (PyInstaller runs this as ``__main__``).

``desktop.cli`` uses relative imports, so it cannot be the script itself; this file only
hands over to it. The same script serves the windowed app and, on Windows, the console
``casefile-cli.exe`` (see build.spec).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    # Long jobs (import, export) run in child processes started from this executable.
    multiprocessing.freeze_support()
    from desktop.cli import main

    sys.exit(main())
