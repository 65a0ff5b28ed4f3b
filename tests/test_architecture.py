"""The house: every project app is in the layers contract, the contract holds, and no two files import each other."""

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _cycle_checker():
    spec = importlib.util.spec_from_file_location("import_cycles", ROOT / ".ci" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_project_app_is_a_layer_in_installed_order():
    layers = CONTRACT["contracts"][0]["layers"]
    project_apps = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]
    # INSTALLED_APPS lists the apps bottom layer first; the contract lists them top first.
    assert [layer for layer in reversed(layers) if layer in project_apps] == project_apps
    assert set(CONTRACT["root_packages"]) == set(layers)
    assert layers[0] == "config" and layers[-1] == "common"


def test_the_layers_contract_holds():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_no_import_cycles_between_files():
    import grimp

    checker = _cycle_checker()
    graph = grimp.build_graph(*CONTRACT["root_packages"])
    assert checker.cycles(graph, set(graph.modules)) == []


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    # given: a package whose task module and service import each other, as institutions' once did
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from cyclic import tasks\n")
    (package / "tasks.py").write_text("def run():\n    from cyclic.services import start\n")
    (package / "models.py").write_text("from cyclic import services\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import grimp

    # when
    graph = grimp.build_graph("cyclic", cache_dir=None)
    found = _cycle_checker().cycles(graph, set(graph.modules))

    # then: the function-level import counts; models only points into the circle
    assert found == [["cyclic.services", "cyclic.tasks"]]
