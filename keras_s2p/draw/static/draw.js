// s2p draw's drawing UI: sketch on the left, the photo on the right, whoever computes it (`startDrawing`'s backend:
// the s2p draw server in backend-server.js, the model in the browser in backend-web.js). One photo request at a
// time: strokes made while one is on its way are sent together when it returns, so the photo never lags behind by
// more than one request.

// Start the page with `backend`: `describe()` resolves to {image_size, color_hints} (or throws an Error whose
// message says what failed); `photo(sketchCanvas, hintsCanvas)` resolves to the photo as an image Blob (hintsCanvas
// is null for a model without colour hints).
export function startDrawing(backend) {
  const UNDO_LIMIT = 30;
  const DEBOUNCE_MS = 100; // while the pen moves; a finished stroke is sent at once
  const MIN_CANVAS = 256;

  const $ = (id) => document.getElementById(id);
  const board = $("board"), sketch = $("sketch"), hints = $("hints"), photo = $("photo");
  const status = $("status"), download = $("download");
  const sketchCtx = sketch.getContext("2d", { willReadFrequently: true });
  const hintsCtx = hints.getContext("2d", { willReadFrequently: true });
  const undoStack = [];
  let tool = "pen", colorHints = false, stroke = null, timer = null;
  let inFlight = false, dirty = false, strokeEndAt = null, photosShown = 0, photosRequested = 0;

  function setStatus(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  function clearLayers() {
    sketchCtx.globalCompositeOperation = "source-over";
    sketchCtx.fillStyle = "#fff";
    sketchCtx.fillRect(0, 0, sketch.width, sketch.height);
    hintsCtx.clearRect(0, 0, hints.width, hints.height);
  }

  function pushUndo() {
    undoStack.push([sketchCtx.getImageData(0, 0, sketch.width, sketch.height),
                    hintsCtx.getImageData(0, 0, hints.width, hints.height)]);
    if (undoStack.length > UNDO_LIMIT) undoStack.shift();
  }

  function undo() {
    const layers = undoStack.pop();
    if (!layers) return;
    sketchCtx.putImageData(layers[0], 0, 0);
    hintsCtx.putImageData(layers[1], 0, 0);
    render();
  }

  function selectTool(name) {
    tool = name;
    for (const button of document.querySelectorAll(".tool")) {
      button.setAttribute("aria-pressed", String(button.id === name));
    }
  }

  function point(event) {
    const box = board.getBoundingClientRect();
    return [(event.clientX - box.left) * sketch.width / box.width,
            (event.clientY - box.top) * sketch.height / box.height];
  }

  // The eraser whitens the sketch and removes colour hints; the pen draws black, the colour brush draws hints.
  function paint(from, to) {
    const width = Number($("width").value);
    const strokes = tool === "pen" ? [[sketchCtx, "source-over", "#000"]]
      : tool === "hint" ? [[hintsCtx, "source-over", $("hint-color").value]]
      : [[sketchCtx, "source-over", "#fff"], [hintsCtx, "destination-out", "#000"]];
    for (const [ctx, mode, colour] of strokes) {
      ctx.globalCompositeOperation = mode;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.lineCap = ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.moveTo(...from);
      ctx.lineTo(...to);
      ctx.stroke();
    }
  }

  board.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    board.setPointerCapture(event.pointerId);
    pushUndo();
    stroke = point(event);
    paint(stroke, stroke);
    event.preventDefault();
  });
  board.addEventListener("pointermove", (event) => {
    if (!stroke) return;
    for (const e of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) {
      const next = point(e);
      paint(stroke, next);
      stroke = next;
    }
    clearTimeout(timer);
    timer = setTimeout(render, DEBOUNCE_MS);
  });
  const endStroke = () => {
    if (!stroke) return;
    stroke = null;
    strokeEndAt = performance.now();
    render();
  };
  board.addEventListener("pointerup", endStroke);
  board.addEventListener("pointercancel", endStroke);

  async function showPhoto(blob) {
    const previous = photo.src;
    photo.src = URL.createObjectURL(blob);
    await photo.decode();
    await new Promise((resolve) => requestAnimationFrame(resolve));
    download.href = photo.src;
    download.setAttribute("aria-disabled", "false");
    if (previous) URL.revokeObjectURL(previous);
    photo.dataset.photos = String(++photosShown); // for scripts and tests: which photo is on screen
  }

  async function render() {
    clearTimeout(timer);
    if (inFlight) {
      dirty = true;
      return;
    }
    inFlight = true;
    dirty = false;
    const strokeEnd = strokeEndAt;
    strokeEndAt = null;
    photo.dataset.requested = String(++photosRequested); // for scripts and tests: photos asked for so far
    try {
      await showPhoto(await backend.photo(sketch, colorHints ? hints : null));
      if (strokeEnd !== null) {
        const ms = Math.round(performance.now() - strokeEnd);
        photo.dataset.strokeToPhotoMs = String(ms);
        setStatus(`Photo ${ms} ms after the stroke.`);
      }
    } catch (error) {
      setStatus(error.message, true);
    } finally {
      inFlight = false;
      if (dirty || strokeEndAt !== null) render();
    }
  }

  async function loadSketch(file) {
    let image;
    try {
      image = await createImageBitmap(file);
    } catch {
      setStatus(`Cannot read ${file.name} as an image.`, true);
      return;
    }
    pushUndo();
    clearLayers();
    const scale = Math.min(sketch.width / image.width, sketch.height / image.height);
    const w = image.width * scale, h = image.height * scale;
    sketchCtx.drawImage(image, (sketch.width - w) / 2, (sketch.height - h) / 2, w, h);
    setStatus(`Loaded ${file.name}.`);
    render();
  }

  $("upload").addEventListener("change", (event) => {
    if (event.target.files[0]) loadSketch(event.target.files[0]);
    event.target.value = "";
  });
  board.addEventListener("dragover", (event) => {
    event.preventDefault();
    board.classList.add("dragging");
  });
  board.addEventListener("dragleave", () => board.classList.remove("dragging"));
  board.addEventListener("drop", (event) => {
    event.preventDefault();
    board.classList.remove("dragging");
    if (event.dataTransfer.files[0]) loadSketch(event.dataTransfer.files[0]);
  });

  for (const name of ["pen", "eraser", "hint"]) $(name).addEventListener("click", () => selectTool(name));
  $("undo").addEventListener("click", undo);
  $("clear").addEventListener("click", () => {
    pushUndo();
    clearLayers();
    render();
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "z") {
      event.preventDefault();
      undo();
    }
  });

  async function start() {
    let info;
    try {
      info = await backend.describe();
    } catch (error) {
      setStatus(error.message, true);
      return;
    }
    // The canvas is a whole multiple of the model's size, at least MIN_CANVAS pixels a side, for smooth strokes.
    const side = info.image_size * Math.max(1, Math.ceil(MIN_CANVAS / info.image_size));
    for (const canvas of [sketch, hints]) canvas.width = canvas.height = side;
    colorHints = info.color_hints;
    $("hint-tools").hidden = !colorHints;
    clearLayers();
    setStatus(`Draw on the left; the photo appears on the right (model at ${info.image_size}×${info.image_size}).`);
    render();
  }

  start();
}
