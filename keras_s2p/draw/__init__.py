"""``s2p draw``: a page where a person sketches and watches the photo appear, served by the standard library.

`keras_s2p.draw.inference.DrawModel` runs the generator (batch 1, BatchNorm folded); `keras_s2p.draw.server`
serves the page in ``static/`` and answers its photo requests.
"""
