/* geoatlas web map runtime: basemap, layers, labels, controls, time, permalink.
 * Leaflet 1.9 plus the vendored plugins (leaflet-hash, leaflet-minimap,
 * Leaflet.PolylineMeasure); no network.
 *
 * Data arrives as JSON (a <script type="application/json"> block). Text from the data is
 * shown with textContent inside <bdi> elements; the only HTML this file inserts is what
 * Python escaped in geoatlas.htmlsafe (popups, legends, header, sources panel).
 */
(function () {
  "use strict";

  var NARROW = "(max-width: 600px)";

  function el(tag, cls, parent) {
    return L.DomUtil.create(tag, cls || "", parent);
  }

  function bdi(text, parent) {  // data text, isolated from its neighbours' direction
    var b = document.createElement("bdi");
    b.textContent = text;
    if (parent) { parent.appendChild(b); }
    return b;
  }

  // Same rule as geoatlas.timeline.status_at (Python): keep the two in step.
  function statusAt(h, when) {
    if (!h || !h.length) { return null; }
    if (when === null) { return h[h.length - 1][1]; }
    var dated = h.filter(function (t) { return t[0] !== null; });
    if (!dated.length) { return h[h.length - 1][1]; }
    var past = dated.filter(function (t) { return t[0] <= when; });
    return past.length ? past[past.length - 1][1] : null;
  }

  function styleOf(y) {
    return {
      color: y.c, fillColor: y.f, weight: y.w, opacity: y.o, fillOpacity: y.fo,
      dashArray: y.d || null, radius: y.r
    };
  }

  // Geodesic distance on the WGS84 ellipsoid (Vincenty's inverse formula), in metres.
  // Leaflet's own is spherical; the scale bar and the measure tool use this one.
  function vincenty(a, b) {
    var f = 1 / 298.257223563, A = 6378137, B = A * (1 - f);
    var rad = Math.PI / 180, Lm = (b.lng - a.lng) * rad;
    var U1 = Math.atan((1 - f) * Math.tan(a.lat * rad)), U2 = Math.atan((1 - f) * Math.tan(b.lat * rad));
    var sU1 = Math.sin(U1), cU1 = Math.cos(U1), sU2 = Math.sin(U2), cU2 = Math.cos(U2);
    var lam = Lm, prev, sS, cS, sig, sA, c2A, c2m, C, iter = 0;
    do {
      var sl = Math.sin(lam), cl = Math.cos(lam);
      sS = Math.sqrt((cU2 * sl) * (cU2 * sl) + (cU1 * sU2 - sU1 * cU2 * cl) * (cU1 * sU2 - sU1 * cU2 * cl));
      if (sS === 0) { return 0; }
      cS = sU1 * sU2 + cU1 * cU2 * cl;
      sig = Math.atan2(sS, cS);
      sA = cU1 * cU2 * sl / sS;
      c2A = 1 - sA * sA;
      c2m = c2A ? cS - 2 * sU1 * sU2 / c2A : 0;
      C = f / 16 * c2A * (4 + f * (4 - 3 * c2A));
      prev = lam;
      lam = Lm + (1 - C) * f * sA * (sig + C * sS * (c2m + C * cS * (-1 + 2 * c2m * c2m)));
    } while (Math.abs(lam - prev) > 1e-12 && ++iter < 200);
    if (iter >= 200) { return NaN; }  // nearly antipodal: the caller falls back to the sphere
    var u2 = c2A * (A * A - B * B) / (B * B);
    var kA = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    var kB = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    var dS = kB * sS * (c2m + kB / 4 * (cS * (-1 + 2 * c2m * c2m) -
      kB / 6 * c2m * (-3 + 4 * sS * sS) * (-3 + 4 * c2m * c2m)));
    return B * kA * (sig - dS);
  }
  var sphereDistance = L.CRS.Earth.distance;
  function sphere(a, b) { return sphereDistance.call(L.CRS.Earth, a, b); }
  L.CRS.Earth.distance = function (a, b) {
    a = L.latLng(a); b = L.latLng(b);
    var d = vincenty(a, b);
    return isFinite(d) ? d : sphere(a, b);
  };

  // options.permalink: keep the view, layers and date in the URL hash (the web map page
  // asks for it; a page that drives the map itself, like a story map, does not).
  function GeoAtlas(map, spec, options) {
    this.map = map;
    this.spec = spec;
    this.options = options || {};
    this.when = spec.timeline ? spec.timeline.start : null;
    this.layers = [];
    this.index = [];
    this.labels = [];
    window.geoatlas = this;  // one map per page: handy for tests and the console
    this.build();
  }

  // A click or tap goes to the feature nearest to it, not to whichever was drawn last:
  // with a touch-sized tolerance, a small deposit beside a big one must not steal its taps.
  var Canvas = L.Canvas.extend({
    _onClick: function (e) {
      var point = this._map.mouseEventToLayerPoint(e), best = null, bestD = Infinity;
      for (var order = this._drawFirst; order; order = order.next) {
        var layer = order.layer;
        if (!layer.options.interactive || !layer._containsPoint(point)) { continue; }
        if ((e.type === "click" || e.type === "preclick") && this._map._draggableMoved(layer)) { continue; }
        var d = layer._point ? layer._point.distanceTo(point) - layer._radius : 0;
        if (d <= bestD) { bestD = d; best = layer; }
      }
      this._fireEvent(best ? [best] : false, e);
    }
  });

  GeoAtlas.start = function (mapId, specId) {
    var spec = JSON.parse(document.getElementById(specId).textContent);
    var map = L.map(mapId, { zoomControl: false, preferCanvas: true,
                             renderer: new Canvas({ tolerance: 6, padding: 0.5 }),
                             maxBounds: spec.basemap.sea, maxBoundsViscosity: 1 });
    // never zoomed out beyond one world's width: no empty edge past the antimeridian
    map.setMinZoom(Math.max(0, Math.ceil(Math.log(map.getSize().x / 256) / Math.LN2)));
    map.fitBounds(spec.bounds);
    return new GeoAtlas(map, spec, { permalink: true });
  };

  GeoAtlas.prototype.build = function () {
    var self = this, map = this.map, spec = this.spec;
    map.createPane("basemap").style.zIndex = 200;
    map.createPane("labels").style.zIndex = 640;
    this.basemap();
    this.tiles = spec.tiles.map(function (t) {
      return { name: t.name, layer: L.tileLayer(t.url, { attribution: t.attribution, maxZoom: 18 }) };
    });
    spec.layers.forEach(function (ls) { self.addLayer(ls); });
    this.basemapLabels();
    this.controls();
    this.permalink();
    this.applyTime();
    map.on("zoomend moveend", function () { self.placeLabels(); });
    this.placeLabels();
  };

  // -- basemap -------------------------------------------------------------------------
  GeoAtlas.prototype.basemap = function () {
    var map = this.map, b = this.spec.basemap, pal = b.palette, w = pal.widths || {};
    var fills = { f: pal.focus, n: pal.neighbour, c: pal.land };
    // the sea, over the extent the basemap covers: beyond it the page background shows
    L.rectangle(b.sea, { pane: "basemap", interactive: false, stroke: false,
                         fillColor: pal.sea, fillOpacity: 1 }).addTo(map);
    L.geoJSON(b, {
      pane: "basemap", interactive: false,
      filter: function (f) { return "fnc".indexOf(f.properties.k) >= 0; },
      style: function (f) {
        return { color: pal.border, weight: (w.border || 0.9) * (f.properties.k === "f" ? 1.4 : 1),
                 fillColor: fills[f.properties.k], fillOpacity: 1 };
      }
    }).addTo(map);
    L.geoJSON(b, {
      pane: "basemap", interactive: false,
      filter: function (f) { return f.properties.k === "w" || f.properties.k === "r"; },
      style: function (f) {
        return f.properties.k === "w"
          ? { stroke: false, fillColor: pal.lakes, fillOpacity: 1 }
          : { color: pal.rivers, weight: w.rivers || 0.6, fill: false };
      }
    }).addTo(map);
    var lines = L.geoJSON(b, {
      pane: "basemap", interactive: false,
      filter: function (f) { return f.properties.k === "p"; },
      style: function () { return { color: pal.province, weight: w.province || 0.5, fill: false }; }
    });
    function provincesByZoom() {
      if (map.getZoom() >= 5) { lines.addTo(map); } else { map.removeLayer(lines); }
    }
    map.on("zoomend", provincesByZoom);
    provincesByZoom();
    // label colours and halos of the style spec
    var root = map.getContainer().style;
    root.setProperty("--ga-label", pal.label);
    root.setProperty("--ga-country-label", pal.country_label);
    root.setProperty("--ga-halo", pal.halo);
  };

  // -- feature layers ----------------------------------------------------------------------
  GeoAtlas.prototype.addLayer = function (ls) {
    var self = this;
    if (ls.image) {  // a raster product: one image placed by its lat/lon bounds
      var img = L.featureGroup([L.imageOverlay(ls.image, ls.bounds,
        { opacity: ls.opacity, interactive: false })]);
      if (ls.visible) { img.addTo(this.map); }
      this.layers.push({ spec: ls, group: img, features: [] });
      return;
    }
    if (ls.compact) {  // a big layer: typed arrays on a canvas (geoatlas-compact.js)
      this.layers.push(window.GeoAtlasCompact.entry(this, ls));
      return;
    }
    var group = L.featureGroup();
    var entry = { spec: ls, group: group, features: [] };
    L.geoJSON(ls.data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, styleOf(f.properties.y));
      },
      style: function (f) { return styleOf(f.properties.y); },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        if (p.p) {
          layer.bindPopup(p.p, self.popupOptions());
          // Leaflet re-renders the content when an open popup is opened again
          layer.getPopup().on("contentupdate", function () { self.refreshPopup(this); });
        }
        if (p.t) { layer.bindTooltip(p.t, { sticky: true, className: "ga-tip" }); }
        layer.feature = f;
        entry.features.push(layer);
        group.addLayer(layer);
        if (p.l) {
          self.addLabel({ t: p.l, ll: p.la, k: p.lk, z: p.lz, p: p.lp,
                          id: ls.layer + ":" + p.i, entry: entry, feature: layer });
        }
        if (p.n) { self.index.push({ text: p.s || p.n, name: p.n, layer: layer, entry: entry }); }
      }
    });
    group.on("popupopen", function (e) { self.refreshPopup(e.popup); });
    if (ls.visible) { group.addTo(this.map); }
    this.layers.push(entry);
  };

  // Popups fit the screen and pan clear of the controls (on a phone too).
  GeoAtlas.prototype.popupOptions = function () {
    var size = this.map.getSize(), narrow = size.x <= 600;
    // widths are of the content: the popup adds 44 px of padding around it
    return { maxWidth: Math.min(380, size.x - 114), minWidth: Math.min(240, size.x - 130),
             maxHeight: Math.min(340, Math.round(size.y * 0.55)), className: "ga-popup-wrap",
             autoPanPaddingTopLeft: narrow ? [48, 64] : [60, 20],
             autoPanPaddingBottomRight: narrow ? [12, 70] : [20, 20] };
  };

  GeoAtlas.prototype.isOn = function (entry) { return this.map.hasLayer(entry.group); };

  GeoAtlas.prototype.setVisible = function (entry, on) {
    if (on) { entry.group.addTo(this.map); } else { this.map.removeLayer(entry.group); }
    this.syncLegend();
    this.syncLayerBoxes();
    this.placeLabels();
    if (this.hash) { this.hash.onMapMove(); }
  };

  GeoAtlas.prototype.openFeature = function (layer) {
    if (!layer.getPopup || !layer.getPopup()) { return; }
    layer.openPopup(layer.getLatLng ? layer.getLatLng() : undefined);
  };

  // -- labels: permanent, collision-aware, by zoom ----------------------------------------
  GeoAtlas.prototype.addLabel = function (item) {
    var self = this;
    var node = document.createElement("div");
    node.className = "ga-label-text";
    bdi(item.t, node);
    item.anchors = typeof item.ll[0] === "number" ? [item.ll] : item.ll;
    item.ll = item.anchors[0];
    var marker = L.marker(item.ll, {
      pane: "labels", keyboard: !!item.feature, interactive: !!item.feature,
      icon: L.divIcon({ className: "ga-label ga-label-" + item.k, html: node, iconSize: null }),
      title: "", alt: ""
    });
    item.marker = marker;
    item.node = node;
    if (item.feature) {
      marker.on("click", function () { self.openFeature(item.feature); });
      marker.on("add", function () {
        var icon = marker.getElement();
        icon.setAttribute("role", "button");
        icon.setAttribute("aria-label", item.t);
        L.DomEvent.on(icon, "keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") {
            L.DomEvent.preventDefault(e);
            self.openFeature(item.feature);
          }
        });
      });
    }
    this.labels.push(item);
  };

  GeoAtlas.prototype.basemapLabels = function () {
    var self = this;
    (this.spec.basemap.labels || []).forEach(function (l) {
      self.addLabel({ t: l.t, ll: l.ll, k: l.k, z: l.z, p: l.p, id: l.id });
    });
  };

  // Greedy placement by priority, as on the static map: a label that overlaps one already
  // placed (or a control, or the edge) tries the other sides of its anchor, then hides.
  GeoAtlas.prototype.placeLabels = function () {
    var self = this, map = this.map, zoom = map.getZoom();
    var size = map.getSize(), placed = [], seen = {};
    var blockers = Array.prototype.map.call(
      map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
        var r = c.getBoundingClientRect(), o = map.getContainer().getBoundingClientRect();
        return { x0: r.left - o.left, y0: r.top - o.top, x1: r.right - o.left, y1: r.bottom - o.top };
      });
    function hits(b, list) {
      for (var i = 0; i < list.length; i++) {
        var o = list[i];
        if (b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0) { return true; }
      }
      return false;
    }
    // the point symbols drawn: a label may not cover another feature's symbol
    var symbols = [];
    this.layers.forEach(function (e) {
      if (!e.features.length || e.features.length > 3000 || !self.isOn(e)) { return; }
      e.features.forEach(function (f) {
        if (!f.getLatLng || !e.group.hasLayer(f)) { return; }
        var q = map.latLngToContainerPoint(f.getLatLng()), rr = (f.options.radius || 4) + 1;
        symbols.push({ x0: q.x - rr, y0: q.y - rr, x1: q.x + rr, y1: q.y + rr, f: f });
      });
    });
    function hitsSymbol(b, own) {
      for (var i = 0; i < symbols.length; i++) {
        var o = symbols[i];
        if (o.f !== own && b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0) { return true; }
      }
      return false;
    }
    var items = this.labels.slice().sort(function (a, b) { return b.p - a.p || (a.t < b.t ? -1 : 1); });
    items.forEach(function (item) {
      var want = zoom >= item.z && !seen[item.id] &&
        (!item.entry || (self.isOn(item.entry) && item.entry.group.hasLayer(item.feature)));
      if (!want) {
        if (map.hasLayer(item.marker)) { map.removeLayer(item.marker); }
        return;
      }
      if (!map.hasLayer(item.marker)) { item.marker.addTo(map); }
      var node = item.node;
      if (!item.w) { item.w = node.offsetWidth; item.h = node.offsetHeight; }
      var w = item.w, h = item.h;
      var point = item.feature && item.feature.getLatLng;
      var r = point && item.feature.options.radius ? item.feature.options.radius + 3 : 4;
      var spots = point
        ? [[r, -h / 2], [-r - w, -h / 2], [-w / 2, -r - h], [-w / 2, r], [r, -h], [r, 0], [-r - w, -h], [-r - w, 0]]
        : [[-w / 2, -h / 2], [-w / 2, -h - 4], [-w / 2, 4]];
      var ok = null;
      for (var a = 0; a < item.anchors.length && !ok; a++) {
        var pt = map.latLngToContainerPoint(item.anchors[a]);
        for (var i = 0; i < spots.length; i++) {
          var b = { x0: pt.x + spots[i][0] - 1, y0: pt.y + spots[i][1] - 1,
                    x1: pt.x + spots[i][0] + w + 1, y1: pt.y + spots[i][1] + h + 1 };
          if (b.x0 < 0 || b.y0 < 0 || b.x1 > size.x || b.y1 > size.y) { continue; }
          if (hits(b, placed) || hits(b, blockers) || hitsSymbol(b, item.feature)) { continue; }
          ok = [spots[i], b, item.anchors[a]];
          break;
        }
      }
      if (!ok) { map.removeLayer(item.marker); return; }
      if (!item.marker.getLatLng().equals(ok[2])) { item.marker.setLatLng(ok[2]); }
      node.style.transform = "translate(" + ok[0][0] + "px," + ok[0][1] + "px)";
      placed.push(ok[1]);
      seen[item.id] = true;
    });
  };

  // -- time --------------------------------------------------------------------------------
  GeoAtlas.prototype.setWhen = function (when) {
    this.when = when;
    this.applyTime();
    if (this.hash) { this.hash.onMapMove(); }
  };

  GeoAtlas.prototype.applyTime = function () {
    var when = this.when, self = this;
    this.layers.forEach(function (entry) {
      if (!entry.spec.timeline) { return; }
      entry.features.forEach(function (layer) {
        var p = layer.feature.properties;
        if (!p.h) { return; }
        var st = statusAt(p.h, when);
        if (st === null && !entry.spec.keep) {
          if (entry.group.hasLayer(layer)) { entry.group.removeLayer(layer); }
        } else if (st === null) {
          layer.setStyle(styleOf(p.y));
        } else {
          if (!entry.group.hasLayer(layer)) { entry.group.addLayer(layer); }
          var y = (p.ys && p.ys[st]) || p.y;
          layer.setStyle(styleOf(y));
        }
        layer._gaStatus = st;
      });
    });
    if (this.timeLabel) {
      this.timeLabel.textContent = when === null ? "latest known status" : "status as of " + when;
    }
    if (this.timeInput) {  // the slider shows the last change on or before the date
      var dates = this.spec.timeline.dates, k = 0;
      while (k < dates.length && when !== null && dates[k] <= when) { k++; }
      this.timeInput.value = when === null ? dates.length : Math.max(0, k - 1);
    }
    this.map.eachLayer(function (l) { if (l.isPopupOpen && l.isPopupOpen()) { self.refreshPopup(l.getPopup()); } });
    document.documentElement.setAttribute("data-ga-when", when === null ? "latest" : when);
    this.placeLabels();
  };

  GeoAtlas.prototype.refreshPopup = function (popup) {
    var when = this.when;
    var node = popup.getElement();
    if (!node) { return; }
    var spans = node.querySelectorAll("[data-h]");
    Array.prototype.forEach.call(spans, function (s) {
      var st = statusAt(JSON.parse(s.getAttribute("data-h")), when);
      s.textContent = st === null ? "not yet" : st.replace(/_/g, " ");
      s.setAttribute("data-status", st === null ? "none" : st);
    });
    Array.prototype.forEach.call(node.querySelectorAll(".ga-summary .ga-asof"), function (s) {
      s.textContent = when === null ? " (latest known)" : " (as of " + when + ")";
    });
  };

  // -- permalink: view, visible layers and date in the URL hash (leaflet-hash) ------------
  GeoAtlas.prototype.permalink = function () {
    if (!L.Hash || !this.options.permalink) { return; }
    var self = this;
    var Hash = function (map) { L.Hash.call(this, map); };
    Hash.prototype = Object.create(L.Hash.prototype);
    Hash.prototype.formatHash = function (map) {
      var base = L.Hash.formatHash(map);
      var on = self.layers.filter(function (e) { return self.isOn(e); })
        .map(function (e) { return e.spec.id; });
      var parts = [base, "layers=" + (on.join(",") || "-")];
      if (self.spec.timeline) { parts.push("date=" + (self.when === null ? "latest" : self.when)); }
      return parts.join("&");
    };
    Hash.prototype.parseHash = function (hash) {
      var bits = hash.replace(/^#/, "").split("&"), view = L.Hash.parseHash(bits[0]);
      var out = view || {};
      bits.slice(1).forEach(function (b) {
        var kv = b.split("=");
        if (kv[0] === "layers") { out.layers = kv[1] === "-" ? [] : kv[1].split(","); }
        if (kv[0] === "date") { out.date = decodeURIComponent(kv[1] || ""); }
      });
      return (view || out.layers || out.date) ? out : false;
    };
    Hash.prototype.update = function () {
      var hash = location.hash;
      if (hash === this.lastHash) { return; }
      var parsed = this.parseHash(hash);
      if (!parsed) { this.onMapMove(this.map); return; }
      this.movingMap = true;
      if (parsed.layers) {
        self.layers.forEach(function (e) {
          var on = parsed.layers.indexOf(e.spec.id) >= 0;
          if (on !== self.isOn(e)) {
            if (on) { e.group.addTo(self.map); } else { self.map.removeLayer(e.group); }
          }
        });
        self.syncLegend(); self.syncLayerBoxes();
      }
      if (parsed.date && self.spec.timeline) {
        var d = parsed.date === "latest" ? null : parsed.date;
        if (d === null || self.spec.timeline.dates.indexOf(d) >= 0) { self.when = d; self.applyTime(); }
      }
      if (parsed.center) { this.map.setView(parsed.center, parsed.zoom, { animate: false }); }
      this.movingMap = false;
      this.lastHash = hash;
      self.placeLabels();
    };
    this.hash = new Hash(this.map);
  };

  // -- controls --------------------------------------------------------------------------
  function panelControl(position, cls, build) {
    var C = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var d = el("div", cls);
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        build(d);
        return d;
      }
    });
    return new C();
  }

  GeoAtlas.prototype.controls = function () {
    var self = this, map = this.map, spec = this.spec, want = {};
    spec.controls.forEach(function (c) { want[c] = true; });

    panelControl("topleft", "ga-title", function (d) { d.innerHTML = spec.header_html; }).addTo(map);
    L.control.zoom({ position: "topleft" }).addTo(map);
    if (want.search) { this.searchControl().addTo(map); }
    if (L.Control.PolylineMeasure) {
      this.measure = L.control.polylineMeasure({
        position: "topleft", unit: "kilometres", showBearings: false, clearMeasurementsOnStop: false,
        showClearControl: true, showUnitControl: false, measureControlTitleOn: "Measure distances (geodesic, km)",
        measureControlTitleOff: "Stop measuring", measureControlLabel: "&#8614;",
        tooltipTextFinish: "Click to <b>finish the line</b><br>",
        tooltipTextDelete: "Shift-click to <b>delete a point</b>",
        tooltipTextMove: "Drag to <b>move a point</b><br>",
        tooltipTextResume: "<br>Ctrl-click to <b>resume the line</b>",
        tooltipTextAdd: "Ctrl-click to <b>add a point</b>"
      }).addTo(map);
    }
    if (want.fullscreen) {
      panelControl("topleft", "leaflet-bar ga-fullscreen", function (d) {
        var a = el("a", "", d);
        a.href = "#"; a.title = "Full screen"; a.setAttribute("role", "button");
        a.setAttribute("aria-label", "Full screen");
        a.innerHTML = '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">' +
          '<path d="M1 5V1h4M9 1h4v4M13 9v4H9M5 13H1V9" fill="none" stroke="#333" stroke-width="2"/></svg>';
        L.DomEvent.on(a, "click", function (e) {
          L.DomEvent.preventDefault(e);
          var c = map.getContainer();
          if (document.fullscreenElement) { document.exitFullscreen(); }
          else if (c.requestFullscreen) { c.requestFullscreen(); }
        });
      }).addTo(map);
    }
    this.panel = this.panelControl(want).addTo(map);
    if (want.legend) { this.legendControl().addTo(map); }
    if (L.Control.MiniMap) { this.locator(); }
    if (want.timeline && spec.timeline) { this.timeControl().addTo(map); }
    if (want.scale) { L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map); }
    if (want.coordinates) {
      panelControl("bottomleft", "ga-coords", function (d) {
        d.textContent = "lat \u2013, lon \u2013";
        map.on("mousemove", function (e) {
          d.textContent = "lat " + e.latlng.lat.toFixed(4) + ", lon " + e.latlng.lng.toFixed(4);
        });
      }).addTo(map);
    }
    this.attribution();
    this.responsive();
    map.on("zoomend", function () { map.getContainer().setAttribute("data-zoom", String(map.getZoom())); });
    map.getContainer().setAttribute("data-zoom", String(map.getZoom()));
    this.syncLegend();
  };

  GeoAtlas.prototype.searchControl = function () {
    var self = this, map = this.map;
    return panelControl("topleft", "ga-search leaflet-bar", function (d) {
      var input = el("input", "", d);
      input.type = "search"; input.placeholder = "Search features\u2026";
      input.setAttribute("aria-label", "Search features by name");
      var list = el("ul", "ga-results", d);
      list.setAttribute("role", "list");
      L.DomEvent.on(input, "input", function () {
        list.textContent = "";
        var q = input.value.trim().toLowerCase();
        if (q.length < 2) { return; }
        var hits = self.index.filter(function (it) { return it.text.toLowerCase().indexOf(q) >= 0; });
        self.layers.forEach(function (e) { if (e.search) { hits = hits.concat(e.search(q, 12)); } });
        hits.slice(0, 12).forEach(function (it) {
          var li = el("li", "", list);
          var b = el("button", "ga-result", li);
          b.type = "button";
          bdi(it.name, b);
          b.appendChild(document.createTextNode(" \u2014 "));
          bdi(it.entry.spec.title, b);
          L.DomEvent.on(b, "click", function (e) {
            // the result is removed below: Leaflet would then take the click for the map's
            L.DomEvent.stopPropagation(e);
            self.setVisible(it.entry, true);
            var l = it.layer;
            if (l.getLatLng) { map.setView(l.getLatLng(), Math.max(map.getZoom(), 7)); }
            else { map.fitBounds(l.getBounds(), { maxZoom: 8 }); }
            if (l.getPopup()) { l.openPopup(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter()); }
            list.textContent = "";
          });
        });
      });
      L.DomEvent.on(input, "keydown", function (e) {  // arrow down moves into the results
        if (e.key === "ArrowDown" && list.firstChild) { list.firstChild.firstChild.focus(); }
      });
    });
  };

  // One panel on the top right: a button that opens the layers (and, below 600 px, the
  // legend, which moves in here so the map stays free).
  GeoAtlas.prototype.panelControl = function (want) {
    var self = this, map = this.map;
    return panelControl("topright", "ga-panel leaflet-bar", function (d) {
      var button = el("button", "ga-panel-button", d);
      button.type = "button";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", "ga-panel-body");
      button.title = "Layers and legend";
      button.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">' +
        '<path d="M9 2 1 6l8 4 8-4zM1 9l8 4 8-4M1 12l8 4 8-4" fill="none" stroke="#333" stroke-width="1.6"/></svg>' +
        '<span class="ga-panel-word">Layers</span>';
      var body = el("div", "ga-panel-body", d);
      body.id = "ga-panel-body";
      body.hidden = true;
      self.panelBody = body;
      L.DomEvent.on(button, "click", function () {
        body.hidden = !body.hidden;
        button.setAttribute("aria-expanded", String(!body.hidden));
        d.classList.toggle("ga-open", !body.hidden);
        self.placeLabels();
      });
      var layersBox = el("div", "ga-layers", body);
      if (want.layers) { self.layerList(layersBox); }
      self.panelLegendSlot = el("div", "ga-panel-legend", body);
    });
  };

  GeoAtlas.prototype.layerList = function (d) {
    var self = this, map = this.map, groups = {};
    self.boxes = [];
    self.layers.slice().reverse().forEach(function (entry) {
      var g = entry.spec.group;
      if (!groups[g]) {
        groups[g] = el("fieldset", "ga-group", d);
        bdi(g, el("legend", "", groups[g]));
      }
      var lab = el("label", "", groups[g]);
      var cb = el("input", "", lab);
      cb.type = "checkbox"; cb.checked = self.isOn(entry);
      cb.setAttribute("data-layer", entry.spec.id);
      lab.appendChild(document.createTextNode(" "));
      bdi(entry.spec.title, lab);
      L.DomEvent.on(cb, "change", function () { self.setVisible(entry, cb.checked); });
      self.boxes.push({ cb: cb, entry: entry });
    });
    var base = el("fieldset", "ga-group", d);
    el("legend", "", base).textContent = "Basemap";
    var bl = el("label", "", base);
    var bcb = el("input", "", bl);
    bcb.type = "checkbox"; bcb.checked = true; bcb.disabled = true;
    bl.appendChild(document.createTextNode(" Countries and provinces (offline, always on)"));
    self.tiles.forEach(function (t) {
      var tl = el("label", "", base);
      var tcb = el("input", "", tl);
      tcb.type = "checkbox";
      tl.appendChild(document.createTextNode(" " + t.name + " (online)"));
      L.DomEvent.on(tcb, "change", function () {
        if (tcb.checked) { t.layer.addTo(map); t.layer.bringToBack(); } else { map.removeLayer(t.layer); }
      });
    });
  };

  GeoAtlas.prototype.legendControl = function () {
    var self = this;
    return panelControl("bottomright", "ga-legend-box", function (d) {
      var det = el("details", "ga-legend", d);
      det.open = true;
      var sum = el("summary", "ga-legend-title", det);
      sum.textContent = "Legend";
      var inner = el("div", "ga-legend-body", det);
      self.legendNode = det;
      self.legendHome = d;
      self.legendParts = [];
      self.layers.slice().reverse().forEach(function (entry) {
        var part = el("div", "ga-legend-layer", inner);
        part.setAttribute("data-layer", entry.spec.id);
        part.setAttribute("tabindex", "0");
        part.innerHTML = entry.spec.legend_html;
        self.legendParts.push({ node: part, entry: entry });
      });
    });
  };

  GeoAtlas.prototype.locator = function () {
    var b = this.spec.basemap, pal = b.palette || {};
    var world = L.geoJSON(b, {
      interactive: false,
      filter: function (f) { return "fnc".indexOf(f.properties.k) >= 0; },
      style: function (f) {
        return { color: pal.border, weight: 0.4, fillOpacity: 1,
                 fillColor: f.properties.k === "f" ? pal.focus : pal.land };
      }
    });
    this.minimap = new L.Control.MiniMap(world, {
      position: "topright", width: 150, height: 110, zoomLevelOffset: -5, toggleDisplay: true,
      aimingRectOptions: { color: pal.locator_view, weight: 1.5, interactive: false },
      shadowRectOptions: { color: "#000", weight: 1, opacity: 0, fillOpacity: 0, interactive: false },
      strings: { hideText: "Hide the locator map", showText: "Show the locator map" }
    }).addTo(this.map);
    var c = this.minimap.getContainer();
    c.classList.add("ga-locator");
    c.setAttribute("aria-label", "Locator map");
    this.minimap._miniMap.getContainer().style.background = pal.sea;
  };

  GeoAtlas.prototype.timeControl = function () {
    var self = this, spec = this.spec;
    return panelControl("bottomleft", "ga-time", function (d) {
      var dates = spec.timeline.dates;
      var row = el("div", "ga-time-row", d);
      var play = el("button", "ga-play", row);
      play.type = "button";
      play.setAttribute("aria-label", "Play the timeline");
      play.textContent = "\u25b6";
      var wrap = el("div", "ga-time-track", row);
      var input = el("input", "", wrap);
      input.type = "range"; input.min = 0; input.max = dates.length; input.step = 1;
      input.setAttribute("aria-label", "Date of the status shown (the dates where something changes)");
      var ticks = el("div", "ga-ticks", wrap);
      dates.concat(["latest"]).forEach(function (t, i) {
        var tick = el("span", "ga-tick", ticks);
        tick.style.left = (100 * i / dates.length) + "%";
        tick.title = t;
      });
      var ends = el("div", "ga-time-ends", d);
      el("span", "", ends).textContent = dates[0].slice(0, 4);
      el("span", "", ends).textContent = "latest";
      self.timeInput = input;
      self.timeLabel = el("div", "ga-time-label", d);
      self.timeLabel.setAttribute("aria-live", "polite");
      L.DomEvent.on(input, "input change", function () {
        var i = parseInt(input.value, 10);
        self.setWhen(i >= dates.length ? null : dates[i]);
      });
      var timer = null;
      function stop() {
        window.clearInterval(timer); timer = null;
        play.textContent = "\u25b6"; play.setAttribute("aria-label", "Play the timeline");
      }
      L.DomEvent.on(play, "click", function () {
        if (timer) { stop(); return; }
        if (self.when === null) { self.setWhen(dates[0]); }
        play.textContent = "\u275a\u275a"; play.setAttribute("aria-label", "Pause the timeline");
        timer = window.setInterval(function () {
          var i = self.when === null ? dates.length : dates.indexOf(self.when);
          if (i >= dates.length - 1) { self.setWhen(null); stop(); return; }
          self.setWhen(dates[i + 1]);
        }, 900);
      });
    });
  };

  // Attribution: publishers compactly, and a link to the in-page sources panel.
  GeoAtlas.prototype.attribution = function () {
    var self = this, map = this.map, spec = this.spec;
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(spec.attribution_html);
    var panel = document.createElement("div");
    panel.id = "ga-sources";
    panel.className = "ga-sources-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Sources cited on this map");
    panel.hidden = true;
    var close = el("button", "ga-close", panel);
    close.type = "button"; close.textContent = "\u00d7"; close.setAttribute("aria-label", "Close the sources");
    var body = el("div", "ga-sources-body", panel);
    body.innerHTML = spec.sources_html;
    document.body.appendChild(panel);
    this.sourcesPanel = panel;
    function open(e) {
      if (e) { L.DomEvent.preventDefault(e); }
      panel.hidden = false;
      close.focus();
    }
    L.DomEvent.on(close, "click", function () { panel.hidden = true; });
    L.DomEvent.on(panel, "keydown", function (e) { if (e.key === "Escape") { panel.hidden = true; } });
    map.getContainer().addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest(".ga-sources-link");
      if (a) { open(e); }
    });
    this.openSources = open;
  };

  // Below 600 px the legend moves into the one panel, closed; above, it is its own box.
  GeoAtlas.prototype.responsive = function () {
    var self = this, mq = window.matchMedia(NARROW);
    function apply() {
      if (!self.legendNode) { return; }
      if (mq.matches) {
        self.panelLegendSlot.appendChild(self.legendNode);
        self.legendHome.style.display = "none";
      } else {
        self.legendHome.appendChild(self.legendNode);
        self.legendHome.style.display = "";
        self.legendNode.open = true;
      }
      document.documentElement.classList.toggle("ga-narrow", mq.matches);
      self.placeLabels();
    }
    if (mq.addEventListener) { mq.addEventListener("change", apply); } else { mq.addListener(apply); }
    apply();
    // printing lays the page out on A4: the map redraws for the paper's size and back
    var print = window.matchMedia("print"), map = this.map;
    function relayout() { map.invalidateSize({ animate: false }); self.placeLabels(); }
    if (print.addEventListener) { print.addEventListener("change", relayout); }
    window.addEventListener("beforeprint", relayout);
    window.addEventListener("afterprint", relayout);
  };

  GeoAtlas.prototype.syncLegend = function () {
    var self = this;
    (this.legendParts || []).forEach(function (part) {
      part.node.style.display = self.isOn(part.entry) ? "" : "none";
    });
  };

  GeoAtlas.prototype.syncLayerBoxes = function () {
    var self = this;
    (this.boxes || []).forEach(function (b) { b.cb.checked = self.isOn(b.entry); });
  };

  window.GeoAtlas = GeoAtlas;
})();
