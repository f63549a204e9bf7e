import sys

from planforge.cli import main

sys.exit(main())
