// The s2p draw server computes the photos: GET info describes the model, POST photo sends the canvases as PNGs
// (and the style code), POST style a photo whose style code it answers.
import { startDrawing } from "./draw.js";

function canvasBlob(canvas) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

// The server's answer to a form; an error answer (one line) as an Error.
async function post(path, form) {
  const response = await fetch(path, { method: "POST", body: form });
  if (!response.ok) throw new Error((await response.text()).trim() || `HTTP ${response.status}`);
  return response;
}

startDrawing({
  async describe() {
    try {
      const response = await fetch("info");
      if (!response.ok) throw new Error(await response.text());
      return await response.json();
    } catch (error) {
      throw new Error(`Cannot reach the s2p draw server: ${error.message}`);
    }
  },

  async photo(sketch, hints, style) {
    const form = new FormData();
    form.append("sketch", await canvasBlob(sketch), "sketch.png");
    if (hints) form.append("hints", await canvasBlob(hints), "hints.png");
    if (style) form.append("style", JSON.stringify(style));
    return (await post("photo", form)).blob();
  },

  async encodeStyle(file) {
    const form = new FormData();
    form.append("photo", file, file.name);
    return (await (await post("style", form)).json()).style;
  },
});
