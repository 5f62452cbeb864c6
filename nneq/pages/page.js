/* nneq's interactive page: the network, its heatmaps, losses and tables, replayed over the
   snapshots kept while it trained. Every number shown is computed here from the weights in
   the page's data, with nneq's own features, activations and forward pass. */
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("nneq-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const MINUS = "\u2212";

  // --- nneq's numbers: features, activations, the forward pass -------------------------------

  // As nneq.playground.features: squares are products, never powers.
  const FEATURES = {
    "x1": (x, y) => x,
    "x2": (x, y) => y,
    "x1^2": (x, y) => x * x,
    "x2^2": (x, y) => y * y,
    "x1x2": (x, y) => x * y,
    "sin(x1)": (x, y) => Math.sin(x),
    "sin(x2)": (x, y) => Math.sin(y),
  };
  // As nneq.playground.activations.
  const ACTIVATIONS = {
    tanh: Math.tanh,
    relu: (z) => Math.max(z, 0),
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
    linear: (z) => z,
  };
  const featureFns = DATA.features.map((name) => FEATURES[name]);
  const last = DATA.sizes.length - 2;

  /* Every layer's unit outputs at (x, y): [inputs, hidden 1, …, output], each an array.
     z_j = Σ_i a_i w_ij + b_j, then the layer's activation, as nneq's forward pass. */
  function forward(layers, x, y) {
    let a = featureFns.map((f) => f(x, y));
    const outputs = [a];
    for (let k = 0; k < layers.length; k++) {
      const { w, b } = layers[k];
      const act = ACTIVATIONS[k === last ? DATA.output : DATA.activation];
      const next = new Array(b.length);
      for (let j = 0; j < b.length; j++) {
        let z = 0;
        for (let i = 0; i < a.length; i++) z += a[i] * w[i][j];
        next[j] = act(z + b[j]);
      }
      a = next;
      outputs.push(a);
    }
    return outputs;
  }

  // --- the Playground's colours (nneq.picture.diagram) ---------------------------------------

  const S = DATA.scale;
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16) / 255);
  const ORANGE = rgb(S.orange), GREY = rgb(S.grey), BLUE = rgb(S.blue);

  function colourScale(v) {
    v = Number.isFinite(v) ? Math.min(1, Math.max(-1, v)) : 0;
    return [0, 1, 2].map((c) => v < 0 ? GREY[c] + (GREY[c] - ORANGE[c]) * v
                                      : GREY[c] + (BLUE[c] - GREY[c]) * v);
  }
  function shade(v, discretize) {
    if (!Number.isFinite(v)) v = 0;
    if (discretize) v = v >= 0 ? 1 : -1;
    const k = Math.min(S.shades, Math.max(0, Math.floor((v + 1) / 2 * (S.shades + 1))));
    return colourScale(-1 + 2 * k / S.shades);
  }
  function heatmapColour(v, discretize) {
    return shade(v, discretize).map((c) => 1 - S.alpha * (1 - c));
  }
  const css = (c) => "rgb(" + c.map((x) => Math.round(255 * x)).join(",") + ")";
  const linkWidth = (w) => (1 + 9 * Math.min(Math.abs(w) / 5, 1)) / 30;

  // --- heatmaps over the grid, per snapshot ---------------------------------------------------

  const N = S.density;
  const [LOW, HIGH] = S.domain;
  const STEP = (HIGH - LOW) / N;
  const centres = Array.from({ length: N }, (_, i) => LOW + STEP * (i + 0.5));

  /* Every unit's values over the grid (row by row from the top, left to right), layer by
     layer: one Float64Array of N·N values per unit, inputs first. */
  function gridValues(layers) {
    const maps = [DATA.features.length, ...DATA.sizes.slice(1)].map((n) =>
      Array.from({ length: n }, () => new Float64Array(N * N)));
    for (let r = 0; r < N; r++) {
      const y = centres[N - 1 - r];
      for (let c = 0; c < N; c++) {
        const outs = forward(layers, centres[c], y);
        for (let k = 0; k < outs.length; k++)
          for (let j = 0; j < outs[k].length; j++) maps[k][j][r * N + c] = outs[k][j];
      }
    }
    return maps;
  }

  function blockMeans(values) {
    const f = S.reduction, n = Math.floor(N / f), out = new Float64Array(n * n);
    for (let r = 0; r < n * f; r++)
      for (let c = 0; c < n * f; c++) out[Math.floor(r / f) * n + Math.floor(c / f)] += values[r * N + c];
    return out.map((v) => v / (f * f));
  }

  function paint(canvas, values, side, discretize) {
    canvas.width = side;
    canvas.height = side;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(side, side);
    for (let p = 0; p < side * side; p++) {
      const c = heatmapColour(values[p], discretize);
      image.data.set([Math.round(255 * c[0]), Math.round(255 * c[1]), Math.round(255 * c[2]), 255], 4 * p);
    }
    ctx.putImageData(image, 0, 0);
    return canvas;
  }

  const cache = new Map();
  function valuesOf(index) {
    if (!cache.has(index)) cache.set(index, gridValues(DATA.states[index].layers));
    return cache.get(index);
  }

  // --- small DOM helpers: text only ever goes in as textContent ------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  /* A number with d decimals, and from a million on in powers of ten with as many decimals
     and an exponent of at least two digits: the rule of nneq.describe.number_text. */
  const num = (v, d = 3) => {
    const m = Math.abs(v);
    const text = m < 1e6 ? m.toFixed(d) : m.toExponential(d).replace(/e([+-])(\d)$/, "e$10$2");
    return (v < 0 ? MINUS : "") + text;
  };

  // --- the equations of a snapshot (nneq.explain.equations) ----------------------------------

  /* Why a link is left out of its unit's equation, or null: dead, exactly zero, or under the
     threshold, checked in that order. */
  function dropped(value, dead) {
    if (dead) return "dead";
    if (value === 0) return "zero";
    return Math.abs(value) < DATA.threshold ? "threshold" : null;
  }

  function unitEquations(layers) {
    return DATA.layers.map((layer, k) => ({
      title: layer.title,
      units: layer.units.map((u, j) => ({
        name: u.name, activation: u.activation, biasSymbol: u.bias, bias: layers[k].b[j],
        terms: u.terms.map((t, i) => {
          const value = layers[k].w[i][j];
          return { source: t.source, weight: t.weight, value,
                   dropped: dropped(value, layers[k].dead[i][j] === 1) };
        }),
      })),
    }));
  }
  const sign = (v, minus) => (v < 0 ? minus : "+");
  const equationText = (unit, minus) =>
    unit.terms.filter((t) => !t.dropped).map((t) => sign(t.value, minus) + " " + t.source + t.weight)
      .join(" ") || "0";

  // --- the page's parts ----------------------------------------------------------------------

  const app = document.getElementById("app");
  app.replaceChildren();
  const many = DATA.states.length > 1;
  let current = DATA.states.length - 1;
  let discretize = DATA.view.discretize;

  // Replay controls.
  const controls = el("section", { class: "controls", "aria-label": "Replay" });
  const play = el("button", { type: "button", id: "play", "aria-pressed": "false" }, "Play");
  const slider = el("input", { type: "range", id: "epoch-slider", min: "0",
                               max: String(DATA.states.length - 1), step: "1", value: String(current),
                               "aria-label": "Snapshot" });
  const epochLabel = el("output", { id: "epoch", for: "epoch-slider" });
  if (many) controls.append(play, slider, epochLabel);
  else controls.append(el("p", {}, "Epoch " + DATA.epochs + ". Train with --snapshots N to replay the training here."));
  app.append(controls);

  const grid = el("div", { class: "grid" });
  app.append(grid);

  // The network.
  const netSection = el("section", { class: "network", "aria-labelledby": "network-title" },
                        el("h2", { id: "network-title" }, "Network"));
  const [left, right, bottom, top] = DATA.bounds;
  const net = svg("svg", { viewBox: [left, -top, right - left, top - bottom].join(" "),
                           role: "group", "aria-label": "The network: inputs, hidden units and output",
                           class: "net" });
  netSection.append(net);
  const linkLayer = svg("g"), nodeLayer = svg("g");
  net.append(linkLayer, nodeLayer);
  for (const [x, text] of DATA.headers) {
    const t = svg("text", { x, y: -(0.5 + 0.45), class: "header", "text-anchor": "middle" });
    t.textContent = text;
    net.append(t);
  }

  const info = el("aside", { class: "info", id: "info", "aria-live": "polite" });
  const infoTitle = el("h2", { id: "info-title" }, "Details");
  const infoBody = el("div", { id: "info-body" },
                      el("p", {}, "Hover over or tab to a link or a unit."));
  info.append(infoTitle, infoBody);

  const links = DATA.links.map((l, n) => {
    const p = l.points.map(([x, y]) => [x, -y]);
    const d = `M${p[0]} C${p[1]} ${p[2]} ${p[3]}`;
    const g = svg("g", { class: "link", tabindex: "0", "data-source": l.source, "data-dest": l.dest,
                         id: `link-${l.source}-${l.dest}`.replace(/[^\w-]/g, "_") });
    const line = svg("path", { d, class: "line", fill: "none" });
    const hit = svg("path", { d, class: "hit", fill: "none" });
    g.append(line, hit);
    const sources = DATA.layers[l.layer].units[0].terms.map((t) => t.source);
    const dests = DATA.layers[l.layer].units.map((u) => u.name);
    const item = { ...l, g, line, i: sources.indexOf(l.source), j: dests.indexOf(l.dest), n };
    g.addEventListener("mouseenter", () => showLink(item));
    g.addEventListener("focus", () => showLink(item));
    return item;
  });

  const BIAS_SIZE = 5 / 30, BIAS_GAP = 2 / 30, BIAS_DROP = 3 / 30;
  const nodes = DATA.nodes.map((nd) => {
    const g = svg("g", { class: "unit", tabindex: "0", id: "unit-" + nd.name.replace(/[^\w-]/g, "_"),
                         "data-name": nd.name, role: "img", "aria-label": (nd.layer ? "unit " : "input ") + nd.name });
    const image = svg("image", { x: nd.x - 0.5, y: -nd.y - 0.5, width: 1, height: 1,
                                 preserveAspectRatio: "none" });
    const frame = svg("rect", { x: nd.x - 0.5, y: -nd.y - 0.5, width: 1, height: 1, class: "frame" });
    const label = nd.layer === 0
      ? svg("text", { x: nd.x - 0.75, y: -nd.y, class: "label", "text-anchor": "end", "dominant-baseline": "central" })
      : svg("text", { x: nd.x, y: -nd.y + 0.62 + 0.25, class: "label", "text-anchor": "middle" });
    label.textContent = nd.name;
    g.append(image, frame, label);
    let bias = null;
    if (nd.layer > 0) {
      bias = svg("rect", { x: nd.x - 0.5 - BIAS_GAP - BIAS_SIZE, y: -(nd.y - 0.5 - BIAS_DROP) - BIAS_SIZE,
                           width: BIAS_SIZE, height: BIAS_SIZE, class: "bias" });
      g.append(bias);
    }
    nodeLayer.append(g);
    const item = { ...nd, g, image, bias };
    g.addEventListener("mouseenter", () => showUnit(item));
    g.addEventListener("focus", () => showUnit(item));
    return item;
  });
  grid.append(netSection, info);

  // The output's heatmap with the data.
  const outSection = el("section", { class: "output", "aria-labelledby": "output-title" },
                        el("h2", { id: "output-title" }, "Output"));
  const outCanvas = el("canvas", { id: "output-heatmap", width: String(N), height: String(N),
                                   role: "img", "aria-label": "The output over x1 and x2 from -6 to 6" });
  const overlay = svg("svg", { viewBox: `${LOW} ${LOW} ${HIGH - LOW} ${HIGH - LOW}`, class: "points",
                               "aria-hidden": "true" });
  const trainPoints = svg("g", { class: "train" }), testPoints = svg("g", { class: "test" });
  const dot = ([x, y, label]) => svg("circle", { cx: x, cy: -y, r: 0.14, fill: css(shade(label, false)) });
  DATA.train.forEach((p) => trainPoints.append(dot(p)));
  DATA.test.forEach((p) => testPoints.append(dot(p)));
  overlay.append(trainPoints, testPoints);
  const frame = el("div", { class: "heatmap" }, outCanvas, overlay);
  const showTest = el("input", { type: "checkbox", id: "show-test" });
  showTest.checked = DATA.view.show_test;
  const discreteBox = el("input", { type: "checkbox", id: "discretize" });
  discreteBox.checked = discretize;
  const bar = el("canvas", { class: "bar", width: "64", height: "1", "aria-hidden": "true" });
  {  // a 64 x 1 scale from -1 to +1
    bar.width = 64; bar.height = 1;
    const ctx = bar.getContext("2d"), img = ctx.createImageData(64, 1);
    for (let i = 0; i < 64; i++) {
      const c = heatmapColour(-1 + 2 * (i + 0.5) / 64, false);
      img.data.set([...c.map((v) => Math.round(255 * v)), 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }
  outSection.append(
    frame,
    el("p", { class: "axes" }, "x1 from " + MINUS + "6 (left) to 6 (right), x2 from " + MINUS + "6 (bottom) to 6 (top)."),
    el("p", { class: "scale" }, el("span", {}, MINUS + "1"), bar, el("span", {}, "+1")),
    el("p", { class: "toggles" },
       el("label", {}, showTest, " test points"), " ",
       el("label", {}, discreteBox, " two colours (by sign)")));
  grid.append(outSection);

  // The loss curves.
  const lossSection = el("section", { class: "loss", "aria-labelledby": "loss-title" },
                         el("h2", { id: "loss-title" }, "Loss"));
  const W = 320, H = 120, PAD = 28;
  const lossSvg = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "curves", role: "img",
                               "aria-label": "Training and test loss by epoch" });
  const maxLoss = Math.max(1e-12, ...DATA.loss.train, ...DATA.loss.test);
  const lossEpochs = DATA.loss.epochs;  // the epoch of each loss entry (a long run keeps every k-th)
  const spanEpochs = Math.max(lossEpochs[lossEpochs.length - 1], 1);
  /* The entry of the last kept loss at or before `epoch`. */
  const lossIndex = (epoch) => {
    let k = 0;
    while (k + 1 < lossEpochs.length && lossEpochs[k + 1] <= epoch) k++;
    return k;
  };
  const lx = (e) => PAD + (W - PAD - 8) * e / spanEpochs;
  const ly = (v) => H - 18 - (H - 26) * v / maxLoss;
  const curve = (values, cls) => svg("polyline", {
    class: cls, fill: "none", points: values.map((v, k) => `${lx(lossEpochs[k]).toFixed(2)},${ly(v).toFixed(2)}`).join(" ") });
  lossSvg.append(svg("line", { x1: PAD, y1: ly(0), x2: W - 8, y2: ly(0), class: "axis" }),
                 svg("line", { x1: PAD, y1: ly(0), x2: PAD, y2: ly(maxLoss), class: "axis" }),
                 curve(DATA.loss.train, "train"), curve(DATA.loss.test, "test"));
  const tick = (x, y, text, anchor) => {
    const t = svg("text", { x, y, "text-anchor": anchor, class: "tick" });
    t.textContent = text;
    lossSvg.append(t);
  };
  tick(PAD, H - 4, "0", "middle");
  tick(lx(spanEpochs), H - 4, String(lossEpochs[lossEpochs.length - 1]), "middle");
  tick(PAD - 4, ly(0) + 3, "0", "end");
  tick(PAD - 4, ly(maxLoss) + 3, maxLoss.toPrecision(2), "end");
  const marker = svg("line", { class: "marker", y1: ly(0), y2: ly(maxLoss) });
  lossSvg.append(marker);
  const lossText = el("p", { id: "loss-now", class: "legend" });
  lossSection.append(lossSvg, lossText);
  grid.append(lossSection);

  // The tables.
  const tableSection = el("section", { class: "tables", "aria-labelledby": "tables-title" },
                          el("h2", { id: "tables-title" }, "Learnt equations"));
  const tablesBox = el("div", { id: "tables" });
  tableSection.append(tablesBox);
  if (DATA.threshold > 0)
    tableSection.append(el("p", {}, "Links weaker than " + DATA.threshold + " are left out."));
  grid.append(tableSection);

  // --- showing a snapshot ---------------------------------------------------------------------

  function state() { return DATA.states[current]; }

  function showLink(item) {
    const layers = state().layers;
    const w = layers[item.layer].w[item.i][item.j];
    const why = dropped(w, layers[item.layer].dead[item.i][item.j] === 1);
    const symbol = DATA.layers[item.layer].units[item.j].terms[item.i].weight;
    const text = `${item.dest}: ${sign(w, MINUS)} ${item.source}${symbol}, w = ${num(w)}`;
    setActive(item.g);
    infoTitle.textContent = `Link ${item.source} \u2192 ${item.dest}`;
    infoBody.replaceChildren(
      el("p", { class: "term" }, text),
      el("p", {}, why ? "Left out of the table: " + DATA.dropped[why] + "."
                      : (w < 0 ? "Negative: orange." : "Positive: blue.") + " Epoch " + state().epoch + "."));
  }

  function showUnit(item) {
    setActive(item.g);
    const values = valuesOf(current)[item.layer][item.index];
    const big = paint(el("canvas", { class: "enlarged", role: "img",
                                     "aria-label": item.name + " over x1 and x2 from -6 to 6" }), values, N, discretize);
    infoTitle.textContent = (item.layer ? "Unit " : "Input ") + item.name;
    if (item.layer === 0) {
      infoBody.replaceChildren(el("p", { class: "equation" }, "Input feature " + item.name + "."), big);
      return;
    }
    const unit = unitEquations(state().layers)[item.layer - 1].units[item.index];
    const valueText = unit.terms.map((t) => t.weight + " = " + num(t.value) + (t.dropped ? " (" + DATA.dropped[t.dropped] + ")" : ""))
      .join(", ");
    infoBody.replaceChildren(
      el("p", { class: "equation" }, unit.name + " = " + unit.activation + "(" +
         equationText(unit, MINUS) + " " + sign(unit.bias, MINUS) + " " + unit.biasSymbol + ")"),
      el("p", { class: "values" }, valueText),
      el("p", { class: "bias" }, "bias " + unit.biasSymbol + " = " + num(unit.bias)),
      el("p", {}, "Epoch " + state().epoch + "."),
      big);
  }

  let active = null;
  function setActive(g) {
    if (active) active.classList.remove("active");
    active = g;
    g.classList.add("active");
  }

  function render() {
    const st = state();
    const layers = st.layers;
    const maps = valuesOf(current);
    // Links: coloured by sign, as wide as they are strong; the weak under the strong.
    const order = links.map((l) => {
      const w = layers[l.layer].w[l.i][l.j], dead = layers[l.layer].dead[l.i][l.j] === 1;
      l.line.setAttribute("stroke", dead ? "#cfd2d4" : css(colourScale(w)));
      l.line.setAttribute("stroke-width", dead ? 1 / 40 : linkWidth(w));
      l.line.classList.toggle("dead", dead);
      l.g.setAttribute("aria-label", `link ${l.source} to ${l.dest}, weight ${num(w)}` + (dead ? ", dead" : ""));
      return [dead ? 0 : 1, Math.abs(w), l];
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [, , l] of order) linkLayer.append(l.g);
    // Units: the small heatmap of their own output, and the bias.
    const tiny = document.createElement("canvas");
    for (const nd of nodes) {
      paint(tiny, blockMeans(maps[nd.layer][nd.index]), N / S.reduction, discretize);
      nd.image.setAttribute("href", tiny.toDataURL());
      if (nd.bias) nd.bias.setAttribute("fill", css(colourScale(layers[nd.layer - 1].b[nd.index])));
    }
    paint(outCanvas, maps[maps.length - 1][0], N, discretize);
    testPoints.classList.toggle("hidden", !showTest.checked);
    // Losses at this epoch.
    marker.setAttribute("x1", lx(st.epoch));
    marker.setAttribute("x2", lx(st.epoch));
    const at = lossIndex(st.epoch);
    lossText.textContent = `Epoch ${st.epoch}: training loss ${num(DATA.loss.train[at])}, ` +
      `test loss ${num(DATA.loss.test[at])}`;
    // Tables.
    tablesBox.replaceChildren(...unitEquations(layers).map((layer) => {
      const table = el("table", {}, el("caption", {}, layer.title),
                       el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Unit"),
                                         el("th", { scope: "col" }, "Equation"),
                                         el("th", { scope: "col" }, "Weights"),
                                         el("th", { scope: "col" }, "Bias"))));
      const body = el("tbody");
      for (const u of layer.units)
        body.append(el("tr", {}, el("th", { scope: "row" }, u.name), el("td", { class: "eq" }, equationText(u, "-")),
                       el("td", {}, u.terms.filter((t) => !t.dropped).map((t) => num(t.value)).join(" ")),
                       el("td", {}, num(u.bias))));
      table.append(body);
      return el("div", { class: "scroll" }, table);
    }));
    if (many) {
      slider.value = String(current);
      const text = `epoch ${st.epoch} of ${DATA.epochs}`;
      epochLabel.textContent = `Epoch ${st.epoch} of ${DATA.epochs} (snapshot ${current + 1} of ${DATA.states.length})`;
      slider.setAttribute("aria-valuetext", text);
    }
    if (active) active.dispatchEvent(new Event(active.classList.contains("unit") ? "refresh-unit" : "refresh-link"));
  }

  for (const l of links) l.g.addEventListener("refresh-link", () => showLink(l));
  for (const nd of nodes) nd.g.addEventListener("refresh-unit", () => showUnit(nd));

  function setState(index) {
    current = Math.max(0, Math.min(DATA.states.length - 1, index | 0));
    render();
  }

  let timer = null;
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
  }
  play.addEventListener("click", () => {
    if (timer !== null) return stop();
    if (current === DATA.states.length - 1) setState(0);
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (current >= DATA.states.length - 1) return stop();
      setState(current + 1);
    }, 350);
  });
  slider.addEventListener("input", () => { stop(); setState(Number(slider.value)); });
  showTest.addEventListener("change", () => testPoints.classList.toggle("hidden", !showTest.checked));
  discreteBox.addEventListener("change", () => { discretize = discreteBox.checked; render(); });

  render();

  // For scripts and tests: the page's own computation.
  window.nneq = {
    data: DATA,
    get state() { return current; },
    get epoch() { return state().epoch; },
    setState,
    forward,
    /* The network's output at each (x1, x2) of `points`, with the shown snapshot's weights. */
    outputAt: (points) => points.map(([x, y]) => forward(state().layers, x, y)[DATA.sizes.length - 1][0]),
    colour: heatmapColour,
  };
  document.documentElement.dataset.ready = "true";
})();
