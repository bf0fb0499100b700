/*
 * web/webmap.js — the behaviour of map.html (inlined by bin/vsp after Leaflet).
 *
 * Reads the JSON in #vsp-data: meta (texts, as-of date, disclosure threshold k), arcs
 * (shared boundary pieces, integer lon/lat x scale, first point absolute then
 * differences) and areas (rings as lists of arc references, ~i = arc i reversed, and the
 * area's figures as vsp disclosed them: counts below k arrive as "<k" text, rates of
 * suppressed areas are absent).  Draws every area as one SVG path coloured by the chosen
 * view, keeps a legend with counts, and shows an area's figures in a popup and in an
 * aria-live region, from a click, a tap, Enter/Space on a focused area, or the area list.
 */
(function () {
	'use strict';

	const data = JSON.parse(document.getElementById('vsp-data').textContent);
	const meta = data.meta;
	const S = data.scale;
	const K = meta.k;

	/* ---------- numbers and texts ---------- */
	function num(v, d) {
		return v.toLocaleString('nl-NL', { minimumFractionDigits: d, maximumFractionDigits: d });
	}
	function count(s) {
		if (s === null || s === undefined) return 'onbekend';
		return /^\d+$/.test(s) ? num(Number(s), 0) : s;
	}

	/* ---------- views: colour classes, always with a text label ---------- */
	const BIN = [
		[3, '#b2182b', 'hotspot 99 %'], [2, '#ef8a62', 'hotspot 95 %'], [1, '#fddbc7', 'hotspot 90 %'],
		[0, '#f7f7f7', 'niet significant / not significant'],
		[-1, '#d1e5f0', 'coldspot 90 %'], [-2, '#67a9cf', 'coldspot 95 %'], [-3, '#2166ac', 'coldspot 99 %']
	];
	const TREND = [
		['new', '#d55e00', 'nieuw / new'], ['intensifying', '#e69f00', 'sterker / intensifying'],
		['persistent', '#cc79a7', 'blijvend / persistent'], ['diminishing', '#0072b2', 'zwakker / diminishing'],
		['', '#f7f7f7', 'geen / none']
	];
	const YLORRD = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];	/* ColorBrewer, colour-blind safe */
	const PURPLES = ['#54278f', '#756bb1', '#9e9ac8', '#cbc9e2', '#f2f0f7'];
	const NOFIG = '#ffffff';

	function binLabel(b) {
		const c = BIN.find(function (x) { return x[0] === b; });
		return c ? c[2] : String(b);
	}
	function trendLabel(t) {
		const c = TREND.find(function (x) { return x[0] === (t || ''); });
		return c ? c[2] : t;
	}

	const areas = data.areas.map(function (a) { return a.p; });

	/* EB rate: quintiles of the areas with a figure */
	function ebClasses() {
		const v = areas.map(function (p) { return p.eb; })
			.filter(function (x) { return typeof x === 'number'; }).sort(function (x, y) { return x - y; });
		const br = [];
		if (v.length) {
			for (let q = 1; q < 5; q++) {
				const b = v[Math.min(v.length - 1, Math.floor(q * v.length / 5))];
				if (!br.length || b > br[br.length - 1]) br.push(b);
			}
			if (br.length && br[0] <= v[0]) br.shift();
		}
		const cls = [];
		const pal = br.length + 1 >= 5 ? YLORRD : YLORRD.slice(5 - (br.length + 1));
		for (let c = 0; c <= br.length; c++) {
			const lo = c === 0 ? (v.length ? v[0] : 0) : br[c - 1];
			const hi = c === br.length ? (v.length ? v[v.length - 1] : 0) : br[c];
			cls.push({ color: pal[c], label: num(lo, 1) + (c === br.length ? ' – ' : ' – < ') + num(hi, 1) });
		}
		cls.reverse();			/* highest first, like the hotspot legend */
		cls.push({ color: NOFIG, label: 'geen cijfer / no figure' });
		return {
			title: 'Aandeel huishoudens met een signaal, per 1.000 (empirisch Bayes)',
			classes: cls,
			of: function (p) {
				if (typeof p.eb !== 'number') return cls.length - 1;
				let c = 0;
				while (c < br.length && p.eb >= br[c]) c++;
				return br.length - c;
			}
		};
	}

	function rankClasses() {
		const n = meta.n_run || areas.length;
		const cut = [0.1, 0.25, 0.5, 0.75].map(function (f) { return Math.max(1, Math.ceil(f * n)); });
		const cls = [];
		let lo = 1;
		for (let c = 0; c <= cut.length; c++) {
			const hi = c < cut.length ? cut[c] : n;
			if (hi >= lo) cls.push({ color: PURPLES[c], label: 'rang ' + lo + (hi > lo ? '–' + hi : ''), hi: hi });
			lo = hi + 1;
		}
		return {
			title: 'Prioriteit (rang 1 = hoogste, van ' + n + ')',
			classes: cls,
			of: function (p) {
				for (let c = 0; c < cls.length; c++) if (p.rank <= cls[c].hi) return c;
				return cls.length - 1;
			}
		};
	}

	const VIEWS = {
		bin: {
			title: 'Hotspots (Getis-Ord Gi*)',
			classes: BIN.map(function (x) { return { color: x[1], label: x[2] }; }),
			of: function (p) { return 3 - p.bin; }
		},
		eb: ebClasses(),
		trend: {
			title: 'Trend t.o.v. de vorige run',
			classes: TREND.map(function (x) { return { color: x[1], label: x[2] }; }),
			of: function (p) {
				const i = TREND.findIndex(function (x) { return x[0] === (p.trend || ''); });
				return i < 0 ? TREND.length - 1 : i;
			}
		},
		rank: rankClasses()
	};
	/* prevention: the printed "waar voorkomen" map's classes (map class -3..3, its legend texts
	 * from vsp, the hotspot map's RdBu colours), and the areas not in the model */
	const PV = meta.prevent;
	if (PV) {
		const cls = [];
		for (let c = 3; c >= -3; c--) cls.push({ color: BIN[3 - c][1], label: PV.labels[c + 3] });
		cls.push({ color: NOFIG, label: PV.out });
		VIEWS.prevent = {
			title: 'Waar voorkomen — ' + PV.title,
			classes: cls,
			of: function (p) { return typeof p.pc === 'number' ? 3 - p.pc : cls.length - 1; }
		};
		const div = document.createElement('div');
		const inp = document.createElement('input');
		inp.type = 'radio';
		inp.name = 'view';
		inp.id = 'view-prevent';
		inp.value = 'prevent';
		const lab = document.createElement('label');
		lab.htmlFor = 'view-prevent';
		lab.textContent = 'Waar voorkomen (verwacht risico)';
		div.append(inp, lab);
		document.querySelector('#vsp-controls fieldset').appendChild(div);
	}
	function pvLabel(p) {
		return typeof p.pc === 'number' ? PV.labels[p.pc + 3] : PV.out;
	}

	/* ---------- geometry ---------- */
	const arcs = data.arcs.map(function (a) {
		const out = new Array(a.length / 2);
		let x = 0, y = 0;
		for (let i = 0; i < a.length; i += 2) {
			x += a[i];
			y += a[i + 1];
			out[i / 2] = [y / S, x / S];
		}
		return out;
	});
	function ring(refs) {
		const out = [];
		refs.forEach(function (r, j) {
			const a = r >= 0 ? arcs[r] : arcs[~r].slice().reverse();
			for (let i = j > 0 ? 1 : 0; i < a.length; i++) out.push(a[i]);
		});
		out.pop();				/* the ring ends where it started; Leaflet closes it */
		return out;
	}

	/* ---------- the map ---------- */
	const map = L.map('vsp-map', { zoomSnap: 0.25, preferCanvas: false });
	if (data.basemap) {
		const attribution = meta.attribution || '';
		if (data.basemap.indexOf('wms:') === 0) {
			const u = data.basemap.slice(4), q = u.indexOf('?');
			const opts = { format: 'image/png', transparent: false, attribution: attribution };
			new URLSearchParams(q < 0 ? '' : u.slice(q + 1)).forEach(function (v, key) { opts[key.toLowerCase()] = v; });
			L.tileLayer.wms(q < 0 ? u : u.slice(0, q), opts).addTo(map);
		} else {
			L.tileLayer(data.basemap, { attribution: attribution, maxZoom: 19 }).addTo(map);
		}
	}
	const fillOpacity = data.basemap ? 0.7 : 0.9;
	const layers = [];
	const group = L.featureGroup();
	let view = 'bin', current = -1, opener = null;

	data.areas.forEach(function (a, i) {
		const lay = L.polygon(a.g.map(function (poly) { return poly.map(ring); }), {
			color: '#4d4d4d', weight: a.p.sup ? 1.2 : 0.7, dashArray: a.p.sup ? '4 3' : null,
			fillOpacity: fillOpacity
		});
		lay.on('click', function () { select(i, false); });
		lay.addTo(group);
		layers.push(lay);
	});
	/* the map needs a view before the paths exist */
	if (layers.length) map.fitBounds(group.getBounds(), { padding: [12, 12] });
	else map.setView([52.2, 5.3], 7);
	group.addTo(map);
	layers.forEach(function (lay, i) {
		const el = lay.getElement();
		if (!el) return;
		el.setAttribute('tabindex', '0');
		el.setAttribute('role', 'button');
		el.setAttribute('data-area', areas[i].id);
		el.addEventListener('keydown', function (e) {
			if (e.key === 'Enter' || e.key === ' ') {
				e.preventDefault();
				e.stopPropagation();
				opener = el;
				select(i, true);
			}
		});
	});

	/* area codes as labels once areas are wide enough on screen (about 40 px) */
	function labelPoint(i) {
		const pt = data.areas[i].pt;
		return pt ? L.latLng(pt[1] / S, pt[0] / S) : layers[i].getBounds().getCenter();
	}
	if (layers.length && layers.length <= 1000) {
		const labels = L.layerGroup();
		const spans = layers.map(function (l) { return l.getBounds().getEast() - l.getBounds().getWest(); })
			.sort(function (x, y) { return x - y; });
		const median = Math.max(spans[spans.length >> 1], 1e-6);
		const minZoom = Math.log2(40 * 360 / (256 * median));
		layers.forEach(function (lay, i) {
			labels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'vsp-label', opacity: 1 })
				.setLatLng(labelPoint(i)).setContent(areas[i].id));
		});
		map.getPane('tooltipPane').setAttribute('aria-hidden', 'true');	/* the paths carry the names */
		const toggle = function () {
			if (map.getZoom() >= minZoom) labels.addTo(map);
			else labels.remove();
		};
		map.on('zoomend', toggle);
		toggle();
	}

	function restyle() {
		const v = VIEWS[view];
		const n = v.classes.map(function () { return 0; });
		layers.forEach(function (lay, i) {
			const p = areas[i], c = v.of(p);
			n[c]++;
			lay.setStyle({ fillColor: v.classes[c].color });
			const el = lay.getElement();
			if (el) el.setAttribute('aria-label', meta.level + ' ' + p.id + ': ' + v.classes[c].label +
				(p.sup ? ', onderdrukt' : '') + ', rang ' + p.rank);
		});
		const body = document.querySelector('#vsp-legend-table tbody');
		body.textContent = '';
		v.classes.forEach(function (c, j) {
			const tr = document.createElement('tr');
			const sw = document.createElement('span');
			sw.className = 'vsp-swatch';
			sw.style.background = c.color;
			sw.setAttribute('aria-hidden', 'true');
			const td0 = document.createElement('td');
			td0.appendChild(sw);
			const td1 = document.createElement('td');
			td1.textContent = c.label;
			const td2 = document.createElement('td');
			td2.className = 'vsp-num';
			td2.textContent = n[j];
			tr.append(td0, td1, td2);
			body.appendChild(tr);
		});
		document.getElementById('vsp-legend-title').textContent = 'Legenda: ' + v.title;
		document.body.setAttribute('data-view', view);
	}

	/* ---------- one area's figures ---------- */
	function figures(p) {
		const rows = [
			['Prioriteit', 'rang ' + p.rank + ' van ' + (meta.n_run || areas.length)],
			['Hotspot (Gi*)', binLabel(p.bin) + (typeof p.z === 'number' ?
				' (z = ' + num(p.z, 2) + '; p = ' + num(p.p, 4) + ')' : p.isl ? ' (geen buren / no neighbours)' : '')],
			['Huishoudens', count(p.hh)],
			['met een signaal', count(p.sig)],
			['per partner', 'huur ' + count(p.huur) + ' · energie ' + count(p.energie) + ' · water ' +
				count(p.water) + ' · zorg ' + count(p.zorg) + ' · overig ' + count(p.other)],
			['bij 2+ partners', count(p.multi)],
			['per 1.000 huishoudens', p.sup ? 'onderdrukt (minder dan ' + K + ')' :
				typeof p.rate === 'number' ? num(p.rate, 1) + ' (EB ' + num(p.eb, 1) + ')' : 'onbekend'],
			['LISA', p.quad ? p.quad + ' (p = ' + num(p.lisa_p, 3) + ')' : 'niet significant'],
			['Trend', trendLabel(p.trend) + (typeof p.d_rate === 'number' ?
				' (' + (p.d_rate >= 0 ? '+' : '') + num(p.d_rate, 1) + ' per 1.000)' : '')]
		];
		if (PV) {
			/* model figures; left out (null) for a suppressed area */
			const fit = typeof p.pc === 'number';
			rows.push(['Waar voorkomen', pvLabel(p) + (p.pnote ? ' (' + p.pnote + ')' : '')]);
			if (fit) {
				rows.push(['Verwacht (model)', p.sup ? 'onderdrukt (minder dan ' + K + ')' :
					typeof p.pexp === 'number' ? num(p.pexp, 1) + ' huishoudens met een signaal' : 'onbekend']);
				rows.push(['SIR (95 %-interval)', p.sup ? 'onderdrukt (minder dan ' + K + ')' :
					typeof p.sir === 'number' ? num(p.sir, 2) + ' (' + num(p.sir_lo, 2) + ' – ' + num(p.sir_hi, 2) +
					')' + (typeof p.sir_eb === 'number' ? ', EB ' + num(p.sir_eb, 2) : '') : 'onbekend']);
				rows.push(['Vlag', p.pflag < 0 ? 'verborgen nood' : p.pflag > 0 ? 'meer dan verwacht' : 'geen']);
				rows.push(['Verklarende kenmerken', p.drv || 'geen']);
			}
		}
		return rows;
	}

	function popupContent(p) {
		const box = document.createElement('div');
		box.className = 'vsp-popup';
		box.setAttribute('tabindex', '-1');
		box.setAttribute('role', 'group');
		const h = document.createElement('h3');
		h.textContent = meta.level + ' ' + p.id + (p.par ? ' (' + p.par + ')' : '');
		box.setAttribute('aria-label', h.textContent);
		const dl = document.createElement('dl');
		figures(p).forEach(function (r) {
			const dt = document.createElement('dt'), dd = document.createElement('dd');
			dt.textContent = r[0];
			dd.textContent = r[1];
			dl.append(dt, dd);
		});
		box.append(h, dl);
		if (p.why) {
			const w = document.createElement('p');
			w.textContent = 'Redenen: ' + p.why;
			box.appendChild(w);
		}
		return box;
	}

	const popup = L.popup({ maxWidth: 360, autoPanPadding: [20, 20] });
	const live = document.getElementById('vsp-selected');
	const sel = document.getElementById('vsp-area');

	function select(i, focusPopup) {
		const p = areas[i], lay = layers[i];
		if (current >= 0 && layers[current].getElement()) layers[current].getElement().classList.remove('vsp-current');
		current = i;
		if (lay.getElement()) lay.getElement().classList.add('vsp-current');
		const at = labelPoint(i);
		const box = popupContent(p);
		popup.setLatLng(at).setContent(box).openOn(map);
		live.textContent = meta.level + ' ' + p.id + ': ' + figures(p).map(function (r) {
			return r[0] + ' ' + r[1];
		}).join('; ') + (p.why ? '; redenen: ' + p.why : '') + '.';
		sel.value = String(i);
		if (focusPopup) box.focus();
	}

	/* Escape closes the popup wherever the focus is (Leaflet only listens on the map itself) */
	document.addEventListener('keydown', function (e) {
		if (e.key === 'Escape' && popup.isOpen()) {
			e.preventDefault();
			map.closePopup();
		}
	});
	map.on('popupclose', function () {
		if (current >= 0 && layers[current].getElement()) layers[current].getElement().classList.remove('vsp-current');
		current = -1;
		if (opener) {
			opener.focus();
			opener = null;
		}
	});

	/* the list of areas: a keyboard route to every area, in priority order */
	areas.map(function (p, i) { return i; })
		.sort(function (x, y) { return areas[x].rank - areas[y].rank; })
		.forEach(function (i) {
			const o = document.createElement('option');
			const p = areas[i];
			o.value = String(i);
			o.textContent = p.rank + '. ' + p.id + ' — ' + binLabel(p.bin) + (p.sup ? ' (onderdrukt)' : '');
			sel.appendChild(o);
		});
	sel.addEventListener('change', function () {
		if (sel.value === '') {
			map.closePopup();
			return;
		}
		opener = null;
		select(Number(sel.value), false);
	});

	document.getElementById('vsp-controls').addEventListener('submit', function (e) { e.preventDefault(); });
	document.querySelectorAll('input[name="view"]').forEach(function (r) {
		r.addEventListener('change', function () {
			if (r.checked) {
				view = r.value;
				restyle();
			}
		});
	});
	document.querySelectorAll('.vsp-k').forEach(function (e) { e.textContent = K; });
	document.getElementById('vsp-nsup').textContent = areas.filter(function (p) { return p.sup; }).length;
	document.getElementById('vsp-note').textContent = meta.note;
	restyle();
	document.body.setAttribute('data-ready', String(layers.length));
	window.vspMap = { map: map, layers: layers, select: select };
}());
