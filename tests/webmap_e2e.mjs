// tests/webmap_e2e.mjs — open a map.html written by vsp in headless Chromium (playwright-core,
// Debian's /usr/bin/chromium) from file:// and check it as a user would:
//   every area drawn (one SVG path per area), no network request at all (every request is
//   routed to abort and recorded), no console error, the disclosure rule holds in the inlined
//   data, a click on an area shows its figures (checked against the area list CSV), the
//   keyboard reaches areas (Enter on a focused area, the area list, Escape back), the views
//   recolour the map and their legends count every area; a screenshot is saved.
//
// usage: node tests/webmap_e2e.mjs MAP.html N_AREAS AREAS.csv K [SCREENSHOT.png]
// env:   VSP_CHROMIUM (default /usr/bin/chromium)
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'web', 'package.json'));
const { chromium } = require('playwright-core');

const [mapPath, nArg, csvPath, kArg, shot] = process.argv.slice(2);
if (!mapPath || !nArg || !csvPath || !kArg) {
	console.error('usage: node tests/webmap_e2e.mjs MAP.html N_AREAS AREAS.csv K [SCREENSHOT.png]');
	process.exit(2);
}
const N = Number(nArg), K = Number(kArg);
const fileUrl = pathToFileURL(resolve(mapPath)).href;
const failures = [];
const check = (ok, msg) => { if (!ok) failures.push(msg); };

/* the area list (RFC 4180: quoted fields may hold commas and "") */
function parseCsv(text) {
	const rows = [];
	let row = [], f = '', q = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (q) {
			if (c === '"' && text[i + 1] === '"') { f += '"'; i++; }
			else if (c === '"') q = false;
			else f += c;
		} else if (c === '"') q = true;
		else if (c === ',') { row.push(f); f = ''; }
		else if (c === '\n') { row.push(f.replace(/\r$/, '')); rows.push(row); row = []; f = ''; }
		else f += c;
	}
	if (f || row.length) { row.push(f); rows.push(row); }
	const head = rows.shift();
	return rows.map((r) => Object.fromEntries(head.map((h, j) => [h, r[j]])));
}
const csv = new Map(parseCsv(readFileSync(csvPath, 'utf8')).map((r) => [r.area_code, r]));

const userDir = mkdtempSync(join(tmpdir(), 'vsp-chromium-'));
const requests = [], errors = [];
let context;
try {
	context = await chromium.launchPersistentContext(userDir, {
		executablePath: process.env.VSP_CHROMIUM || '/usr/bin/chromium',
		headless: true,
		viewport: { width: 1280, height: 800 },
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	await context.route('**/*', (route) => {
		const u = route.request().url();
		if (u === fileUrl) return route.continue();
		requests.push(u);
		return route.abort();
	});
	const page = context.pages()[0] || await context.newPage();
	page.on('request', (r) => {
		const u = r.url();
		if (u !== fileUrl && !u.startsWith('data:') && !requests.includes(u)) requests.push(u);
	});
	page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
	page.on('pageerror', (e) => errors.push('page error: ' + e.message));

	const t0 = Date.now();
	await page.goto(fileUrl, { waitUntil: 'load' });
	await page.waitForSelector('body[data-ready]', { timeout: 30000 });
	console.log(`loaded ${mapPath} in ${Date.now() - t0} ms`);

	// every area drawn
	const data = JSON.parse(await page.locator('#vsp-data').textContent());
	const paths = await page.locator('#vsp-map path.leaflet-interactive').count();
	check(data.areas.length === N, `data holds ${data.areas.length} areas, expected ${N}`);
	check(paths === N, `${paths} SVG paths drawn, expected ${N}`);
	const empty = await page.$$eval('#vsp-map path.leaflet-interactive', (ps) => ps.filter((p) => {
		const b = p.getBBox();
		return !(p.getAttribute('d') || '').startsWith('M') || b.width <= 0 || b.height <= 0;
	}).length);
	check(empty === 0, `${empty} areas drawn without a shape`);

	// disclosure: no count below k anywhere in the page's data, no rate of a suppressed area
	const countKeys = ['hh', 'sig', 'huur', 'energie', 'water', 'zorg', 'other', 'multi'];
	for (const a of data.areas) {
		const p = a.p;
		for (const key of countKeys) {
			const v = p[key];
			check(v === null || v === `<${K}` || (/^\d+$/.test(v) && Number(v) >= K),
				`area ${p.id}: ${key} = ${JSON.stringify(v)} breaks the disclosure rule`);
		}
		if (p.sup) for (const key of ['rate', 'eb', 'd_rate'])
			check(p[key] === null || p[key] === undefined, `suppressed area ${p.id} shows ${key}`);
		const row = csv.get(p.id);
		check(row, `area ${p.id} is not in the area list`);
		if (row) {
			check(Number(row.rank) === p.rank, `area ${p.id}: rank ${p.rank}, area list ${row.rank}`);
			check(row.hh_signal === (p.sig ?? ''), `area ${p.id}: sig ${p.sig}, area list ${row.hh_signal}`);
		}
	}

	// click the highest-ranked area at its label point; the popup shows its figures
	const target = data.areas.reduce((b, a) => (a.p.rank < b.p.rank ? a : b));
	const box = await page.locator('#vsp-map').boundingBox();
	const xy = await page.evaluate(([lon, lat]) => {
		const pt = window.vspMap.map.latLngToContainerPoint([lat / 1e5, lon / 1e5]);
		return [pt.x, pt.y];
	}, target.pt);
	await page.mouse.click(box.x + xy[0], box.y + xy[1]);
	const popup = page.locator('.leaflet-popup-content');
	await popup.waitFor({ timeout: 5000 });
	const text = await popup.innerText();
	const row = csv.get(target.p.id);
	const fmt = (s) => (/^\d+$/.test(s) ? Number(s).toLocaleString('nl-NL') : s);
	check(text.includes(`${data.meta.level} ${target.p.id}`), `popup does not name ${target.p.id}: ${text}`);
	check(text.includes(`rang ${row.rank} van`), `popup does not show rank ${row.rank}`);
	check(text.includes(fmt(row.households)), `popup does not show households ${row.households}`);
	check(text.includes(fmt(row.hh_signal)), `popup does not show households with a signal ${row.hh_signal}`);
	if (row.eb_rate) {
		const eb = Number(row.eb_rate).toLocaleString('nl-NL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
		check(text.includes(`EB ${eb}`), `popup does not show EB rate ${eb}`);
	}
	const live = await page.locator('#vsp-selected').innerText();
	check(live.includes(target.p.id), `aria-live region does not name ${target.p.id}`);
	console.log(`popup of ${target.p.id}: ${text.replace(/\s+/g, ' ').slice(0, 160)}…`);

	// keyboard: focus another area, Enter opens its popup, focus moves into it, Escape returns
	const other = data.areas.find((a) => a.p.id !== target.p.id);
	const el = page.locator(`#vsp-map path[data-area="${other.p.id}"]`);
	await el.focus();
	await page.keyboard.press('Enter');
	await page.waitForFunction((id) => {
		const c = document.querySelector('.leaflet-popup-content');
		return c && c.innerText.includes(id);
	}, other.p.id, { timeout: 5000 });
	check(await page.evaluate(() => !!document.activeElement.closest('.leaflet-popup')),
		'Enter on an area does not move focus into its popup');
	await page.keyboard.press('Escape');
	await page.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
	check(await page.evaluate((id) => document.activeElement.getAttribute('data-area') === id, other.p.id),
		'Escape does not return focus to the area');
	// the area list: a labelled select reaching every area
	const options = await page.getByLabel('Gebied kiezen (op prioriteit)').locator('option').count();
	check(options === N + 1, `area list has ${options - 1} areas, expected ${N}`);

	// views: the colours change and each legend counts every area
	const fills = () => page.$$eval('#vsp-map path.leaflet-interactive', (ps) => ps.map((p) => p.getAttribute('fill')));
	const legendTotal = () => page.$$eval('#vsp-legend-table tbody td.vsp-num', (ts) => ts.reduce((s, t) => s + Number(t.textContent), 0));
	const before = await fills();
	check(await legendTotal() === N, 'hotspot legend does not count every area');
	for (const [label, view] of [['Aandeel met signaal (EB, per 1.000)', 'eb'], ['Trend', 'trend'],
		['Prioriteit (rang)', 'rank'], ['Hotspots (Gi*)', 'bin']]) {
		await page.getByLabel(label, { exact: true }).check();
		await page.waitForSelector(`body[data-view="${view}"]`);
		const total = await legendTotal();
		check(total === N, `legend of view ${view} counts ${total} areas, expected ${N}`);
		if (view === 'eb' || view === 'rank') {
			const now = await fills();
			check(now.some((f, i) => f !== before[i]), `view ${view} did not change any colour`);
		}
	}
	check(JSON.stringify(await fills()) === JSON.stringify(before), 'back to hotspots: colours differ');

	// the prevention view: present exactly when vsp wrote its classes (VSP_EXPECT_PREVENT=1
	// requires it), its legend counts every area, and a suppressed area shows no model figure
	const pvRadio = await page.locator('input[name="view"][value="prevent"]').count();
	check(pvRadio === (data.meta.prevent ? 1 : 0), `prevention radio button ${pvRadio ? 'present' : 'absent'} ` +
		`but meta.prevent ${data.meta.prevent ? 'set' : 'not set'}`);
	if (process.env.VSP_EXPECT_PREVENT === '1') check(!!data.meta.prevent, 'no prevention view in this map');
	if (data.meta.prevent) {
		for (const a of data.areas) if (a.p.sup) for (const key of ['pexp', 'sir', 'sir_lo', 'sir_hi', 'sir_eb'])
			check(a.p[key] === null, `suppressed area ${a.p.id} shows ${key} = ${a.p[key]}`);
		await page.getByLabel('Waar voorkomen (verwacht risico)', { exact: true }).check();
		await page.waitForSelector('body[data-view="prevent"]');
		const total = await legendTotal();
		check(total === N, `legend of view prevent counts ${total} areas, expected ${N}`);
		const rows = await page.$$eval('#vsp-legend-table tbody tr', (trs) => trs.map((t) => t.children[1].textContent));
		check(rows.length === 8 && rows[0] === data.meta.prevent.labels[6] && rows[6] === data.meta.prevent.labels[0],
			`prevention legend rows: ${JSON.stringify(rows)}`);
		// the popup of a fitted, unsuppressed area shows expected, SIR with interval, flag and drivers
		const fitted = data.areas.find((a) => typeof a.p.pc === 'number' && !a.p.sup);
		if (fitted) {
			await page.evaluate((i) => window.vspMap.select(i, false), data.areas.indexOf(fitted));
			const t = await page.locator('.leaflet-popup-content').innerText();
			for (const want of ['Verwacht (model)', 'SIR (95 %-interval)', 'Vlag', 'Verklarende kenmerken',
				fitted.p.sir.toLocaleString('nl-NL', { minimumFractionDigits: 2, maximumFractionDigits: 2 })])
				check(t.includes(want), `prevention popup of ${fitted.p.id} lacks ${want}: ${t}`);
			await page.keyboard.press('Escape');
			await page.waitForFunction(() => !document.querySelector('.leaflet-popup'), null, { timeout: 5000 });
		}
		console.log(`prevention view: ${total} areas in its legend`);
		await page.getByLabel('Hotspots (Gi*)', { exact: true }).check();
		await page.waitForSelector('body[data-view="bin"]');
	}

	if (shot) {
		await page.getByLabel('Gebied kiezen (op prioriteit)').selectOption({ label: await page.locator('#vsp-area option').nth(1).textContent() });
		await page.locator('.leaflet-popup-content').waitFor();
		await page.waitForTimeout(500);		/* the popup fades in */
		await page.screenshot({ path: shot });
		console.log(`screenshot ${shot}`);
	}
} catch (e) {
	failures.push('exception: ' + (e && e.stack ? e.stack : e));
} finally {
	if (context) await context.close();
	rmSync(userDir, { recursive: true, force: true });
}
for (const u of requests) failures.push('network request: ' + u);
for (const e of errors) failures.push(e);
if (failures.length) {
	for (const f of failures) console.error('FAIL: ' + f);
	process.exit(1);
}
console.log(`webmap ok: ${N} areas, no network request, no console error`);
