"""``python -m bench --scale full|small`` (what ``make bench`` runs); see bench/runner.py."""

import sys

from bench.runner import main

sys.exit(main())
