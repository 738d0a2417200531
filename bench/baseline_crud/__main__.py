"""`python -m bench.baseline_crud --port N`: serve the baseline with uvicorn (one process)."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_crud")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3090)
    args = parser.parse_args()
    uvicorn.run(
        "bench.baseline_crud.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
