// geoatlas story map: the chapter in view sets the map's view, layers and date.
// Runs on the web map's runtime (window.GeoAtlas); builds no HTML from data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ga-story-data").textContent);
  var mapEl = document.getElementById("ga-story-map");
  // as GeoAtlas.start does for the web map page (the runtime adds its own zoom control),
  // but the scroll wheel scrolls the story, not the map
  var options = { zoomControl: false, preferCanvas: true, zoomSnap: 1, scrollWheelZoom: false };
  if (data.map.basemap && data.map.basemap.sea) {
    options.maxBounds = data.map.basemap.sea;
    options.maxBoundsViscosity = 1;
  }
  var map = L.map(mapEl, options);
  map.setMinZoom(Math.max(0, Math.ceil(Math.log(map.getSize().x / 256) / Math.LN2)));
  map.fitBounds(data.start);
  var ga = new window.GeoAtlas(map, data.map);
  var root = document.documentElement;
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var DateBadge = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var d = L.DomUtil.create("div", "ga-story-date");
      d.setAttribute("aria-live", "polite");
      d.textContent = "Latest known status";
      return d;
    }
  });
  var badge = new DateBadge().addTo(map).getContainer();
  var sections = Array.prototype.slice.call(document.querySelectorAll(".ga-chapter"));
  var current = -1;

  function showLayers(keys) {
    var want = {};
    keys.forEach(function (k) { want[k] = true; });
    ga.layers.forEach(function (entry) {
      var id = entry.spec.id || "";
      if (id.charAt(0) !== "L") { return; }  // raster overlays keep their state
      var on = !!want[id];
      if (on !== ga.isOn(entry)) { ga.setVisible(entry, on); }
    });
    if (ga.syncLayerBoxes) { ga.syncLayerBoxes(); }
  }

  function setDate(ch) {
    ga.setWhen(ch.when);  // restyles the layers and moves the time control
    badge.textContent = ch.date_text;
  }

  function activate(i) {
    if (i === current) { return; }
    current = i;
    var ch = data.chapters[i];
    sections.forEach(function (s, j) {
      if (j === i) { s.classList.add("ga-active"); } else { s.classList.remove("ga-active"); }
    });
    root.setAttribute("data-ga-chapter", String(i));
    root.setAttribute("data-ga-view", "moving");
    showLayers(ch.layers);
    setDate(ch);
    map.stop();
    map.once("moveend", function () {
      if (current === i) { root.setAttribute("data-ga-view", String(i)); }
    });
    var v = ch.view;
    if (still) {  // prefers-reduced-motion: jump, do not fly
      if (v.bounds) { map.fitBounds(v.bounds, { maxZoom: v.max_zoom || 9, padding: [30, 30], animate: false }); }
      else { map.setView(v.center, v.zoom, { animate: false }); }
    } else if (v.bounds) {
      map.flyToBounds(v.bounds, { maxZoom: v.max_zoom || 9, padding: [30, 30], duration: 1.0 });
    } else {
      map.flyTo(v.center, v.zoom, { duration: 1.0 });
    }
  }

  function inView() {
    var box = mapEl.getBoundingClientRect();
    var top = box.width >= window.innerWidth - 1 ? Math.max(box.bottom, 0) : 0;  // phone: map on top
    var line = top + (window.innerHeight - top) * 0.4;
    var found = -1;
    sections.forEach(function (s, j) {
      if (s.getBoundingClientRect().top <= line) { found = j; }
    });
    if (found >= 0) { activate(found); }
  }

  var pending = false;
  function onScroll() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; inView(); });
  }
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("resize", function () { map.invalidateSize(); onScroll(); });
  root.setAttribute("data-ga-chapter", "none");
  root.setAttribute("data-ga-view", "start");
  inView();
})();
