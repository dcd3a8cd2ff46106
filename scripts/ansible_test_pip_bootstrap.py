"""Stand-in for the get-pip.py that ansible-test downloads from its own CI file host.

ansible-test's --venv mode bootstraps pip in an empty venv by running
``python get_pip.py --disable-pip-version-check pip==X [--no-setuptools] [--no-wheel]``
with a script it fetches from a host this project's machines cannot reach. This does the
same with what is at hand: the standard library's ensurepip, then pip from PyPI.

``python scripts/ansible_test_pip_bootstrap.py --install`` puts a copy where ansible-test
looks for a cached script, for the pip version the installed ansible-test pins.
"""

import os
import re
import shutil
import subprocess
import sys


def install_copy():
    import ansible_test

    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        versions = set(re.findall(r"pip='([0-9.]+)'", handle.read()))
    if not versions:
        sys.exit("could not find the pip version ansible-test pins in %s" % source)
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    for version in versions:
        target = os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_"))
        shutil.copyfile(os.path.abspath(__file__), target)
        print(target)


def bootstrap(args):
    packages = [a for a in args if not a.startswith("--")]
    options = [a for a in args if a == "--disable-pip-version-check"]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *options, *packages], check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:
        install_copy()
    else:
        bootstrap(sys.argv[1:])
