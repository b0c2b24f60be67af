"""The folder of ``s2p export --format web``: the draw page running the TFLite model in the browser, no server.

The page is ``s2p draw``'s (``static/``: index.html, draw.js, draw.css) with the in-browser backend
(``backend-web.js`` as ``backend.js``) instead of the server's; the model is ``model.tflite`` (uint8 in and out,
`keras_s2p.export`), described by ``model.json``; ``runtime/`` holds LiteRT.js (`keras_s2p.draw.runtime`).

A style model (`keras_s2p.models.style`) adds ``style_encoder.tflite`` (uint8 photo in, its code out), and
``model.json`` its ``style_dim`` and the codes of the page's "Variations" strip (``variations``,
`keras_s2p.models.style.page_variations`); a model without a style code writes the files it always did.
"""

import json
from importlib import resources

from keras_s2p.draw import runtime
from keras_s2p.models.style import page_variations

PAGE = {"index.html": "index.html", "draw.js": "draw.js", "draw.css": "draw.css", "backend.js": "backend-web.js"}
HOW_TO_SERVE = """s2p draw, in the browser: {model}.

Serve this folder over HTTP and open the address (ES modules and WebAssembly do not load from file://), e.g.
    python -m http.server 8000     # in this folder; then open http://127.0.0.1:8000/
Any static web server does; the page loads nothing from anywhere else.

model.tflite   the generator (uint8 RGB in and out at {size}x{size}{inputs}){encoder}
runtime/       LiteRT.js {version} (npm @litertjs/core and @litertjs/wasm-utils, Apache-2.0)
"""


def write_web_folder(folder, tflite, image_size, color_hints, packages, style_dim=0, style_encoder=None):
    """Write the page, the model and the runtime into `folder` (an empty or new folder).

    Args:
        folder: a `pathlib.Path`.
        tflite: the TFLite model bytes (`keras_s2p.export`'s TFLite format).
        image_size: the model's size.
        color_hints: whether the model takes a second input, the RGBA hint layer.
        packages: the runtime's npm tarballs, package name -> bytes (`keras_s2p.draw.runtime.tarballs`).
        style_dim: the size of the model's style code, its last input; 0: none.
        style_encoder: with `style_dim`, the style encoder's TFLite bytes.

    Raises:
        S2PError: a tarball lacks a runtime file (`keras_s2p.draw.runtime.runtime_files`).
    """
    files = {f"runtime/{name}": data for name, data in runtime.runtime_files(packages).items()}
    static = resources.files("keras_s2p.draw") / "static"
    files.update({name: (static / source).read_bytes() for name, source in PAGE.items()})
    files["model.tflite"] = tflite
    info = {"image_size": image_size, "color_hints": color_hints}
    inputs = ["the uint8 RGBA colour hint layer"] if color_hints else []
    encoder = ""
    if style_dim:
        files["style_encoder.tflite"] = style_encoder
        info.update(style_dim=style_dim, variations=page_variations(style_dim))
        inputs.append(f"a float32 style code of {style_dim} numbers")
        encoder = f"\nstyle_encoder.tflite  a photo's style code (uint8 RGB at {image_size}x{image_size} in)"
    files["model.json"] = json.dumps(info).encode()
    files["README.txt"] = HOW_TO_SERVE.format(
        model=f"a {image_size}x{image_size} sketch-to-photo model", size=image_size,
        inputs="".join(f", and {name}" for name in inputs), encoder=encoder, version=runtime.VERSION).encode()
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
