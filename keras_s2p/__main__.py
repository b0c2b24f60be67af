"""``python -m keras_s2p``: the ``s2p`` command line."""

from keras_s2p.cli import main

raise SystemExit(main())
