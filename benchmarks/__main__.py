"""``python -m benchmarks``: run the side-by-side benchmark."""

from benchmarks.run import main

main()
