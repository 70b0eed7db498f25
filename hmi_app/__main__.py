"""``python -m hmi_app`` is the ``hmi-app`` command."""

import sys

from hmi_app.cli import main

sys.exit(main())
