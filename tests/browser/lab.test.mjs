// lab.test.mjs — chapter 13's page end to end in a real browser: Debian's chromium, driven by
// playwright-core (no browser download), against build/bin/13-lab on a free loopback port.
//
// It draws real MNIST test digits on the canvas (as scaled bitmaps) and needs at least 19 of
// the first 40 read correctly (95%), draws a vertical stroke with the mouse and needs a 1, starts a
// short training job and watches the chart and the confusion matrix update, and saves a
// screenshot to build/lab-screenshot.png.
//
//   make test-browser        (or: LAB_MODEL=runs/x.hwm node --test tests/browser/lab.test.mjs)
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAB_BIN = process.env.LAB_BIN || path.join(ROOT, 'build/bin/13-lab');
const LAB_MODEL = process.env.LAB_MODEL || path.join(ROOT, 'build/lab/mlp-test.hwm');
const DATA_DIR = process.env.HW_DATA_DIR || path.join(ROOT, 'data/mnist');
const DIGITS = 40, NEEDED = 38;  // at least 95%, as 19 of 20

let server, browser, page, baseUrl, runsDir;

// The first `count` test images (28×28, values 0..1) and labels, read from the IDX files.
function mnistTestDigits(count) {
  const images = fs.readFileSync(path.join(DATA_DIR, 't10k-images-idx3-ubyte'));
  const labels = fs.readFileSync(path.join(DATA_DIR, 't10k-labels-idx1-ubyte'));
  assert.equal(images.readUInt32BE(0), 0x803, 'images: bad IDX magic');
  const digits = [];
  for (let i = 0; i < count; i++) {
    const start = 16 + 784 * i;
    digits.push({label: labels[8 + i], pixels: Array.from(images.subarray(start, start + 784), (b) => b / 255)});
  }
  return digits;
}

// Starts the server with --port 0 and resolves with the URL it prints.
function startServer() {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-lab-runs-'));
  server = spawn(LAB_BIN, ['--port', '0', '--model', LAB_MODEL, '--runs', runsDir], {cwd: ROOT});
  server.stderr.on('data', (d) => process.stderr.write(d));
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`13-lab exited with ${code} before listening`)));
  });
}

before(async () => {
  baseUrl = await startServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
           // nothing but the lab: every other host name fails to resolve, no background traffic
           '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
           '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication'],
  });
  const context = await browser.newContext({viewport: {width: 1280, height: 1400}});
  await context.route('**/*', (route) => (route.request().url().startsWith(baseUrl) ? route.continue() : route.abort()));
  page = await context.newPage();
  page.on('pageerror', (err) => { throw err; });
  await page.goto(baseUrl);
  await page.evaluate(() => window.lab.ready);
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (runsDir) fs.rmSync(runsDir, {recursive: true, force: true});
});

// Paints a 28×28 digit onto the 280×280 pad (smoothed, as a scaled bitmap) and asks for a
// prediction, as the end of a stroke does; returns the top class the page shows.
async function drawBitmap(pixels) {
  return page.evaluate(async (values) => {
    const pad = document.getElementById('pad');
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const sctx = small.getContext('2d');
    const img = sctx.createImageData(28, 28);
    values.forEach((v, i) => img.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i));
    sctx.putImageData(img, 0, 0);
    const ctx = pad.getContext('2d');
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, pad.width, pad.height);
    await window.lab.predictNow();
    return document.getElementById('top-class').textContent;
  }, pixels);
}

test('real MNIST test digits drawn on the canvas are read correctly', async () => {
  const digits = mnistTestDigits(DIGITS);
  let correct = 0;
  const wrong = [];
  for (const [i, d] of digits.entries()) {
    const shown = await drawBitmap(d.pixels);
    if (Number(shown) === d.label) correct++;
    else wrong.push(`#${i}: ${d.label} read as ${shown}`);
  }
  console.log(`digits: ${correct} of ${DIGITS} correct${wrong.length ? ' (' + wrong.join(', ') + ')' : ''}`);
  assert.ok(correct >= NEEDED, `only ${correct} of ${DIGITS} correct: ${wrong.join(', ')}`);
  // the page shows the 28×28 image it sent: some ink, centred
  const seenInk = await page.evaluate(() => {
    const d = document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i];
    return s / 255;
  });
  assert.ok(seenInk > 20, 'the "what the network sees" image is empty');
});

test('a vertical stroke drawn with the mouse reads as 1', async () => {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + 40);
  await page.mouse.down();
  for (let y = 40; y <= 240; y += 10) await page.mouse.move(x + (y - 40) * 0.03, box.y + y);
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/predict'));
  await page.mouse.up();
  await answered;
  await page.waitForFunction(() => document.getElementById('top-class').textContent !== '–');
  assert.equal(await page.textContent('#top-class'), '1');
});

test('a training job updates the curves and the confusion matrix, then serves its model', async () => {
  // Record every state the confusion matrix passes through (the job may be quick: events can
  // arrive faster than the test could poll for them).
  await page.evaluate(() => {
    window.confusionStates = [];
    const table = document.getElementById('confusion');
    const snapshot = () => [...table.querySelectorAll('td')].map((td) => td.textContent).join(',');
    new MutationObserver(() => {
      const s = snapshot();
      if (window.confusionStates[window.confusionStates.length - 1] !== s) window.confusionStates.push(s);
    }).observe(table, {subtree: true, childList: true, characterData: true});
  });
  await page.fill('#train-form input[name=hidden]', '64');
  await page.fill('#train-form input[name=limit]', '12000');
  await page.fill('#train-form input[name=batch]', '32');
  await page.click('#train-start');
  await page.waitForFunction(() => /done: serving/.test(document.getElementById('train-status').textContent), null, {timeout: 120000});
  const points = Number(await page.getAttribute('#train-chart', 'data-points'));
  assert.ok(points >= 3, `the chart got ${points} points`);
  const states = await page.evaluate(() => window.confusionStates);
  const filled = new Set(states.filter((s) => s.split(',').some((n) => Number(n) > 0)));
  assert.ok(filled.size >= 2, `the confusion matrix showed ${filled.size} different non-empty states`);
  await page.waitForFunction(() => [...document.querySelectorAll('#model-select option')].some((o) => o.value.startsWith('lab-job')));
});

test('the page after a drawing, in a screenshot', async () => {
  await page.selectOption('#model-select', 'all');
  const [seven] = mnistTestDigits(1);
  await drawBitmap(seven.pixels);
  await page.waitForFunction(() => document.querySelectorAll('#bars .bars-group').length >= 2);
  fs.mkdirSync(path.join(ROOT, 'build'), {recursive: true});
  const file = path.join(ROOT, 'build/lab-screenshot.png');
  await page.screenshot({path: file, fullPage: true});
  assert.ok(fs.statSync(file).size > 10000);
  console.log(`screenshot: ${path.relative(ROOT, file)}`);
});
