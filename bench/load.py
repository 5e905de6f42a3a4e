"""python -m bench.load [--quick]: concurrency and load through the JSON API, with races for the same task and
the database checked afterwards (bench/suite/load.py)."""
import sys

from bench.suite.load import main

if __name__ == '__main__':
    sys.exit(main())
