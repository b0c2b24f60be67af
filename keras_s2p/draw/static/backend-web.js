// The model runs in the page (s2p export --format web): model.tflite on LiteRT.js's WebAssembly CPU runtime, from
// runtime/. The canvases are prepared exactly as the s2p draw server prepares the PNGs it receives: resized to the
// model's size by TensorFlow's antialiased bilinear resize, the colour hints premultiplied by their alpha; the
// model takes and returns uint8 pixels (keras_s2p/export.py, the TFLite format). A style model (model.json's
// style_dim > 0) takes its float32 code last, and style_encoder.tflite gives a photo's code.
import { loadAndCompile, loadLiteRt, Tensor } from "./runtime/litert.js";
import { startDrawing } from "./draw.js";

let model = null, encoder = null, size = 0, styleDim = 0;

// Per output pixel of a `from` -> `to` resize: [first input pixel, weights], as tf.image.resize(antialias=True)
// computes them (a triangle kernel stretched by the downscale factor, centred on the output pixel, normalised).
function resizeSpans(from, to) {
  const scale = from / to, radius = Math.max(scale, 1), spans = [];
  for (let x = 0; x < to; x++) {
    const centre = (x + 0.5) * scale;
    const start = Math.max(0, Math.ceil(centre - radius - 0.5));
    const end = Math.min(from - 1, Math.floor(centre + radius - 0.5)) + 1;
    const weights = [];
    for (let s = start; s < end; s++) weights.push(Math.max(0, 1 - Math.abs((s + 0.5 - centre) / radius)));
    const total = weights.reduce((sum, w) => sum + w, 0);
    spans.push([start, weights.map((w) => w / total)]);
  }
  return spans;
}

// A `width` x `height` image of `channels` interleaved channels -> `to`² (the aspect ratio is not kept, as
// keras_s2p.data.images.resize), columns first, then rows.
function resize(pixels, width, height, channels, to) {
  const across = resizeSpans(width, to), down = resizeSpans(height, to);
  const columns = new Float64Array(height * to * channels), out = new Float64Array(to * to * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < to; x++) {
      const [start, weights] = across[x];
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        weights.forEach((w, k) => { sum += w * pixels[((y * width) + start + k) * channels + c]; });
        columns[(y * to + x) * channels + c] = sum;
      }
    }
  }
  for (let y = 0; y < to; y++) {
    const [start, weights] = down[y];
    for (let i = 0; i < to * channels; i++) {
      let sum = 0;
      weights.forEach((w, k) => { sum += w * columns[(start + k) * to * channels + i]; });
      out[y * to * channels + i] = sum;
    }
  }
  return out;
}

const toByte = (value) => Math.round(Math.min(Math.max(value, 0), 1) * 255);

function canvasPixels(canvas) {
  return canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
}

// Opaque RGBA pixels of a `width` x `height` image -> uint8 RGB at the model's size.
function rgbInput(rgba, width, height) {
  const rgb = new Float64Array(rgba.length / 4 * 3);
  for (let p = 0; p < rgba.length / 4; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = rgba[p * 4 + c] / 255;
  return Uint8Array.from(resize(rgb, width, height, 3, size), toByte);
}

// The sketch canvas (opaque) -> uint8 RGB at the model's size.
function sketchInput(canvas) {
  return rgbInput(canvasPixels(canvas), canvas.width, canvas.height);
}

// An image file -> uint8 RGB at the model's size, as `s2p generate --style-from` loads a photo
// (keras_s2p.data.images.load_image): transparency on white, the whole image resized to a square.
async function photoInput(file) {
  let image;
  try {
    image = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch {
    throw new Error(`Cannot read ${file.name || "the file"} as an image.`);
  }
  const canvas = new OffscreenCanvas(image.width, image.height), ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0);
  image.close();
  return rgbInput(canvasPixels(canvas), canvas.width, canvas.height);
}

// A style code for the model: null -> the prior's mean (zeros), else an array of style_dim numbers.
function styleInput(style) {
  if (style === null || style === undefined) return new Float32Array(styleDim);
  if (!styleDim) throw new Error("This model has no style code.");
  if (style.length !== styleDim) throw new Error(`A style code has ${styleDim} numbers, got ${style.length}.`);
  return Float32Array.from(style);
}

// Run a compiled model on named typed arrays (shaped as its inputs); its first output as a typed array.
async function runModel(compiled, inputs) {
  const tensors = compiled.getInputDetails().map(({ name, shape }) => new Tensor(inputs[name], Array.from(shape)));
  try {
    const [output] = await compiled.run(tensors);
    const values = output.toTypedArray().slice();
    output.delete();
    return values;
  } finally {
    tensors.forEach((tensor) => tensor.delete());
  }
}

// What a compiled model takes, "name, name".
const inputNames = (compiled) => compiled.getInputDetails().map((input) => input.name).join(", ");

// The hint layer -> uint8 RGBA at the model's size, resized premultiplied so that the colourless transparent
// pixels do not darken the colours at a hint's edge (keras_s2p.draw.inference.DrawModel.hints).
function hintsInput(canvas) {
  const rgba = Float64Array.from(canvasPixels(canvas), (v) => v / 255);
  for (let p = 0; p < rgba.length; p += 4) for (let c = 0; c < 3; c++) rgba[p + c] *= rgba[p + 3];
  const small = resize(rgba, canvas.width, canvas.height, 4, size).map((v) => Math.min(Math.max(v, 0), 1));
  for (let p = 0; p < small.length; p += 4) {
    for (let c = 0; c < 3; c++) small[p + c] = small[p + 3] > 0 ? Math.min(small[p + c] / small[p + 3], 1) : 0;
  }
  return Uint8Array.from(small, toByte);
}

async function pngBlob(rgb) {
  const image = new ImageData(size, size);
  for (let p = 0; p < size * size; p++) {
    image.data.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    image.data[p * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(size, size);
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas.convertToBlob({ type: "image/png" });
}

// Load the runtime and the model(s) described by model.json; the info `describe` resolves to.
async function load() {
  try {
    const response = await fetch("model.json");
    if (!response.ok) throw new Error(`model.json: HTTP ${response.status}`);
    const info = await response.json();
    await loadLiteRt(new URL("runtime/", location.href).href);
    model = await loadAndCompile("model.tflite", { accelerator: "wasm" });
    size = info.image_size;
    styleDim = info.style_dim || 0;
    const expected = ["images", ...(info.color_hints ? ["hints"] : []), ...(styleDim ? ["style"] : [])];
    if (inputNames(model) !== expected.join(", ")) throw new Error(`model inputs ${inputNames(model)}`);
    if (styleDim) encoder = await loadAndCompile("style_encoder.tflite", { accelerator: "wasm" });
    return { ...info, style_dim: styleDim, variations: info.variations || [] };
  } catch (error) {
    throw new Error(`Cannot load the model: ${error.message}`);
  }
}

let loading = null;

// The backend: draw.js's contract (startDrawing), and window.s2pBackend for scripts and tests.
const backend = {
  // {image_size, color_hints, style_dim (0: none), variations (the "Variations" strip's codes; [] without)};
  // the model loads once, whoever asks first.
  describe() {
    loading ??= load();
    return loading;
  },

  // The photo (a PNG Blob) of the sketch canvas, the hint canvas (null: no hints) and a style code (null: zeros).
  async photo(sketch, hints, style = null) {
    const inputs = { images: sketchInput(sketch), ...(hints && { hints: hintsInput(hints) }),
                     ...((styleDim || style) && { style: styleInput(style) }) };
    window.s2pModelInputs = inputs; // for scripts and tests: what the model was given last
    return pngBlob(await runModel(model, inputs));
  },

  // The style code (an array of style_dim numbers, the encoder's mean) of a photo, an image Blob or File.
  async encodeStyle(file) {
    if (!encoder) throw new Error("This model has no style code.");
    const images = await photoInput(file);
    window.s2pStyleInputs = images; // for scripts and tests: the photo the encoder was given last
    return Array.from(await runModel(encoder, { images }));
  },
};

window.s2pBackend = backend;
startDrawing(backend);
