import sys

from annotator.cli.run import main

sys.exit(main())
