import sys

from imlate_tui.cli import main

sys.exit(main())
