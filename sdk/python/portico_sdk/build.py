"""Builds a Python plugin project into a packed Portico component.

    python -m portico_sdk.build [PROJECT] [--module app] [--out FILE] [--wit DIR]

1. reads PROJECT/plugin.toml (the manifest: id, worlds, capabilities);
2. runs componentize-py for the manifest's worlds against the WIT contract, with the project
   and this SDK on the Python path;
3. embeds the manifest as the component's `portico:manifest` section with
   `portico plugin pack` (validating it), or, when no `portico` binary is found, by appending
   the section itself (the host validates the manifest at install).

`python -m portico_sdk.build --bindings DIR` writes the generated bindings (`wit_world`) for
editors and type checkers.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

SDK_ROOT = Path(__file__).resolve().parent.parent
WIT_VERSION = "v0.1.0"


class BuildError(Exception):
    pass


def find_wit(project: Path, explicit: str | None) -> Path:
    """The WIT contract: --wit, else PROJECT/wit, else the nearest `wit/v0.1.0` above."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise BuildError(f"--wit {explicit}: no such directory")
        return path
    for base in [project, *project.resolve().parents, SDK_ROOT, *SDK_ROOT.parents]:
        for candidate in (base / "wit" / WIT_VERSION, base / "wit"):
            if (candidate / "worlds.wit").is_file():
                return candidate
    raise BuildError(
        f"cannot find the WIT contract (wit/{WIT_VERSION}/worlds.wit) in {project} or above; "
        "pass --wit DIR or run `portico plugin new` to get a project with its wit/ folder"
    )


def read_manifest(project: Path) -> tuple[str, dict]:
    path = project / "plugin.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise BuildError(f"cannot read the manifest {path}: {err}") from None
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BuildError(f"{path} is not valid TOML: {err}") from None
    for key in ("id", "worlds"):
        if key not in manifest:
            raise BuildError(f"{path}: `{key}` is missing; it is required")
    if not isinstance(manifest["worlds"], list) or not manifest["worlds"]:
        raise BuildError(f"{path}: `worlds` must list at least one world, e.g. [\"check\"]")
    return text, manifest


def componentize_command() -> list[str]:
    exe = shutil.which("componentize-py")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import componentize_py, sys; sys.argv[0] = 'componentize-py'; componentize_py.script()"]


def run(cmd: list[str], what: str) -> None:
    try:
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as err:
        raise BuildError(f"cannot run {cmd[0]}: {err}; install it with `pip install -r requirements.txt`") from None
    if result.returncode != 0:
        raise BuildError(f"{what} failed (exit {result.returncode}):\n{result.stdout.strip()}")


def append_custom_section(component: bytes, name: str, data: bytes) -> bytes:
    """Appends a top-level custom section (what `portico plugin pack` writes)."""

    def leb(n: int) -> bytes:
        out = bytearray()
        while True:
            byte = n & 0x7F
            n >>= 7
            if n:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                return bytes(out)

    name_bytes = name.encode("utf-8")
    payload = leb(len(name_bytes)) + name_bytes + data
    return component + b"\x00" + leb(len(payload)) + payload


def pack(unpacked: Path, manifest_path: Path, manifest_text: str, out: Path, portico: str | None) -> str:
    exe = portico or os.environ.get("PORTICO") or shutil.which("portico")
    if exe:
        run([exe, "plugin", "pack", str(unpacked), "--manifest", str(manifest_path), "-o", str(out)], "portico plugin pack")
        return "portico plugin pack"
    out.write_bytes(append_custom_section(unpacked.read_bytes(), "portico:manifest", manifest_text.encode("utf-8")))
    return "the SDK (no `portico` binary found: the manifest is validated at install)"


def build(project: Path, module: str, out: Path | None, wit: str | None, portico: str | None) -> Path:
    manifest_text, manifest = read_manifest(project)
    wit_dir = find_wit(project, wit)
    if not (project / f"{module}.py").is_file() and not (project / module / "__init__.py").is_file():
        raise BuildError(f"{project}: the entry module `{module}` ({module}.py) does not exist")
    out = out or project / "build" / f"{manifest['id']}.wasm"
    out.parent.mkdir(parents=True, exist_ok=True)
    unpacked = out.with_suffix(".unpacked.wasm")
    cmd = [*componentize_command(), "-d", str(wit_dir)]
    for world in manifest["worlds"]:
        cmd += ["-w", world]
    cmd += ["componentize", module, "-p", str(project), "-p", str(SDK_ROOT), "-o", str(unpacked)]
    started = time.monotonic()
    run(cmd, "componentize-py")
    packer = pack(unpacked, project / "plugin.toml", manifest_text, out, portico)
    unpacked.unlink(missing_ok=True)
    print(
        f"built {manifest['id']} ({', '.join(manifest['worlds'])}) into {out}: "
        f"{out.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s; manifest packed by {packer}"
    )
    return out


def bindings(project: Path, wit: str | None, target: Path) -> None:
    _, manifest = read_manifest(project)
    cmd = [*componentize_command(), "-d", str(find_wit(project, wit))]
    for world in manifest["worlds"]:
        cmd += ["-w", world]
    run([*cmd, "bindings", str(target)], "componentize-py bindings")
    print(f"bindings for {', '.join(manifest['worlds'])} written to {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portico_sdk.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("project", nargs="?", default=".", help="the plugin project (default: .)")
    parser.add_argument("--module", default="app", help="the entry module (default: app)")
    parser.add_argument("--out", "-o", type=Path, help="output file (default: build/<id>.wasm)")
    parser.add_argument("--wit", help="the WIT contract directory (default: found from the project)")
    parser.add_argument("--portico", help="the portico binary used to pack (default: $PORTICO or PATH)")
    parser.add_argument("--bindings", type=Path, metavar="DIR", help="only write the generated bindings to DIR")
    args = parser.parse_args(argv)
    project = Path(args.project)
    try:
        if args.bindings:
            bindings(project, args.wit, args.bindings)
        else:
            build(project, args.module, args.out, args.wit, args.portico)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
