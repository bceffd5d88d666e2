"""The layers contract of pyproject.toml ([tool.importlinter]), run by `make lint`:
it holds for the code as it is, and it catches a backward import, shown by
running it again without one of the imports it still tolerates."""

import subprocess
import tomllib

from tests.conftest import ROOT

LINT_IMPORTS = str(ROOT / ".venv" / "bin" / "lint-imports")
# A backward import the code still has (the worker schedules the catalogue's jobs).
TOLERATED = "jianbao.distribution.management.commands.worker -> jianbao.catalogue.services"


def contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = config["tool"]["importlinter"]["contracts"]
    return layers


def run(tmp_path, layers: dict) -> subprocess.CompletedProcess:
    """lint-imports on this contract, written out in its INI form."""
    indent = "\n    "
    ini = (
        "[importlinter]\nroot_package = jianbao\n\n[importlinter:contract:layers]\n"
        f"name = {layers['name']}\ntype = layers\n"
        f"layers ={indent}{indent.join(layers['layers'])}\n"
        f"ignore_imports ={indent}{indent.join(layers['ignore_imports'])}\n"
    )
    config = tmp_path / "layers.ini"
    config.write_text(ini, encoding="utf-8")
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_layers(tmp_path):
    done = run(tmp_path, contract())
    assert done.returncode == 0, done.stdout
    assert "1 kept, 0 broken" in done.stdout


def test_a_backward_import_breaks_the_contract(tmp_path):
    layers = contract()
    assert TOLERATED in layers["ignore_imports"]
    layers["ignore_imports"] = [i for i in layers["ignore_imports"] if i != TOLERATED]
    done = run(tmp_path, layers)
    assert done.returncode == 1, done.stdout
    assert "jianbao.distribution is not allowed to import jianbao.catalogue" in done.stdout
    assert "jianbao.distribution.management.commands.worker" in done.stdout
