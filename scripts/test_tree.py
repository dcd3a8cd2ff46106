"""Copy the collection into an ansible_collections/msp/autotask tree for ansible-test.

ansible-test needs its working directory to end in ansible_collections/NS/NAME and
resolves symlinks, so this is a real copy of the files git knows (tracked, or untracked
and not ignored), minus what galaxy.yml's build_ignore keeps out of the collection.
The shared reference samples are copied in for the client's unit tests.
"""

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collection_files():
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        ignore = yaml.safe_load(handle).get("build_ignore") or []
    for path in filter(None, out.split("\0")):
        if any(path == pat or path.startswith(pat.rstrip("/") + "/") or fnmatch.fnmatch(path, pat) for pat in ignore):
            continue
        if os.path.isfile(os.path.join(ROOT, path)):
            yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest")
    parser.add_argument("--shared", help="the shared/ folder with autotask-api/samples")
    args = parser.parse_args()
    dest = os.path.abspath(args.dest)
    if os.path.basename(os.path.dirname(os.path.dirname(dest))) != "ansible_collections":
        sys.exit("destination must end in ansible_collections/NS/NAME")
    # Keep tests/output (ansible-test's venvs) between runs; replace everything else.
    if os.path.isdir(dest):
        for name in os.listdir(dest):
            if name not in ("tests", ".git", ".gitignore"):
                path = os.path.join(dest, name)
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
        for name in os.listdir(os.path.join(dest, "tests")) if os.path.isdir(os.path.join(dest, "tests")) else []:
            if name != "output":
                path = os.path.join(dest, "tests", name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    for path in collection_files():
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), target)
    samples = os.path.join(args.shared or "", "autotask-api", "samples")
    if args.shared and os.path.isdir(samples):
        shutil.copytree(samples, os.path.join(dest, "tests", "unit", "fixtures", "shared-samples"), dirs_exist_ok=True)
    # The tree sits under this checkout's git-ignored build/; as its own repository, ansible-test
    # lists its files instead of skipping them as ignored.
    if not os.path.isdir(os.path.join(dest, ".git")):
        subprocess.run(["git", "init", "-q", dest], check=True)
    with open(os.path.join(dest, ".gitignore"), "w", encoding="utf-8") as handle:
        handle.write("/tests/output/\n")  # ansible-test's own venvs and results
    print(dest)


if __name__ == "__main__":
    main()
