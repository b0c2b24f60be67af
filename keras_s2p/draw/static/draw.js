// s2p draw's drawing UI: sketch on the left, the photo on the right, whoever computes it (`startDrawing`'s backend:
// the s2p draw server in backend-server.js, the model in the browser in backend-web.js). One photo request at a
// time: strokes made while one is on its way are sent together when it returns, so the photo never lags behind by
// more than one request. A style model's "Variations" strip is computed after the photo, one thumbnail per request,
// and given up as soon as the drawing changes, so it never delays the photo by more than one thumbnail.

// Start the page with `backend`: `describe()` resolves to {image_size, color_hints, style_dim, variations} (or
// throws an Error whose message says what failed; style_dim 0: no style code; variations: the strip's codes, arrays
// of style_dim numbers; style_encoder false: no style from a photo); `photo(sketchCanvas, hintsCanvas, style)`
// resolves to the photo as an image Blob (hintsCanvas is null for a model without colour hints; style null: the
// prior's mean code, else an array of style_dim numbers); `encodeStyle(file)` resolves to an image file's style code.
export function startDrawing(backend) {
  const UNDO_LIMIT = 30;
  const DEBOUNCE_MS = 100; // while the pen moves; a finished stroke is sent at once
  const MIN_CANVAS = 256;

  const $ = (id) => document.getElementById(id);
  const board = $("board"), sketch = $("sketch"), hints = $("hints"), photo = $("photo");
  const status = $("status"), download = $("download"), strip = $("variations"), stylePhoto = $("style-photo");
  const sketchCtx = sketch.getContext("2d", { willReadFrequently: true });
  const hintsCtx = hints.getContext("2d", { willReadFrequently: true });
  const undoStack = [];
  let tool = "pen", colorHints = false, stroke = null, timer = null;
  let strokeEndAt = null, photosShown = 0, photosRequested = 0;
  // Requests go one at a time (`pump`): a style photo's code, then the photo, then the variations one by one.
  let busy = false, photoWanted = false, styleFile = null, drawing = 0, nextVariation = 0;
  let variations = [], keptStyle = null, stylePhotoCode = null;

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

  // Show `blob` in `img`; `done` runs before the image it replaces is freed (the download link may still hold it).
  async function showBlob(img, blob, done = () => {}) {
    const previous = img.getAttribute("src");
    img.src = URL.createObjectURL(blob);
    await img.decode();
    await done();
    if (previous) URL.revokeObjectURL(previous);
  }

  async function showPhoto(blob) {
    await showBlob(photo, blob, async () => {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      download.href = photo.src;
      download.setAttribute("aria-disabled", "false");
    });
    photo.dataset.photos = String(++photosShown); // for scripts and tests: which photo is on screen
  }

  // The drawing changed: a new photo, and the variations of the old drawing are dropped.
  function render() {
    clearTimeout(timer);
    photoWanted = true;
    drawing++;
    nextVariation = 0;
    strip.dataset.ready = "false"; // for scripts and tests: "true" once every thumbnail shows this drawing
    pump();
  }

  // One request at a time, in this order; what is asked for while one is on its way waits for it.
  async function pump() {
    if (busy) return;
    busy = true;
    try {
      while (styleFile || photoWanted || nextVariation < variations.length) {
        if (styleFile) await requestStyle();
        else if (photoWanted) await requestPhoto();
        else await requestVariation(nextVariation++);
      }
    } finally {
      busy = false;
    }
  }

  async function requestPhoto() {
    photoWanted = false;
    const strokeEnd = strokeEndAt;
    strokeEndAt = null;
    photo.dataset.requested = String(++photosRequested); // for scripts and tests: photos asked for so far
    try {
      await showPhoto(await backend.photo(sketch, colorHints ? hints : null, keptStyle));
      if (strokeEnd !== null) {
        const ms = Math.round(performance.now() - strokeEnd);
        photo.dataset.strokeToPhotoMs = String(ms);
        setStatus(`Photo ${ms} ms after the stroke.`);
      }
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  async function requestVariation(index) {
    const current = drawing, last = index === variations.length - 1;
    try {
      const blob = await backend.photo(sketch, colorHints ? hints : null, variations[index]);
      if (current !== drawing) return; // drawn on meanwhile: this thumbnail is stale
      await showBlob(strip.children[index].firstElementChild, blob);
      if (last && current === drawing) strip.dataset.ready = "true";
    } catch (error) {
      if (current !== drawing) return;
      setStatus(error.message, true);
      nextVariation = variations.length; // one error, not one per thumbnail
    }
  }

  async function requestStyle() {
    const file = styleFile;
    styleFile = null;
    let code;
    try {
      code = await backend.encodeStyle(file);
    } catch (error) {
      setStatus(error.message, true);
      return;
    }
    stylePhotoCode = code;
    stylePhoto.hidden = false;
    await showBlob(stylePhoto.firstElementChild, file).catch(() => {});
    keepStyle(stylePhoto, code);
    setStatus(`The style of ${file.name}.`);
  }

  // Draw on with `code` (null: the default, the prior's mean); `button` shows it is the kept one.
  function keepStyle(button, code) {
    keptStyle = code;
    for (const choice of document.querySelectorAll(".style-choice")) {
      choice.setAttribute("aria-pressed", String(choice === button));
    }
    photoWanted = true;
    pump();
  }

  function setUpStyle(info) {
    variations = info.variations;
    $("style-tools").hidden = false;
    strip.style.gridTemplateColumns = `repeat(${variations.length}, 1fr)`;
    variations.forEach((code, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "style-choice thumb";
      button.title = "keep this style while drawing on";
      button.setAttribute("aria-label", `variation ${index + 1}`);
      button.setAttribute("aria-pressed", "false");
      button.append(new Image());
      button.addEventListener("click", () => keepStyle(button, code));
      strip.append(button);
    });
    $("style-default").addEventListener("click", (event) => keepStyle(event.currentTarget, null));
    stylePhoto.addEventListener("click", () => keepStyle(stylePhoto, stylePhotoCode));
    const upload = $("style-upload");
    if (!backend.encodeStyle || info.style_encoder === false) {
      upload.disabled = true;
      upload.parentElement.setAttribute("aria-disabled", "true");
      upload.parentElement.title = "this model file holds no style encoder (serve the run's model.keras)";
    }
    upload.addEventListener("change", (event) => {
      if (event.target.files[0]) {
        styleFile = event.target.files[0];
        setStatus(`Reading the style of ${styleFile.name}…`);
        pump();
      }
      event.target.value = "";
    });
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
    if (info.style_dim > 0) setUpStyle(info);
    clearLayers();
    setStatus(`Draw on the left; the photo appears on the right (model at ${info.image_size}×${info.image_size}).`);
    render();
  }

  start();
}
