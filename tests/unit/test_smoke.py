"""The package imports cheaply and reports its version."""

import subprocess
import sys

import genetlink
from genetlink.cli.main import main


def test_version_command(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert genetlink.__version__ in capsys.readouterr().out


def test_import_is_light():
    heavy = "('yaml', 'asyncio', 'genetlink.cli')"
    code = f"import sys, genetlink; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_export_resolves():
    for name in genetlink.__all__:
        assert getattr(genetlink, name) is not None, name


def test_unknown_attribute_raises():
    import pytest

    with pytest.raises(AttributeError):
        genetlink.no_such_thing  # noqa: B018
