// The setup page (issue 16) in a real browser: Debian's chromium, driven by
// puppeteer-core. Usage: node setup_page.test.js BASE_URL SCREENSHOT.png
// Fills the form, reads the table, decodes the QR code (zbarimg on a screenshot),
// downloads the profile and parses it (python3 plistlib), switches the language,
// checks 320 px, and fails on a console error, a page error, a dialog (an executed
// payload) or any request that leaves loopback.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const puppeteer = require('puppeteer-core');

const [baseUrl, screenshotPath] = process.argv.slice(2);
if (!baseUrl || !screenshotPath) {
  console.error('usage: node setup_page.test.js BASE_URL SCREENSHOT.png');
  process.exit(2);
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'automx2-browser-'));
const problems = [];
let expectedHttpErrors = 0;  // 4xx pages the next navigation is meant to get

function step(name) {
  console.log(`- ${name}`);
}

async function tableOf(page, caption) {
  return page.evaluate((wanted) => {
    for (const table of document.querySelectorAll('table')) {
      if (table.caption && table.caption.textContent.trim() === wanted) {
        const out = {};
        for (const row of table.querySelectorAll('tr')) {
          out[row.querySelector('th').textContent.trim()] = row.querySelector('td').textContent.trim();
        }
        return out;
      }
    }
    return null;
  }, caption);
}

async function submit(page, address, name) {
  await page.$eval('#emailaddress', (el) => { el.value = ''; });
  await page.$eval('#name', (el) => { el.value = ''; });
  await page.type('#emailaddress', address);
  if (name) await page.type('#name', name);
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('button[type=submit]'),
  ]);
  return response;
}

async function waitForFile(dir, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const done = fs.readdirSync(dir).filter((f) => !f.endsWith('.crdownload'));
    if (done.length > 0) return path.join(dir, done[0]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download in ${dir} after ${timeoutMs} ms`);
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           `--user-data-dir=${path.join(work, 'profile')}`],
  });
  try {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'en-GB,en;q=0.9' });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || LOOPBACK.has(url.hostname) || LOOPBACK.has(url.host)) {
        request.continue();
      } else {
        problems.push(`request left loopback: ${request.url()}`);
        request.abort();
      }
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (expectedHttpErrors > 0 && /status of 40[04]/.test(text)) {
        expectedHttpErrors -= 1;
        return;
      }
      problems.push(`console error: ${text}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', async (dialog) => {
      problems.push(`a dialog opened (executed payload?): ${dialog.message()}`);
      await dialog.dismiss();
    });
    await page.setViewport({ width: 820, height: 900 });

    step('the index page has a labelled form');
    let response = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await page.$eval('label[for=emailaddress]', (el) => el.textContent), 'Email address');
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /default-src 'none'/);
    const styled = await page.$eval('button', (el) => getComputedStyle(el).backgroundColor);
    assert.equal(styled, 'rgb(11, 79, 156)', 'the stylesheet is applied under the CSP');

    step('a bad address gets the form again with the problem named');
    expectedHttpErrors = 1;
    response = await submit(page, 'not-an-address');
    assert.equal(response.status(), 400);
    assert.match(await page.$eval('.error', (el) => el.textContent), /not a valid email address: not-an-address/);
    assert.equal(await page.$eval('#emailaddress', (el) => el.getAttribute('aria-invalid')), 'true');

    step('fill the form, submit, read the table');
    response = await submit(page, 'jane@example.com', 'Jane Doe');
    assert.equal(response.status(), 200);
    assert.equal(await page.$eval('h1', (el) => el.textContent), 'Settings for jane@example.com');
    assert.deepEqual(await tableOf(page, 'Incoming mail (IMAP)'), {
      Server: 'imap.example.com', Port: '993', 'Connection security': 'SSL/TLS',
      'User name': 'jane@example.com', Authentication: 'Normal password',
    });
    assert.equal((await tableOf(page, 'Outgoing mail (SMTP)')).Port, '465');
    const headings = await page.$$eval('h1, h2, h3, h4, h5, h6', (els) => els.map((e) => e.tagName));
    assert.deepEqual(headings, ['H1', 'H2', 'H3', 'H3', 'H3', 'H3']);
    await page.screenshot({ path: screenshotPath, fullPage: true });

    step('the QR code decodes to the absolute profile URL');
    const href = await page.$eval('#profile-link', (el) => el.href);
    assert.equal(href, `${baseUrl}/mobileconfig/?emailaddress=jane@example.com&name=Jane%20Doe`);
    const qr = await page.$('img.qr');
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image loaded');
    const qrPng = path.join(work, 'qr.png');
    await qr.screenshot({ path: qrPng });
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', '-Sbinary', qrPng],
                                 { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    assert.equal(decoded, href);

    step('the download link gives a profile that parses');
    const downloads = path.join(work, 'downloads');
    fs.mkdirSync(downloads);
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('#profile-link');
    const file = await waitForFile(downloads, 15000);
    assert.equal(path.basename(file), 'example.com.mobileconfig');
    const parsed = JSON.parse(execFileSync('python3', ['-c',
      'import json, plistlib, sys; p = plistlib.load(open(sys.argv[1], "rb"));'
      + ' m = p["PayloadContent"][0]; print(json.dumps({k: m[k] for k in'
      + ' ("EmailAddress", "EmailAccountName", "IncomingMailServerHostName")}))', file]).toString());
    assert.deepEqual(parsed, { EmailAddress: 'jane@example.com', EmailAccountName: 'Jane Doe',
                               IncomingMailServerHostName: 'imap.example.com' });

    step('switch the language');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[hreflang=de]')]);
    assert.equal(await page.$eval('html', (el) => el.lang), 'de');
    assert.equal(await page.$eval('h1', (el) => el.textContent), 'Einstellungen für jane@example.com');
    assert.equal((await tableOf(page, 'Posteingang (IMAP)')).Benutzername, 'jane@example.com');
    assert.equal(await page.$eval('main p:last-child a', (el) => el.getAttribute('href')), '/?lang=de');

    step('usable at 320 px: no horizontal scrolling');
    await page.setViewport({ width: 320, height: 640 });
    await page.reload({ waitUntil: 'load' });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `page is ${width} px wide at a 320 px viewport`);

    step('hostile input is shown, never executed');
    for (const query of ['emailaddress=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
                         'emailaddress=jane%40example.com&name=%3C%2Ftitle%3E%3Cscript%3Ealert(2)%3C%2Fscript%3E',
                         'emailaddress=%22%3E%3Csvg%20onload%3Dalert(3)%3E%40unknown.example']) {
      expectedHttpErrors = 1;
      response = await page.goto(`${baseUrl}/setup?${query}`, { waitUntil: 'load' });
      assert.ok([200, 400, 404].includes(response.status()), `status ${response.status()}`);
      assert.equal(await page.$$eval('script, img:not(.qr), [onerror], [onload]', (els) => els.length), 0);
      if (response.status() === 200) expectedHttpErrors = 0;
    }
    expectedHttpErrors = 0;
  } finally {
    await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  assert.deepEqual(problems, [], problems.join('\n'));
  console.log('browser test passed');
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  if (problems.length) console.error(problems.join('\n'));
  process.exit(1);
});
