// The model runs in the page (s2p export --format web): model.tflite on LiteRT.js's WebAssembly CPU runtime, from
// runtime/. The canvases are prepared exactly as the s2p draw server prepares the PNGs it receives: resized to the
// model's size by TensorFlow's antialiased bilinear resize, the colour hints premultiplied by their alpha; the
// model takes and returns uint8 pixels (keras_s2p/export.py, the TFLite format).
import { loadAndCompile, loadLiteRt, Tensor } from "./runtime/litert.js";
import { startDrawing } from "./draw.js";

let model = null, size = 0;

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

// A square `side`² image of `channels` interleaved channels -> `to`², columns first, then rows.
function resize(pixels, side, channels, to) {
  const spans = resizeSpans(side, to);
  const columns = new Float64Array(side * to * channels), out = new Float64Array(to * to * channels);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < to; x++) {
      const [start, weights] = spans[x];
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        weights.forEach((w, k) => { sum += w * pixels[((y * side) + start + k) * channels + c]; });
        columns[(y * to + x) * channels + c] = sum;
      }
    }
  }
  for (let y = 0; y < to; y++) {
    const [start, weights] = spans[y];
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

// The sketch canvas (opaque) -> uint8 RGB at the model's size.
function sketchInput(canvas) {
  const rgba = canvasPixels(canvas), rgb = new Float64Array(rgba.length / 4 * 3);
  for (let p = 0; p < rgba.length / 4; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = rgba[p * 4 + c] / 255;
  return Uint8Array.from(resize(rgb, canvas.width, 3, size), toByte);
}

// The hint layer -> uint8 RGBA at the model's size, resized premultiplied so that the colourless transparent
// pixels do not darken the colours at a hint's edge (keras_s2p.draw.inference.DrawModel.hints).
function hintsInput(canvas) {
  const rgba = Float64Array.from(canvasPixels(canvas), (v) => v / 255);
  for (let p = 0; p < rgba.length; p += 4) for (let c = 0; c < 3; c++) rgba[p + c] *= rgba[p + 3];
  const small = resize(rgba, canvas.width, 4, size).map((v) => Math.min(Math.max(v, 0), 1));
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

startDrawing({
  async describe() {
    try {
      const response = await fetch("model.json");
      if (!response.ok) throw new Error(`model.json: HTTP ${response.status}`);
      const info = await response.json();
      await loadLiteRt(new URL("runtime/", location.href).href);
      model = await loadAndCompile("model.tflite", { accelerator: "wasm" });
      size = info.image_size;
      const names = model.getInputDetails().map((input) => input.name).join(", ");
      if (names !== (info.color_hints ? "images, hints" : "images")) throw new Error(`model inputs ${names}`);
      return info;
    } catch (error) {
      throw new Error(`Cannot load the model: ${error.message}`);
    }
  },

  async photo(sketch, hints) {
    const inputs = { images: sketchInput(sketch), ...(hints && { hints: hintsInput(hints) }) };
    window.s2pModelInputs = inputs; // for scripts and tests: what the model was given last
    const tensors = Object.values(inputs).map((data) => new Tensor(data, [1, size, size, data.length / size / size]));
    try {
      const [output] = await model.run(tensors);
      const photo = output.toTypedArray().slice();
      output.delete();
      return await pngBlob(photo);
    } finally {
      tensors.forEach((tensor) => tensor.delete());
    }
  },
});
