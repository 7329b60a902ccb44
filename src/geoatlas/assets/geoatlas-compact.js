/* geoatlas compact layers: big layers as typed arrays drawn on a canvas of their own.
 *
 * The Python side (geoatlas/render/compact.py) writes each big layer as sections: typed
 * arrays, byte-shuffled, gzip-compressed and base64-encoded, or JSON lists. This file
 * decodes them with DecompressionStream (built into the browser, no network), draws the
 * features on a canvas (points as pre-rendered symbol sprites, lines and polygons as
 * paths, at the level of detail of the zoom), finds the feature under the mouse through a
 * grid index, and builds popups and tooltips with DOM nodes and textContent only: no
 * attribute value is ever parsed as HTML.
 *
 * Compact layers do not follow the time control: they show the latest status.
 */
(function () {
  "use strict";
  var GA = window.GeoAtlas;
  if (!GA) { return; }

  var TYPES = { u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array,
                i4: Int32Array, u4: Uint32Array, f8: Float64Array };
  var MISSING_INT = -2147483648;
  var URL_RE = /^https?:\/\/[^\s<>"']+$/i;
  var D2R = Math.PI / 180, MAXLAT = 85.0511287798;

  // -- decoding ------------------------------------------------------------------------
  function b64bytes(s) {
    var bin = atob(s), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  function decodeSection(meta) {
    var raw = b64bytes(meta.b);
    return (meta.z ? inflate(raw) : Promise.resolve(raw)).then(function (bytes) {
      if (meta.t === "json") { return JSON.parse(new TextDecoder().decode(bytes)); }
      var T = TYPES[meta.t], n = meta.n, w = T.BYTES_PER_ELEMENT, buf;
      if (w === 1) { buf = bytes; } else {
        buf = new Uint8Array(n * w);
        for (var b = 0; b < w; b++) {
          var base = b * n;
          for (var i = 0; i < n; i++) { buf[i * w + b] = bytes[base + i]; }
        }
      }
      var arr = new T(buf.buffer, buf.byteOffset, n);
      if (!meta.d) { return arr; }
      var out = new Int32Array(n), acc = 0;
      for (var k = 0; k < n; k++) { acc += arr[k]; out[k] = acc; }
      return out;
    });
  }

  function decodeAll(sections) {
    var names = Object.keys(sections);
    return Promise.all(names.map(function (n) { return decodeSection(sections[n]); }))
      .then(function (arrays) {
        var out = {};
        names.forEach(function (n, i) { out[n] = arrays[i]; });
        return out;
      });
  }

  // Web Mercator, normalised to [0, 1] (Leaflet's EPSG:3857 at zoom 0, divided by 256)
  function mercX(lon) { return lon / 360 + 0.5; }
  function mercY(lat) {
    lat = Math.max(Math.min(lat, MAXLAT), -MAXLAT);
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + lat * D2R / 2)) / (2 * Math.PI);
  }

  function prefix(counts) {
    var out = new Int32Array(counts.length + 1);
    for (var i = 0; i < counts.length; i++) { out[i + 1] = out[i] + counts[i]; }
    return out;
  }

  // -- number formatting: the same rules as the Python popups ---------------------------
  function pyExp(e) { return (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e); }

  function pyFloat(v) {  // str() of a Python float shown in a popup (integers as int)
    if (Number.isInteger(v)) { return BigInt(v).toString(); }
    var s = String(v);
    if (Math.abs(v) < 1e-4) {
      var e = v.toExponential(), k = e.indexOf("e");
      return e.slice(0, k) + "e" + pyExp(parseInt(e.slice(k + 1), 10));
    }
    return s;
  }

  function g3(x) {  // Python's f"{x:,.3g}" (the integer part never exceeds 3 digits here)
    if (x === 0) { return "0"; }
    var e = x.toExponential(2), k = e.indexOf("e"), exp = parseInt(e.slice(k + 1), 10);
    if (exp < -4 || exp >= 3) {
      var m = e.slice(0, k).replace(/\.?0+$/, "");
      return m + "e" + pyExp(exp);
    }
    var s = Number(e).toFixed(Math.max(0, 2 - exp));
    return s.indexOf(".") >= 0 ? s.replace(/\.?0+$/, "") : s;
  }

  function compactNumber(x) {
    var steps = [[1e12, " tn"], [1e9, " bn"], [1e6, " m"], [1e3, " k"]];
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(x) >= steps[i][0]) { return g3(x / steps[i][0]) + steps[i][1]; }
    }
    return g3(x);
  }

  // -- the layer -----------------------------------------------------------------------
  var PANES = { polygon: ["gaCompactPolygons", 350], line: ["gaCompactLines", 380],
                point: ["gaCompactPoints", 450] };

  var CompactLayer = L.Layer.extend({
    initialize: function (ga, ls) {
      this.ga = ga;
      this.ls = ls;
      this.c = ls.compact;
      this.kind = this.c.kind;
      this.ready = false;
      this.drawnAt = null;
      this.drawnCount = 0;
      var self = this;
      this.loading = decodeAll(this.c.sections).then(function (sec) {
        self.prepare(sec);
        self.ready = true;
        if (self._map) { self.redraw(); }
      }).catch(function (err) {
        console.error("geoatlas: cannot decode layer " + ls.title + ": " + err);
      });
    },

    // -- data --------------------------------------------------------------------------
    prepare: function (sec) {
      var c = this.c, n = c.n, q = c.q, i;
      this.sec = sec;
      this.sym = c.sym ? sec[c.sym] : null;
      this.fields = c.fields.map(function (f) {
        return { meta: f, data: sec[f.data], values: f.values ? sec[f.values] : null };
      });
      if (this.kind === "point") {
        var xs = sec[c.geometry.x], ys = sec[c.geometry.y];
        this.lon = new Float64Array(n); this.lat = new Float64Array(n);
        this.mx = new Float64Array(n); this.my = new Float64Array(n);
        for (i = 0; i < n; i++) {
          this.lon[i] = xs[i] / q; this.lat[i] = ys[i] / q;
          this.mx[i] = mercX(this.lon[i]); this.my[i] = mercY(this.lat[i]);
        }
        this.buildPointGrid();
      } else {
        this.levels = c.levels.map(function () { return null; });
      }
      this.sprites = {};
    },

    level: function (zoom) {  // the decoded level of detail drawn at this zoom
      var c = this.c, k = 0, j;
      for (j = 0; j < c.levels.length; j++) { if (c.levels[j].minzoom <= zoom) { k = j; } }
      if (this.levels[k]) { return this.levels[k]; }
      var lv = c.levels[k], sec = this.sec, q = c.q, n = c.n;
      var xs = sec[lv.x], ys = sec[lv.y], nv = xs.length;
      var mx = new Float64Array(nv), my = new Float64Array(nv);
      for (j = 0; j < nv; j++) { mx[j] = mercX(xs[j] / q); my[j] = mercY(ys[j] / q); }
      var ringStart = prefix(sec[lv.coords]);
      var partRings = lv.rings ? prefix(sec[lv.rings]) : null;
      var featParts = prefix(sec[lv.parts]);
      // rings of feature f: from featRing[f] to featRing[f + 1]
      var featRing = new Int32Array(n + 1);
      for (var f = 0; f <= n; f++) {
        featRing[f] = partRings ? partRings[featParts[f]] : featParts[f];
      }
      var bbox = new Float64Array(4 * n);
      for (f = 0; f < n; f++) {
        var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (var v = ringStart[featRing[f]]; v < ringStart[featRing[f + 1]]; v++) {
          if (mx[v] < x0) { x0 = mx[v]; } if (mx[v] > x1) { x1 = mx[v]; }
          if (my[v] < y0) { y0 = my[v]; } if (my[v] > y1) { y1 = my[v]; }
        }
        bbox[4 * f] = x0; bbox[4 * f + 1] = y0; bbox[4 * f + 2] = x1; bbox[4 * f + 3] = y1;
      }
      var out = { mx: mx, my: my, ringStart: ringStart, featRing: featRing, bbox: bbox };
      out.grid = this.buildBoxGrid(out);
      this.levels[k] = out;
      return out;
    },

    // -- spatial index: a uniform grid over the layer's extent in Mercator units -------
    gridFrame: function () {
      if (this._frame) { return this._frame; }
      var b = this.c.bbox, G = 256;
      var x0 = mercX(b[0]), x1 = mercX(b[2]), y0 = mercY(b[3]), y1 = mercY(b[1]);
      this._frame = { x0: x0, y0: y0, G: G, cw: Math.max(x1 - x0, 1e-12) / G,
                      ch: Math.max(y1 - y0, 1e-12) / G };
      return this._frame;
    },

    cellOf: function (v, o, size, G) {
      var c = Math.floor((v - o) / size);
      return c < 0 ? 0 : (c >= G ? G - 1 : c);
    },

    buildPointGrid: function () {
      var fr = this.gridFrame(), G = fr.G, n = this.c.n, cell = new Int32Array(n);
      var start = new Int32Array(G * G + 1), i;
      for (i = 0; i < n; i++) {
        cell[i] = this.cellOf(this.my[i], fr.y0, fr.ch, G) * G + this.cellOf(this.mx[i], fr.x0, fr.cw, G);
        start[cell[i] + 1]++;
      }
      for (i = 0; i < G * G; i++) { start[i + 1] += start[i]; }
      var fill = start.slice(0, G * G), items = new Int32Array(n);
      for (i = 0; i < n; i++) { items[fill[cell[i]]++] = i; }
      this.grid = { start: start, items: items };
    },

    buildBoxGrid: function (lv) {
      var fr = this.gridFrame(), G = fr.G, n = this.c.n, b = lv.bbox, self = this;
      var big = [], counts = new Int32Array(G * G + 1), f, cx, cy;
      function span(f) {
        return [self.cellOf(b[4 * f], fr.x0, fr.cw, G), self.cellOf(b[4 * f + 1], fr.y0, fr.ch, G),
                self.cellOf(b[4 * f + 2], fr.x0, fr.cw, G), self.cellOf(b[4 * f + 3], fr.y0, fr.ch, G)];
      }
      var spans = new Int32Array(4 * n);
      for (f = 0; f < n; f++) {
        var s = span(f);
        spans.set(s, 4 * f);
        if ((s[2] - s[0] + 1) * (s[3] - s[1] + 1) > 64) { big.push(f); continue; }
        for (cy = s[1]; cy <= s[3]; cy++) { for (cx = s[0]; cx <= s[2]; cx++) { counts[cy * G + cx + 1]++; } }
      }
      for (var i = 0; i < G * G; i++) { counts[i + 1] += counts[i]; }
      var fill = counts.slice(0, G * G), items = new Int32Array(counts[G * G]);
      for (f = 0; f < n; f++) {
        var a = spans.subarray(4 * f, 4 * f + 4);
        if ((a[2] - a[0] + 1) * (a[3] - a[1] + 1) > 64) { continue; }
        for (cy = a[1]; cy <= a[3]; cy++) { for (cx = a[0]; cx <= a[2]; cx++) { items[fill[cy * G + cx]++] = f; } }
      }
      return { start: counts, items: items, big: big };
    },

    // candidates near Mercator point (x, y) within r Mercator units
    candidates: function (grid, x, y, r, visit) {
      var fr = this.gridFrame(), G = fr.G;
      var cx0 = this.cellOf(x - r, fr.x0, fr.cw, G), cx1 = this.cellOf(x + r, fr.x0, fr.cw, G);
      var cy0 = this.cellOf(y - r, fr.y0, fr.ch, G), cy1 = this.cellOf(y + r, fr.y0, fr.ch, G);
      for (var cy = cy0; cy <= cy1; cy++) {
        for (var cx = cx0; cx <= cx1; cx++) {
          var c = cy * G + cx;
          for (var k = grid.start[c]; k < grid.start[c + 1]; k++) { visit(grid.items[k]); }
        }
      }
      if (grid.big) { grid.big.forEach(visit); }
    },

    // -- Leaflet layer -----------------------------------------------------------------
    onAdd: function (map) {
      var pane = PANES[this.kind] || PANES.point;
      if (!map.getPane(pane[0])) { map.createPane(pane[0]).style.zIndex = pane[1]; }
      this._canvas = L.DomUtil.create("canvas", "ga-compact leaflet-zoom-hide", map.getPane(pane[0]));
      this._canvas.style.pointerEvents = "none";
      this._canvas.setAttribute("data-layer", this.ls.id);
      map.on("moveend zoomend resize viewreset", this.redraw, this);
      map.on("preclick", this.onClick, this);
      map.on("mousemove", this.onMove, this);
      map.on("mouseout", this.hideTip, this);
      if (this.ready) { this.redraw(); }
    },

    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
      map.off("moveend zoomend resize viewreset", this.redraw, this);
      map.off("preclick", this.onClick, this);
      map.off("mousemove", this.onMove, this);
      map.off("mouseout", this.hideTip, this);
      this.hideTip();
    },

    view: function () {
      var map = this._map, size = map.getSize(), topLeft = map.containerPointToLayerPoint([0, 0]);
      var origin = map.getPixelOrigin(), zoom = map.getZoom();
      return { W: size.x, H: size.y, zoom: zoom, scale: 256 * Math.pow(2, zoom),
               ox: origin.x + topLeft.x, oy: origin.y + topLeft.y, topLeft: topLeft };
    },

    redraw: function () {
      if (!this._map || !this.ready || !this._canvas) { return; }
      var v = this.view(), dpr = window.devicePixelRatio || 1, cv = this._canvas;
      L.DomUtil.setPosition(cv, v.topLeft);
      cv.width = Math.round(v.W * dpr); cv.height = Math.round(v.H * dpr);
      cv.style.width = v.W + "px"; cv.style.height = v.H + "px";
      var ctx = cv.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, v.W, v.H);
      this._view = v;
      var drawn = this.kind === "point" ? this.drawPoints(ctx, v, dpr) : this.drawShapes(ctx, v);
      this.drawnCount = drawn.count;
      if (this.c.label !== null && drawn.list && drawn.list.length <= 400) {
        this.drawLabels(ctx, v, drawn.list);
      }
      if (this.drawnAt === null) {
        this.drawnAt = performance.now();
        document.documentElement.setAttribute("data-ga-drawn-" + this.ls.id, String(Math.round(this.drawnAt)));
      }
    },

    sprite: function (s, dpr) {
      var key = s + "@" + dpr;
      if (this.sprites[key]) { return this.sprites[key]; }
      var y = this.c.symbols[s], r = y.r, w = y.w || 0;
      var half = Math.ceil(r + w / 2 + 1), size = 2 * half;
      var cv = document.createElement("canvas");
      cv.width = Math.ceil(size * dpr); cv.height = Math.ceil(size * dpr);
      var ctx = cv.getContext("2d");
      ctx.scale(dpr, dpr);
      ctx.beginPath();
      ctx.arc(half, half, r, 0, 2 * Math.PI);
      if (y.fo > 0) { ctx.globalAlpha = y.fo; ctx.fillStyle = y.f; ctx.fill(); }
      if (w > 0) {
        ctx.globalAlpha = y.o; ctx.strokeStyle = y.c; ctx.lineWidth = w;
        if (y.d) { ctx.setLineDash(y.d.split(" ").map(Number)); }
        ctx.stroke();
      }
      this.sprites[key] = { canvas: cv, half: half, size: size };
      return this.sprites[key];
    },

    stamp: function (s, dpr) {  // a symbol's sprite as premultiplied pixels to blend
      var sp = this.sprite(s, dpr);
      if (sp.px) { return sp.px; }
      var w = sp.canvas.width, h = sp.canvas.height;
      var data = sp.canvas.getContext("2d").getImageData(0, 0, w, h).data;
      var dx = [], dy = [], rgba = [];
      for (var y = 0; y < h; y++) {
        for (var x = 0; x < w; x++) {
          var p = 4 * (y * w + x), a = data[p + 3] / 255;
          if (a <= 0) { continue; }
          dx.push(x); dy.push(y);
          rgba.push(data[p] / 255 * a, data[p + 1] / 255 * a, data[p + 2] / 255 * a, a);
        }
      }
      sp.px = { dx: Int32Array.from(dx), dy: Int32Array.from(dy), rgba: Float32Array.from(rgba),
                w: w, h: h, half: Math.round(sp.half * dpr) };
      return sp.px;
    },

    // Points are stamped into a premultiplied pixel buffer (what drawImage of the sprite at
    // whole pixels does, without a canvas call per point); a point whose symbol was the last
    // one stamped on its very pixel is skipped.
    drawPoints: function (ctx, v, dpr) {
      var n = this.c.n, mx = this.mx, my = this.my, sym = this.sym, W = v.W, H = v.H;
      var Wd = Math.round(W * dpr), Hd = Math.round(H * dpr);
      var pad = 20, occ = new Uint16Array(W * H), count = 0, list = [], stamps = [];
      for (var s = 0; s < this.c.symbols.length; s++) { stamps.push(this.stamp(s, dpr)); }
      var buf = new Float32Array(Wd * Hd * 4);
      for (var k = 0; k < n; k++) {
        var px = mx[k] * v.scale - v.ox, py = my[k] * v.scale - v.oy;
        if (px < -pad || py < -pad || px > W + pad || py > H + pad) { continue; }
        var sk = sym ? sym[k] : 0, ix = px | 0, iy = py | 0;
        if (ix >= 0 && iy >= 0 && ix < W && iy < H) {
          var o = iy * W + ix;
          if (occ[o] === sk + 1) { continue; }
          occ[o] = sk + 1;
        }
        var st = stamps[sk], x0 = Math.round(px * dpr) - st.half, y0 = Math.round(py * dpr) - st.half;
        var inside = x0 >= 0 && y0 >= 0 && x0 + st.w <= Wd && y0 + st.h <= Hd;
        var sdx = st.dx, sdy = st.dy, c = st.rgba, m = sdx.length;
        for (var j = 0; j < m; j++) {
          var x = x0 + sdx[j], y = y0 + sdy[j];
          if (!inside && (x < 0 || y < 0 || x >= Wd || y >= Hd)) { continue; }
          var p = 4 * (y * Wd + x), q = 4 * j, ia = 1 - c[q + 3];
          buf[p] = c[q] + buf[p] * ia;
          buf[p + 1] = c[q + 1] + buf[p + 1] * ia;
          buf[p + 2] = c[q + 2] + buf[p + 2] * ia;
          buf[p + 3] = c[q + 3] + buf[p + 3] * ia;
        }
        count++;
        if (list.length <= 400) { list.push(k); }
      }
      var img = ctx.createImageData(Wd, Hd), d = img.data;
      for (var i = 0; i < d.length; i += 4) {
        var a = buf[i + 3];
        if (a <= 0) { continue; }
        d[i] = buf[i] / a * 255; d[i + 1] = buf[i + 1] / a * 255; d[i + 2] = buf[i + 2] / a * 255;
        d[i + 3] = a * 255;
      }
      ctx.putImageData(img, 0, 0);
      return { count: count, list: list };
    },

    drawShapes: function (ctx, v) {
      var lv = this.level(v.zoom), n = this.c.n, sym = this.sym, b = lv.bbox;
      var x0 = v.ox / v.scale, y0 = v.oy / v.scale, x1 = (v.ox + v.W) / v.scale, y1 = (v.oy + v.H) / v.scale;
      var groups = this.c.symbols.map(function () { return []; }), count = 0, list = [];
      for (var f = 0; f < n; f++) {
        if (b[4 * f] > x1 || b[4 * f + 2] < x0 || b[4 * f + 1] > y1 || b[4 * f + 3] < y0) { continue; }
        groups[sym ? sym[f] : 0].push(f);
        count++;
        if (list.length <= 400) { list.push(f); }
      }
      var poly = this.kind === "polygon", self = this;
      ctx.lineJoin = "round"; ctx.lineCap = "round";
      groups.forEach(function (fs, s) {
        if (!fs.length) { return; }
        var y = self.c.symbols[s];
        ctx.beginPath();
        fs.forEach(function (f) { self.tracePath(ctx, lv, f, v); });
        if (poly && y.fo > 0) { ctx.globalAlpha = y.fo; ctx.fillStyle = y.f; ctx.fill("nonzero"); }
        if (y.w > 0) {
          ctx.globalAlpha = y.o; ctx.strokeStyle = y.c; ctx.lineWidth = y.w;
          ctx.setLineDash(y.d ? y.d.split(" ").map(Number) : []);
          ctx.stroke();
        }
      });
      ctx.globalAlpha = 1;
      return { count: count, list: list };
    },

    tracePath: function (ctx, lv, f, v) {
      var mx = lv.mx, my = lv.my, rs = lv.ringStart, poly = this.kind === "polygon";
      for (var r = lv.featRing[f]; r < lv.featRing[f + 1]; r++) {
        var lx = NaN, ly = NaN;
        for (var i = rs[r]; i < rs[r + 1]; i++) {
          var px = mx[i] * v.scale - v.ox, py = my[i] * v.scale - v.oy;
          if (i === rs[r]) { ctx.moveTo(px, py); lx = px; ly = py; continue; }
          if (Math.abs(px - lx) < 0.5 && Math.abs(py - ly) < 0.5 && i < rs[r + 1] - 1) { continue; }
          ctx.lineTo(px, py); lx = px; ly = py;
        }
        if (poly) { ctx.closePath(); }
      }
    },

    drawLabels: function (ctx, v, list) {
      var self = this;
      ctx.font = "12px sans-serif"; ctx.textBaseline = "middle"; ctx.lineJoin = "round";
      list.forEach(function (k) {
        var text = self.value(self.c.label, k);
        if (!text) { return; }
        var ll = self.anchor(k), p = self._map.latLngToContainerPoint(ll);
        var r = self.kind === "point" ? self.c.symbols[self.sym ? self.sym[k] : 0].r : 0;
        ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.strokeText(text, p.x + r + 4, p.y);
        ctx.fillStyle = "#222"; ctx.fillText(text, p.x + r + 4, p.y);
      });
    },

    // -- finding the feature under the mouse -------------------------------------------
    hit: function (latlng) {
      if (!this.ready || !this._map || !this._view) { return -1; }
      var v = this._view, x = mercX(latlng.lng), y = mercY(latlng.lat), best = -1, bestD = Infinity;
      var self = this;
      if (this.kind === "point") {
        var maxR = 0;
        this.c.symbols.forEach(function (s) { maxR = Math.max(maxR, s.r + (s.w || 0) / 2); });
        var tol = 3;
        this.candidates(this.grid, x, y, (maxR + tol) / v.scale, function (k) {
          var dx = (self.mx[k] - x) * v.scale, dy = (self.my[k] - y) * v.scale;
          var s = self.c.symbols[self.sym ? self.sym[k] : 0];
          var d = Math.sqrt(dx * dx + dy * dy);
          if (d <= s.r + (s.w || 0) / 2 + tol && (d < bestD - 0.5 || (d < bestD + 0.5 && k > best))) {
            best = k; bestD = d;
          }
        });
        return best;
      }
      var lv = this.level(v.zoom), tolPx = 4;
      this.candidates(lv.grid, x, y, tolPx / v.scale, function (f) {
        var b = lv.bbox, pad = tolPx / v.scale;
        if (x < b[4 * f] - pad || x > b[4 * f + 2] + pad || y < b[4 * f + 1] - pad || y > b[4 * f + 3] + pad) { return; }
        if (self.kind === "polygon") {
          if (self.inside(lv, f, x, y) && f > best) { best = f; bestD = 0; }
          return;
        }
        var s = self.c.symbols[self.sym ? self.sym[f] : 0];
        var d = self.lineDistance(lv, f, x, y) * v.scale;
        if (d <= s.w / 2 + tolPx && d < bestD) { best = f; bestD = d; }
      });
      return best;
    },

    inside: function (lv, f, x, y) {
      var mx = lv.mx, my = lv.my, rs = lv.ringStart, c = false;
      for (var r = lv.featRing[f]; r < lv.featRing[f + 1]; r++) {
        for (var i = rs[r], j = rs[r + 1] - 1; i < rs[r + 1]; j = i++) {
          if ((my[i] > y) !== (my[j] > y) &&
              x < (mx[j] - mx[i]) * (y - my[i]) / (my[j] - my[i]) + mx[i]) { c = !c; }
        }
      }
      return c;
    },

    lineDistance: function (lv, f, x, y) {
      var mx = lv.mx, my = lv.my, rs = lv.ringStart, best = Infinity;
      for (var r = lv.featRing[f]; r < lv.featRing[f + 1]; r++) {
        for (var i = rs[r]; i < rs[r + 1] - 1; i++) {
          var ax = mx[i], ay = my[i], dx = mx[i + 1] - ax, dy = my[i + 1] - ay;
          var len = dx * dx + dy * dy, t = len > 0 ? ((x - ax) * dx + (y - ay) * dy) / len : 0;
          t = Math.max(0, Math.min(1, t));
          var ex = ax + t * dx - x, ey = ay + t * dy - y, d = Math.sqrt(ex * ex + ey * ey);
          if (d < best) { best = d; }
        }
      }
      return best;
    },

    anchor: function (k) {  // where a feature's popup points
      if (this.kind === "point") { return L.latLng(this.lat[k], this.lon[k]); }
      return this.bounds(k).getCenter();
    },

    bounds: function (k) {
      var lv = this.level(this._map ? this._map.getZoom() : 99), b = lv.bbox;
      var unproject = function (mx, my) {
        var lat = (2 * Math.atan(Math.exp((0.5 - my) * 2 * Math.PI)) - Math.PI / 2) / D2R;
        return L.latLng(lat, (mx - 0.5) * 360);
      };
      return L.latLngBounds(unproject(b[4 * k], b[4 * k + 3]), unproject(b[4 * k + 2], b[4 * k + 1]));
    },

    onClick: function (e) {
      var k = this.hit(e.latlng), self = this;
      if (k < 0) { return; }
      // on "preclick", and opened once the click has reached every layer: a layer below
      // that opens its own popup (and stops the click) gives way to the feature on top
      window.setTimeout(function () {
        self.openPopup(k, self.kind === "point" ? self.anchor(k) : e.latlng);
      }, 0);
    },

    onMove: function (e) {
      this._lastMove = e.latlng;
      if (this._moveQueued) { return; }
      this._moveQueued = true;
      var self = this;
      window.requestAnimationFrame(function () {
        self._moveQueued = false;
        if (!self._map) { return; }
        var k = self.hit(self._lastMove);
        self._map.getContainer().style.cursor = k >= 0 ? "pointer" : "";
        if (k < 0) { self.hideTip(); return; }
        var text = self.tooltipText(k);
        if (!text) { self.hideTip(); return; }
        if (!self._tip) { self._tip = L.tooltip({ className: "ga-tip", direction: "top", offset: [0, -6] }); }
        var node = document.createElement("span");
        node.textContent = text;
        self._tip.setLatLng(self.kind === "point" ? self.anchor(k) : self._lastMove).setContent(node);
        self._map.openTooltip(self._tip);
      });
    },

    hideTip: function () {
      if (this._tip && this._map) { this._map.closeTooltip(this._tip); }
      if (this._map) { this._map.getContainer().style.cursor = ""; }
    },

    // -- attribute values and popups ----------------------------------------------------
    value: function (fi, k) {
      var f = this.fields[fi], m = f.meta;
      if (m.type === "dict") { return f.values[f.data[k]]; }
      var x = f.data[k];
      if (m.type === "int") {
        if (x === MISSING_INT) { return ""; }
        x = m.scale >= 0 ? x / Math.pow(10, m.scale) : x * Math.pow(10, -m.scale);
      } else if (isNaN(x)) { return ""; }
      return m.fmt === "money" ? "$" + compactNumber(x) : pyFloat(x);
    },

    tooltipText: function (k) {
      var self = this;
      return this.c.tooltip.map(function (fi) { return self.value(fi, k); })
        .filter(function (t) { return t; }).join(" \u00b7 ");
    },

    popupNode: function (k) {
      var c = this.c, self = this;
      function add(tag, cls, parent, text) {
        var e = document.createElement(tag);
        if (cls) { e.className = cls; }
        if (text !== undefined) { e.textContent = text; }
        if (parent) { parent.appendChild(e); }
        return e;
      }
      function linkOrText(parent, value, label) {
        if (URL_RE.test(value.trim())) {
          var a = add("a", "", parent, label === undefined ? value : label);
          a.href = value.trim(); a.target = "_blank"; a.rel = "noopener noreferrer";
        } else { parent.appendChild(document.createTextNode(value)); }
      }
      var root = add("div", "ga-popup");
      root.setAttribute("data-feature", String(k));
      add("h3", "", root, this.value(c.title, k));
      if (c.quality !== null) {
        var q = this.value(c.quality, k);
        if (c.badges[q]) { add("span", "ga-q", root, c.badges[q]); }
      }
      var rows = c.popup.map(function (fi) { return [fi, self.value(fi, k)]; })
        .filter(function (r) { return r[1]; });
      if (rows.length) {
        var table = add("table", "", root);
        rows.forEach(function (r) {
          var tr = add("tr", "", table), meta = self.fields[r[0]].meta;
          add("th", "", tr, meta.label);
          var td = add("td", "", tr);
          if (meta.link) { linkOrText(td, r[1]); } else { td.textContent = r[1]; }
        });
      }
      if (c.sources) {
        var ids = this.value(c.sources.field, k).split(";").filter(function (s) { return s; });
        var unq = c.sources.unquoted === null || c.sources.unquoted === undefined ? []
          : this.value(c.sources.unquoted, k).split(";");
        if (ids.length) {
          add("h4", "", root, "Sources");
          var ol = add("ol", "", root);
          ids.forEach(function (sid) {
            var li = add("li", "", ol), s = c.sources.table[sid];
            if (!s) { li.textContent = sid; return; }
            // the title, linked when the document has an http(s) URL; never its file name
            if (s[4] && URL_RE.test(s[4].trim())) { linkOrText(li, s[4], s[0]); }
            else { add("b", "", li, s[0]); }
            var meta = [s[1], s[2] || "undated"].filter(function (t) { return t; }).join(", ");
            li.appendChild(document.createTextNode(" \u2014 " + meta));
            if (unq.indexOf(sid) >= 0) {  // cited as a whole, no supporting sentence
              li.appendChild(document.createTextNode(" "));
              add("span", "ga-unquoted", li, "unquoted").title = c.sources.unquotedTitle;
            }
          });
        }
      }
      return root;
    },

    openPopup: function (k, latlng) {
      if (!this._map) { return; }
      this.popup = L.popup(this.ga.popupOptions ? this.ga.popupOptions()
                           : { maxWidth: 420, maxHeight: 360, className: "ga-popup-wrap" })
        .setLatLng(latlng || this.anchor(k)).setContent(this.popupNode(k));
      this.popup.openOn(this._map);
      this.popupFeature = k;
    },

    // -- search ------------------------------------------------------------------------
    search: function (q, limit) {
      if (!this.ready) { return []; }
      var f = this.fields[this.c.title], self = this, out = [];
      if (f.meta.type !== "dict") { return out; }
      var match = f.values.map(function (t) { return t.toLowerCase().indexOf(q) >= 0; });
      for (var k = 0; k < this.c.n && out.length < limit; k++) {
        if (!match[f.data[k]]) { continue; }
        out.push({ text: f.values[f.data[k]], name: f.values[f.data[k]], entry: this.entry,
                   layer: this.proxy(k) });
      }
      return out;
    },

    proxy: function (k) {  // what the search control needs of a feature
      var self = this, p = {
        getPopup: function () { return true; },
        openPopup: function (ll) { self.openPopup(k, ll); }
      };
      if (this.kind === "point") { p.getLatLng = function () { return self.anchor(k); }; }
      else { p.getBounds = function () { return self.bounds(k); }; }
      return p;
    }
  });

  // The entry GeoAtlas keeps for a compact layer (like a GeoJSON layer's).
  function entry(ga, ls) {
    var layer = new CompactLayer(ga, ls);
    var e = { spec: ls, group: layer, features: [], compact: layer,
              search: function (q, limit) { return layer.search(q, limit); } };
    layer.entry = e;
    if (ls.visible) { layer.addTo(ga.map); }
    return e;
  }

  window.GeoAtlasCompact = { entry: entry, CompactLayer: CompactLayer, decodeSection: decodeSection,
                             compactNumber: compactNumber, pyFloat: pyFloat };
})();
