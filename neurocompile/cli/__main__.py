"""``python -m neurocompile.cli ...`` runs the same command as ``neurocompile ...``."""
import sys

from .main import main

sys.exit(main())
