// Two browser users and one TCP user chat through one chatroom server.
// Usage: node chat.mjs HTTP_URL TCP_HOST TCP_PORT SCREENSHOT_PATH
// Exits non-zero, with the reason, on any failure.
import { chromium } from "playwright-core";
import net from "node:net";

const [url, tcpHost, tcpPort, shot] = process.argv.slice(2);
const WAIT = 10_000; // ms for any one expected line

// A TCP user, as with nc: lines out, lines in. expect resolves when a
// matching line arrives (checked on every line, no timers but the deadline).
function tcpUser() {
  const sock = net.connect(Number(tcpPort), tcpHost);
  const lines = [];
  const waiters = new Set();
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters) w();
  });
  return {
    lines,
    say: (line) => sock.write(line + "\n"),
    expect(text) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!lines.some((l) => l.includes(text))) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`TCP user: no line with ${JSON.stringify(text)}; got:\n${lines.join("\n")}`));
        }, WAIT);
        waiters.add(check);
        check();
      });
    },
    close: () => sock.end(),
  };
}

async function browserUser(browser, nick) {
  const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
  page.on("pageerror", (e) => { throw new Error(`${nick}'s page: ${e.message}`); });
  await page.goto(url);
  await page.fill("#nick", nick);
  await page.click("#connect");
  await page.locator("#me", { hasText: nick }).waitFor({ timeout: WAIT });
  return {
    page,
    async say(line) {
      await page.fill("#line", line);
      await page.press("#line", "Enter");
    },
    async expect(text) {
      await page.locator("#log li", { hasText: text }).first().waitFor({ timeout: WAIT });
    },
  };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
const tcp = tcpUser();
try {
  await tcp.expect("you are ");
  tcp.say("/nick tess");
  await tcp.expect("you are tess");

  const ann = await browserUser(browser, "ann");
  const ben = await browserUser(browser, "ben");
  await ann.expect("ben joined #lobby");

  await ann.say("hello from ann's browser");
  await ben.expect("<ann> hello from ann's browser");
  await tcp.expect("<ann> hello from ann's browser");

  tcp.say("hi both, this is tess on nc");
  await ann.expect("<tess> hi both, this is tess on nc");
  await ben.expect("<tess> hi both, this is tess on nc");

  await ben.say("/me waves at everyone");
  await ann.expect("* ben waves at everyone");
  await tcp.expect("* ben waves at everyone");

  await ben.say("/msg tess psst, just you");
  await tcp.expect("*ben* psst, just you");
  await ben.expect("-> *tess* psst, just you");
  if (await ann.page.locator("#log li", { hasText: "psst" }).count() !== 0) {
    throw new Error("ann saw ben's private message to tess");
  }

  await ann.say("/frobnicate");
  await ann.expect("unknown command /frobnicate");
  await ann.say("/who");
  await ann.expect("in #lobby: ann (web), ben (web), tess (tcp)");

  await ann.page.screenshot({ path: shot });
  console.log(`browser: two browser users and one TCP user chatted; screenshot ${shot}`);
} catch (e) {
  failed = true;
  console.error("browser: FAIL:", e.message);
} finally {
  tcp.close();
  await browser.close();
}
process.exit(failed ? 1 : 0);
