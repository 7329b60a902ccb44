/* geoatlas web map runtime: layers, grouped layer control, legend, search, time control,
 * fullscreen and cursor coordinates. Pure Leaflet 1.9, no other dependency, no network.
 *
 * All feature text arrives pre-escaped from Python (geoatlas.htmlsafe): this file never
 * builds HTML from data; it only inserts those strings or sets textContent.
 */
(function () {
  "use strict";

  function el(tag, cls, parent) {
    var e = L.DomUtil.create(tag, cls || "", parent);
    return e;
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

  function GeoAtlas(map, spec) {
    this.map = map;
    this.spec = spec;
    this.when = spec.timeline ? spec.timeline.start : null;
    this.layers = [];
    this.index = [];
    window.geoatlas = this;  // one map per page: handy for tests and the console
    this.build();
  }

  GeoAtlas.prototype.build = function () {
    var self = this, map = this.map, spec = this.spec;
    map.createPane("basemap").style.zIndex = 200;
    var pal = spec.palette;  // THE basemap palette of the style spec (style.BASEMAP)
    map.getContainer().style.background = pal.sea;
    // offline basemap: country fills always; province outlines once zoomed in enough
    this.basemap = L.geoJSON(spec.basemap, {
      pane: "basemap", interactive: false,
      filter: function (f) { return f.properties.k !== "p"; },
      style: function () {
        return { color: pal.border, weight: pal.widths.border, fillColor: pal.land, fillOpacity: 1 };
      }
    }).addTo(map);
    this.provinceLines = L.geoJSON(spec.basemap, {
      pane: "basemap", interactive: false,
      filter: function (f) { return f.properties.k === "p"; },
      style: function () { return { color: pal.province, weight: pal.widths.province, fill: false }; }
    });
    var lines = this.provinceLines;
    function provincesByZoom() {
      if (map.getZoom() >= 5) { lines.addTo(map); } else { map.removeLayer(lines); }
    }
    map.on("zoomend", provincesByZoom);
    provincesByZoom();
    this.tiles = spec.tiles.map(function (t) {
      return { name: t.name, layer: L.tileLayer(t.url, { attribution: t.attribution, maxZoom: 18 }) };
    });
    spec.layers.forEach(function (ls) { self.addLayer(ls); });
    this.controls();
    this.applyTime();
  };

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
          layer.bindPopup(p.p, { maxWidth: 420, maxHeight: 360, className: "ga-popup-wrap" });
          // Leaflet re-renders the content when an open popup is opened again
          layer.getPopup().on("contentupdate", function () { self.refreshPopup(this); });
        }
        if (p.t) { layer.bindTooltip(p.t, { sticky: true, className: "ga-tip" }); }
        if (ls.label && p.l) {
          layer.bindTooltip(p.l, { permanent: true, direction: "right", className: "ga-label",
                                   offset: [6, 0] });
        }
        layer.feature = f;
        entry.features.push(layer);
        group.addLayer(layer);
        if (p.n) { self.index.push({ text: p.s || p.n, name: p.n, layer: layer, entry: entry }); }
      }
    });
    group.on("popupopen", function (e) { self.refreshPopup(e.popup); });
    if (ls.visible) { group.addTo(this.map); }
    this.layers.push(entry);
  };

  GeoAtlas.prototype.isOn = function (entry) { return this.map.hasLayer(entry.group); };

  GeoAtlas.prototype.setVisible = function (entry, on) {
    if (on) { entry.group.addTo(this.map); } else { this.map.removeLayer(entry.group); }
    this.syncLegend();
  };

  // -- time control ------------------------------------------------------------------
  GeoAtlas.prototype.applyTime = function () {
    var when = this.when, self = this;
    this.layers.forEach(function (entry) {
      if (!entry.spec.timeline) { return; }
      entry.features.forEach(function (layer) {
        var p = layer.feature.properties;
        if (!p.h) { return; }
        var st = statusAt(p.h, when);
        if (st === null) {
          if (entry.group.hasLayer(layer)) { entry.group.removeLayer(layer); }
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
    this.map.eachLayer(function (l) { if (l.isPopupOpen && l.isPopupOpen()) { self.refreshPopup(l.getPopup()); } });
    document.documentElement.setAttribute("data-ga-when", when === null ? "latest" : when);
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
    var stamp = node.querySelector(".ga-when");
    if (stamp) { stamp.textContent = when === null ? "latest known" : "as of " + when; }
  };

  // -- controls --------------------------------------------------------------------------
  GeoAtlas.prototype.controls = function () {
    var self = this, map = this.map, spec = this.spec, want = {};
    spec.controls.forEach(function (c) { want[c] = true; });

    var Title = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var d = el("div", "ga-title");
        d.innerHTML = spec.header_html;
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        return d;
      }
    });
    map.zoomControl.remove();
    new Title().addTo(map);
    L.control.zoom({ position: "topleft" }).addTo(map);

    if (want.fullscreen) {
      var Full = L.Control.extend({
        options: { position: "topleft" },
        onAdd: function () {
          var d = el("div", "leaflet-bar ga-fullscreen");
          var a = el("a", "", d);
          a.href = "#"; a.title = "Full screen"; a.setAttribute("role", "button");
          a.innerHTML = '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">' +
            '<path d="M1 5V1h4M9 1h4v4M13 9v4H9M5 13H1V9" fill="none" stroke="#333" stroke-width="2"/></svg>';
          L.DomEvent.on(a, "click", function (e) {
            L.DomEvent.preventDefault(e);
            var c = map.getContainer();
            if (document.fullscreenElement) { document.exitFullscreen(); }
            else if (c.requestFullscreen) { c.requestFullscreen(); }
          });
          return d;
        }
      });
      new Full().addTo(map);
    }

    if (want.search) {
      var Search = L.Control.extend({
        options: { position: "topleft" },
        onAdd: function () {
          var d = el("div", "ga-search leaflet-bar");
          var input = el("input", "", d);
          input.type = "search"; input.placeholder = "Search features\u2026";
          input.setAttribute("aria-label", "Search features by name");
          var list = el("ul", "ga-results", d);
          L.DomEvent.disableClickPropagation(d);
          L.DomEvent.disableScrollPropagation(d);
          L.DomEvent.on(input, "input", function () {
            list.textContent = "";
            var q = input.value.trim().toLowerCase();
            if (q.length < 2) { return; }
            var hits = self.index.filter(function (it) { return it.text.toLowerCase().indexOf(q) >= 0; });
            self.layers.forEach(function (e) { if (e.search) { hits = hits.concat(e.search(q, 12)); } });
            hits.slice(0, 12).forEach(function (it) {
                var li = el("li", "", list);
                li.textContent = it.name + " \u2014 " + it.entry.spec.title;
                L.DomEvent.on(li, "click", function () {
                  self.setVisible(it.entry, true);
                  self.syncLayerBoxes();
                  var l = it.layer;
                  if (l.getLatLng) { map.setView(l.getLatLng(), Math.max(map.getZoom(), 7)); }
                  else { map.fitBounds(l.getBounds(), { maxZoom: 8 }); }
                  if (l.getPopup()) { l.openPopup(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter()); }
                  list.textContent = "";
                });
              });
          });
          return d;
        }
      });
      new Search().addTo(map);
    }

    if (want.layers) {
      var Layers = L.Control.extend({
        options: { position: "topright" },
        onAdd: function () {
          var d = el("div", "ga-layers leaflet-bar");
          L.DomEvent.disableClickPropagation(d);
          L.DomEvent.disableScrollPropagation(d);
          var groups = {};
          self.boxes = [];
          self.layers.slice().reverse().forEach(function (entry) {
            var g = entry.spec.group;
            if (!groups[g]) {
              groups[g] = el("fieldset", "ga-group", d);
              el("legend", "", groups[g]).textContent = g;
            }
            var lab = el("label", "", groups[g]);
            var cb = el("input", "", lab);
            cb.type = "checkbox"; cb.checked = self.isOn(entry);
            cb.setAttribute("data-layer", entry.spec.id);
            lab.appendChild(document.createTextNode(" " + entry.spec.title));
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
          return d;
        }
      });
      new Layers().addTo(map);
    }

    if (want.legend) {
      var Legend = L.Control.extend({
        options: { position: "bottomright" },
        onAdd: function () {
          var d = el("div", "ga-legend");
          L.DomEvent.disableClickPropagation(d);
          L.DomEvent.disableScrollPropagation(d);
          el("div", "ga-legend-title", d).textContent = "Legend";
          self.legendParts = [];
          self.layers.slice().reverse().forEach(function (entry) {
            var part = el("div", "ga-legend-layer", d);
            part.setAttribute("data-layer", entry.spec.id);
            part.innerHTML = entry.spec.legend_html;
            self.legendParts.push({ node: part, entry: entry });
          });
          return d;
        }
      });
      new Legend().addTo(map);
    }

    if (want.timeline && spec.timeline) {
      var Time = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function () {
          var d = el("div", "ga-time");
          L.DomEvent.disableClickPropagation(d);
          L.DomEvent.disableScrollPropagation(d);
          var months = spec.timeline.months;
          var input = el("input", "", d);
          input.type = "range"; input.min = 0; input.max = months.length; input.step = 1;
          input.setAttribute("aria-label", "Date of the status shown");
          var startIdx = self.when === null ? months.length : Math.max(0, months.indexOf(self.when.slice(0, 7)));
          input.value = startIdx;
          self.timeInput = input;
          self.timeLabel = el("div", "ga-time-label", d);
          L.DomEvent.on(input, "input change", function () {
            var i = parseInt(input.value, 10);
            self.when = i >= months.length ? null : months[i] + "-01";
            self.applyTime();
          });
          return d;
        }
      });
      new Time().addTo(map);
    }

    if (want.scale) { L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map); }

    if (want.coordinates) {
      var Coords = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function () {
          var d = el("div", "ga-coords");
          d.textContent = "lat \u2013, lon \u2013";
          map.on("mousemove", function (e) {
            d.textContent = "lat " + e.latlng.lat.toFixed(4) + ", lon " + e.latlng.lng.toFixed(4);
          });
          return d;
        }
      });
      new Coords().addTo(map);
    }

    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(spec.credits_html);
    map.on("overlayadd overlayremove layeradd layerremove", function () { self.syncLegend(); });
    map.on("zoomend", function () {
      map.getContainer().setAttribute("data-zoom", String(map.getZoom()));
    });
    map.getContainer().setAttribute("data-zoom", String(map.getZoom()));
    this.syncLegend();
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
