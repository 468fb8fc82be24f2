"""Reading the Dockerfile, and building its context without Docker.

The deploy tests run the Dockerfile's own steps (its ENV, RUN and CMD lines)
on this machine, so the image and what the tests prove cannot drift apart.
Only the instructions the Dockerfile uses are understood; anything else is
refused by name rather than silently skipped.
"""

import fnmatch
import json
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

KNOWN = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "CMD", "ENTRYPOINT"}


@dataclass
class Dockerfile:
    env: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    workdir: str = "/"

    @property
    def command(self) -> list[str]:
        """What the container runs: ENTRYPOINT followed by CMD."""
        return [*self.entrypoint, *self.cmd]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    result, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, even inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        name, _, arguments = full.partition(" ")
        result.append((name.upper(), arguments.strip()))
    return result


def _exec_form(arguments: str) -> list[str]:
    if arguments.startswith("["):
        return json.loads(arguments)
    return ["/bin/sh", "-c", arguments]


def parse(path: Path) -> Dockerfile:
    dockerfile = Dockerfile()
    for name, arguments in instructions(path.read_text()):
        if name not in KNOWN:
            raise ValueError(f"{path.name}: the deploy tests do not know how to run {name}")
        if name == "ENV":
            words = shlex.split(arguments)
            if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
                dockerfile.env[words[0]] = arguments.split(None, 1)[1]
            else:
                dockerfile.env.update(word.split("=", 1) for word in words)
        elif name == "RUN":
            dockerfile.runs.append(arguments)
        elif name == "CMD":
            dockerfile.cmd = _exec_form(arguments)
        elif name == "ENTRYPOINT":
            dockerfile.entrypoint = _exec_form(arguments)
        elif name == "WORKDIR":
            dockerfile.workdir = arguments
    return dockerfile


def ignored(root: Path) -> list[str]:
    path = root / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def _ignored_by(patterns: list[str], relative: Path) -> bool:
    for pattern in patterns:
        if pattern.startswith("**/"):  # at any depth
            if fnmatch.fnmatch(relative.name, pattern.removeprefix("**/")):
                return True
        elif fnmatch.fnmatch(str(relative), pattern):
            return True
    return False


def copy_context(root: Path, destination: Path) -> Path:
    """Copy the build context (``COPY . .``) to destination, leaving out what .dockerignore names."""
    patterns = ignored(root)

    def skip(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(root)
        return {name for name in names if _ignored_by(patterns, relative / name)}

    shutil.copytree(root, destination, ignore=skip, symlinks=True)
    return destination
