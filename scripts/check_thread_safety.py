#!/usr/bin/env python3
"""Checks the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations with clang's -Wthread-safety.

gcc ignores the annotations, so this runs clang++ -fsyntax-only over every translation unit of our own
code (src/, tests/, bench/) listed in a CMake compile_commands.json: no objects, no link, a few
seconds a file. Any thread-safety warning fails the check; other clang warnings are shown, not fatal.

Usage: check_thread_safety.py [BUILD_DIR [FILE...]]   (default build/asan, every file; the build
must have generated the protobuf headers, i.e. `cmake --build` ran at least as far as sluice_proto).
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OWN_DIRS = ("src/", "tests/", "bench/", "fuzz/")
CLANG = os.environ.get("CLANGXX", "clang++")
# gcc-only or object-producing flags that -fsyntax-only under clang does not want.
DROP_PREFIXES = ("-fsanitize", "-fno-sanitize", "-flto", "-fno-fat-lto", "-fuse-linker-plugin")
CHECK_FLAGS = ["-fsyntax-only", "-Wthread-safety", "-Wno-error", "-Werror=thread-safety",
               "-fcolor-diagnostics" if sys.stdout.isatty() else "-fno-color-diagnostics"]


def own_units(db):
    for entry in db:
        rel = os.path.relpath(entry["file"], ROOT)
        if rel.startswith(OWN_DIRS):
            yield rel, entry


def clang_command(entry):
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = [CLANG]
    skip = False
    for arg in args[1:]:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg == "-c" or arg.startswith(DROP_PREFIXES):
            continue
        else:
            out.append(arg)
    return out + CHECK_FLAGS


def check(rel, entry):
    proc = subprocess.run(clang_command(entry), cwd=entry["directory"], capture_output=True, text=True)
    return rel, proc.returncode, proc.stderr


def main():
    build_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "asan")
    db_path = os.path.join(build_dir, "compile_commands.json")
    if not os.path.exists(db_path):
        sys.exit(f"check_thread_safety: {db_path} not found; configure that build first (cmake --preset asan)")
    with open(db_path) as f:
        # A file compiled into two targets (the installed library bundles the core) is checked once.
        units = sorted(dict(own_units(json.load(f))).items(), key=lambda unit: unit[0])
    only = {os.path.relpath(os.path.abspath(p), ROOT) for p in sys.argv[2:]}
    if only:
        units = [u for u in units if u[0] in only]
    jobs = int(os.environ.get("JOBS", os.cpu_count() or 2))
    start = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for rel, code, stderr in pool.map(lambda u: check(*u), units):
            if stderr:
                sys.stdout.write(stderr)
            if code != 0:
                failed.append(rel)
    took = time.monotonic() - start
    if failed:
        print(f"thread-safety: {len(failed)} of {len(units)} files fail: {' '.join(failed)}")
        return 1
    print(f"thread-safety: {len(units)} files clean ({took:.0f} s, {jobs} jobs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
