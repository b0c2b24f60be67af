"""``s2p draw --model FILE [--port N] [--host H]``: a page where you sketch and watch the photo appear."""

import errno
import warnings

from keras_s2p.cli.options import MODEL_FILE, add_model_file
from keras_s2p.errors import ConfigError


def add_parser(commands):
    p = commands.add_parser(
        "draw", help="sketch in your browser and watch the photo appear",
        description="Serve a page where you draw with the mouse, pen or finger (or drop a sketch image) and see "
                    "the model's photo update as you draw. It listens on this machine only (127.0.0.1) unless "
                    "--host says otherwise; nothing is loaded from the internet.",
        epilog="example: s2p draw --model logs/demo/generator.keras --port 8080",
    )
    add_model_file(p, required=False)
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address or host name to listen on (default 127.0.0.1: this machine only; ::1 for IPv6; "
                        "0.0.0.0 opens it to the network)")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.draw.inference import DrawModel
    from keras_s2p.draw.server import LOOPBACK, DrawServer
    from keras_s2p.model_file import load_generator

    if args.model is None:
        raise ConfigError(f"--model FILE is required: {MODEL_FILE} (e.g. s2p draw --model logs/demo/generator.keras)")
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number (0-65535)")
    generator, size, encoder = load_generator(args.model, args.image_size, style_encoder=True)
    if args.host not in LOOPBACK:
        warnings.warn(f"--host {args.host}: anyone who can reach this machine on port {args.port} can use the page "
                      f"and the model", stacklevel=1)
    try:
        model = DrawModel(generator, size, encoder)
        server = DrawServer((args.host, args.port), model)
    except OSError as error:
        in_use = error.errno == errno.EADDRINUSE
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: "
                          f"{'port in use, choose another with --port' if in_use else error.strerror}") from None
    print(f"s2p draw: open {server.url} in your browser (model {args.model} at {size}x{size}; Ctrl+C stops)",
          flush=True)
    if model.style_dim and encoder is None:
        print(f"s2p draw: {args.model} holds no style encoder: 'Style from photo' is off (serve the run's "
              f"model.keras for it)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("s2p draw: stopped")
