"""`make bench`: every benchmark in turn."""

import sys

from bench import spine

if __name__ == "__main__":
    sys.argv = sys.argv[:1]
    spine.main()
