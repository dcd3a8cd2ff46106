"""python -m autotask_sandbox --host 127.0.0.1 --port 0 --seed FILE.yml

Prints the base URL on the first line, serves until SIGTERM or SIGINT.
"""

import argparse
import signal
import sys
import threading

from . import SandboxServer, load_seed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autotask_sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless told otherwise)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", help="seed file (YAML or JSON)")
    args = parser.parse_args(argv)
    seed = load_seed(args.seed) if args.seed else {}
    server = SandboxServer(seed, host=args.host, port=args.port).start()
    print(server.url, flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
