// shot.cjs URL OUT.png: a page as an operator sees it once it has loaded and settled —
// also a running workflow's page, which keeps polling Temporal and so never "finishes"
// loading for Chromium's own --screenshot. Driven through puppeteer-core (installed by
// screenshots.sh into the tools folder) with the machine's Chromium (BROWSER).
const puppeteer = require('puppeteer-core');

(async () => {
  const [url, out] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath: process.env.BROWSER,
    args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars'],
    defaultViewport: { width: 1440, height: 1100 },
  });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS || 4000)));
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
