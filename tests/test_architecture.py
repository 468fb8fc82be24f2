"""The import contracts (pyproject.toml, checked by `make lint`) cover every app and every health module."""

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

CONFIG = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["tool"]["importlinter"]


def floors() -> list[set[str]]:
    contract = next(c for c in CONFIG["contracts"] if c["id"] == "floors")
    return [{name.strip() for name in layer.replace("|", ":").split(":")} for layer in contract["layers"]]


def test_every_local_app_is_a_root_package_of_the_contracts():
    base = Path(settings.BASE_DIR)
    configs = apps.get_app_configs()
    local = {
        config.name.split(".")[0]
        for config in configs
        if Path(config.path).is_relative_to(base) and "site-packages" not in config.path
    }
    assert local <= set(CONFIG["root_packages"]), sorted(local - set(CONFIG["root_packages"]))


def test_every_health_module_sits_on_a_floor():
    # health holds the machinery (floor 1a) and the sweep over everything (floor 4) in one
    # package, so its modules are listed one by one: a new one must be given its floor.
    health = Path(settings.BASE_DIR) / "health"
    modules = {
        f"health.{path.stem}"
        for path in health.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    } - {"health.migrations"}
    listed = set().union(*floors())
    assert modules <= listed, f"give these a floor in pyproject.toml: {sorted(modules - listed)}"


def test_the_machinery_is_the_lowest_floor_and_the_wiring_the_highest():
    layers = floors()
    assert {"health.models", "health.jobs", "health.locks", "health.registry"} <= layers[-1]
    assert "bizops.core" in layers[-2]
    assert {"bizops.settings", "bizops.urls", "bizops.celery"} <= layers[0]
