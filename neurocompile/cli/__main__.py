"""``python -m neurocompile.cli ...`` runs the same command as ``neurocompile ...``."""
import sys

from .launch import main

sys.exit(main())
