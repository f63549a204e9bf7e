"""`python -m planforge.validate.schemas [flags] PATH...`: `planforge validate --only schemas [flags] PATH...`."""
import sys

from planforge.cli import main

sys.exit(main(["validate", "--only", "schemas", *sys.argv[1:]]))
