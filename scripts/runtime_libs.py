#!/usr/bin/env python3
"""Checks that the Dockerfile's runtime stage provides every shared library a binary needs.

1. The build stage must build with `make release` (the Makefile's release flags).
2. `ldd BINARY` lists every shared library loaded at run time (transitively); none may be missing.
3. Each library file is mapped to its Debian package with `dpkg -S`.
4. That package must be in the runtime image: installed by the Dockerfile's runtime stage
   (`apt-get install` there, plus their Depends/Pre-Depends, recursively), or part of the base
   image. debian:*-slim is a `minbase` bootstrap: the packages that are Essential or of Priority
   required, plus their dependencies. That set is derived from this machine's dpkg database
   (`dpkg-query`), which is why this check must run on the same Debian release as the runtime
   image (bookworm).

Usage: runtime_libs.py DOCKERFILE BINARY
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys


def run(*cmd: str) -> tuple[int, str]:
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + (p.stderr if p.returncode else "")


# ---- Dockerfile -------------------------------------------------------------------------------
def dockerfile_stages(path: str) -> list[tuple[str, list[str]]]:
    """[(FROM line, [instructions])], continuation lines joined, comments dropped."""
    stages: list[tuple[str, list[str]]] = []
    logical, current = [], ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            stripped = line.strip()
            if stripped.startswith("#") and not current:
                continue
            if stripped.endswith("\\"):
                current += stripped[:-1] + " "
                continue
            current += stripped
            if current.strip():
                logical.append(current.strip())
            current = ""
    args = {}
    for instruction in logical:
        word = instruction.split(None, 1)[0].upper()
        if word == "ARG" and not stages and "=" in instruction:
            name, _, value = instruction.split(None, 1)[1].partition("=")
            args[name.strip()] = value.strip().strip('"')
        elif word == "FROM":
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), instruction)
            stages.append((image, []))
        elif stages:
            stages[-1][1].append(instruction)
    return stages


def apt_installs(instructions: list[str]) -> list[str]:
    packages: list[str] = []
    for instruction in instructions:
        if not instruction.upper().startswith("RUN"):
            continue
        for command in re.split(r"&&|;|\|\|", instruction[3:]):
            words = shlex.split(command)
            words = [w for w in words if "=" not in w or w.startswith("-")]  # drop VAR=value prefixes
            if len(words) >= 2 and words[0] in ("apt-get", "apt") and words[1] == "install":
                packages += [w for w in words[2:] if not w.startswith("-")]
    return packages


# ---- dpkg -------------------------------------------------------------------------------------
def installed_packages() -> dict[str, dict]:
    code, out = run("dpkg-query", "-W", "-f=${Package}\t${Status}\t${Essential}\t${Priority}\t"
                                         "${Provides}\t${Depends}, ${Pre-Depends}\n")
    if code:
        sys.exit(f"check-runtime-libs: dpkg-query failed: {out}")
    packages = {}
    for line in out.splitlines():
        name, status, essential, priority, provides, depends = (line.split("\t") + [""] * 6)[:6]
        if not status.endswith(" installed"):
            continue
        packages[name] = {"essential": essential == "yes", "priority": priority, "depends": depends,
                          "provides": [p.split("(")[0].strip() for p in provides.split(",") if p.strip()]}
    return packages


def depends_of(name: str, installed: dict[str, dict]) -> str:
    if name in installed:
        return installed[name]["depends"]
    code, out = run("apt-cache", "show", "--no-all-versions", name)
    if code:
        sys.exit(f"check-runtime-libs: package {name} is neither installed here nor known to apt-cache "
                 f"(run apt-get update, or install it, so its dependencies can be read)")
    found = re.findall(r"^(?:Pre-)?Depends: (.*)$", out, re.M)
    return ", ".join(found)


def closure(roots: list[str], installed: dict[str, dict]) -> set[str]:
    providers: dict[str, list[str]] = {}
    for name, info in installed.items():
        for virtual in info["provides"]:
            providers.setdefault(virtual, []).append(name)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for clause in depends_of(name, installed).split(","):
            options = [re.sub(r"[\s(].*$", "", o.strip()).split(":")[0] for o in clause.split("|") if o.strip()]
            if not options:
                continue
            # Of alternatives, apt installs the first satisfiable one; here, the first we know.
            chosen = next((o for o in options if o in installed), None) \
                or next((providers[o][0] for o in options if o in providers), None) or options[0]
            todo.append(chosen)
    return seen


def package_of(path: str) -> str | None:
    real = os.path.realpath(path)
    candidates = {path, real}
    for p in list(candidates):
        if p.startswith("/usr/lib/") or p.startswith("/usr/lib64/"):
            candidates.add(p[4:])
        elif p.startswith("/lib/") or p.startswith("/lib64/"):
            candidates.add("/usr" + p)
    for candidate in sorted(candidates):
        code, out = run("dpkg", "-S", candidate)
        if code == 0:
            return out.split(":", 1)[0].split(",")[0].strip()
    return None


def main(dockerfile: str, binary: str) -> int:
    failures: list[str] = []
    stages = dockerfile_stages(dockerfile)
    if len(stages) < 2:
        return fail([f"{dockerfile}: expected a multi-stage build (build, runtime); found {len(stages)} stage(s)"])
    build_from, build = stages[0]
    runtime_from, runtime = stages[-1]
    if not any(re.fullmatch(r"RUN\s+make release(\s+&&.*)?", i) for i in build):
        failures.append(f"{dockerfile}: the build stage must build with `RUN make release` (the Makefile's flags)")
    print(f"build stage:   {build_from}")
    print(f"runtime stage: {runtime_from}")
    wanted = apt_installs(runtime)
    print(f"runtime packages: {' '.join(wanted) or '(none)'}")

    installed = installed_packages()
    base_roots = [n for n, i in installed.items() if i["essential"] or i["priority"] == "required"]
    base = closure(base_roots, installed)
    image = closure(wanted, installed)
    print(f"base image set (Essential/required + dependencies, from dpkg on this machine): {len(base)} packages")

    code, out = run("ldd", binary)
    if code:
        return fail(failures + [f"ldd {binary} failed: {out.strip()}"])
    print(f"\nldd {binary}:")
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("linux-vdso") or line.startswith("linux-gate"):
            continue
        if "not found" in line:
            failures.append(f"{line.split()[0]}: not found on this machine")
            continue
        m = re.match(r"(\S+)\s+=>\s+(\S+)", line) or re.match(r"(/\S+)", line)
        if not m:
            continue
        soname = m.group(1)
        path = m.group(2) if m.lastindex and m.lastindex >= 2 else m.group(1)
        package = package_of(path)
        if package is None:
            failures.append(f"{soname} ({path}): no Debian package owns it (built locally?)")
            print(f"  {soname:32} {path}  ->  ?")
            continue
        if package in wanted:
            source = "installed by the Dockerfile"
        elif package in base:
            source = "base image"
        elif package in image:
            source = "dependency of the Dockerfile's packages"
        else:
            source = "MISSING"
            failures.append(f"{soname} comes from {package}, which the runtime stage does not install "
                            f"(add it, or a package depending on it, to the apt-get install list)")
        print(f"  {soname:32} {package:24} {source}")
    return fail(failures)


def fail(failures: list[str]) -> int:
    if failures:
        print("\ncheck-runtime-libs: FAILED")
        for f in failures:
            print(f"  - {f}")
        return 1
    print("\ncheck-runtime-libs: every shared library is provided by the runtime image")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
