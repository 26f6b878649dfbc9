"""``python -m scoreopt``: the command line (``scoreopt.cli``), plus the C++ SDK's locations:
``--cmake-dir`` prints the folder to pass as ``scoreopt_DIR`` to CMake, ``--include-dir`` the
folder of the public headers."""

import sys


def _sdk_flag(argv):
    if len(argv) == 1 and argv[0] in ("--cmake-dir", "--include-dir"):
        # the SDK needs nothing compiled: keep this path free of the numpy / _core imports
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec("scoreopt")
        root = Path(spec.origin).resolve().parent / "sdk"
        path = root / "lib" / "cmake" / "scoreopt" if argv[0] == "--cmake-dir" else root / "include"
        if not path.is_dir():
            print(f"scoreopt: the C++ SDK is not installed ({path} is missing)", file=sys.stderr)
            return 1
        print(path)
        return 0
    return None


def _main():
    rc = _sdk_flag(sys.argv[1:])
    if rc is not None:
        return rc
    from scoreopt.cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(_main())
