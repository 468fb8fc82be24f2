"""The image, built without Docker: the Dockerfile's context copied to a
temporary folder and its RUN steps run there, with its ENV."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.dockerfile import Dockerfile, copy_context, parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dockerfile() -> Dockerfile:
    return parse(ROOT / "Dockerfile")


def image_env(dockerfile: Dockerfile, **extra: str) -> dict[str, str]:
    """A container's environment: the Dockerfile's ENV and nothing of the developer's
    (no DATABASE_URL, no DJANGO_SETTINGS_MODULE), with this venv's programs first on PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    return {"PATH": path, "HOME": str(Path.home()), "LANG": "C.UTF-8", **dockerfile.env, **extra}


def is_system_step(step: str) -> bool:
    """Debian packages and users: the base image's business, not runnable here."""
    return shlex.split(step)[:1] == ["apt-get"]


def is_pip_step(step: str) -> bool:
    return shlex.split(step)[:2] == ["pip", "install"]


@pytest.fixture(scope="session")
def image(dockerfile, tmp_path_factory) -> Path:
    """The image's WORKDIR after its build: `COPY . .`, then every RUN step that is
    neither a system nor a pip step (those are checked by their own tests)."""
    app = copy_context(ROOT, tmp_path_factory.mktemp("image") / "app")
    for step in dockerfile.runs:
        if is_system_step(step) or is_pip_step(step):
            continue
        done = subprocess.run(
            ["/bin/sh", "-c", step],
            cwd=app,
            env=image_env(dockerfile),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.fail(f"the Dockerfile's step failed: RUN {step}\n{done.stdout}{done.stderr[-3000:]}")
    return app
