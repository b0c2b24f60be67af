// The s2p draw server computes the photos: GET info describes the model, POST photo sends the canvases as PNGs.
import { startDrawing } from "./draw.js";

function canvasBlob(canvas) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
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

  async photo(sketch, hints) {
    const form = new FormData();
    form.append("sketch", await canvasBlob(sketch), "sketch.png");
    if (hints) form.append("hints", await canvasBlob(hints), "hints.png");
    const response = await fetch("photo", { method: "POST", body: form });
    if (!response.ok) throw new Error((await response.text()).trim() || `HTTP ${response.status}`);
    return response.blob();
  },
});
