import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair } from "../../src/features/credentials/key-format.js";
import { firstEndpoints } from "../support/flows.js";
import { TEAM, startHarness, type Harness } from "../support/harness.js";

const ALICE = "UALICE01";
const AUDIT = "CAUDIT01";
const SCANNER_TOKEN = "scanner-token-0123456789abcdef";
const LEAK_URL = "https://github.com/octo/demo/blob/0123456789abcdef0123456789abcdef01234567/.env";

/** A stand-in for https://api.github.com/meta/public_keys/secret_scanning, counting fetches. */
class KeyServer {
  keys: { key_identifier: string; key: string; is_current: boolean }[] = [];
  fetches = 0;
  private server!: Server;
  url = "";
  async start() {
    this.server = createServer((_req, res) => {
      this.fetches++;
      const body = JSON.stringify({ public_keys: this.keys });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/meta/public_keys/secret_scanning`;
  }
  publish(id: string, key: KeyObject) {
    this.keys.push({ key_identifier: id, key: key.export({ type: "spki", format: "pem" }).toString(), is_current: true });
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const ecKeys = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

describe("leak reports over HTTP", () => {
  let h: Harness;
  const keyServer = new KeyServer();
  const github = ecKeys();
  let seq = 0;

  async function newKey(environment: "development" | "staging" = "development") {
    const s = h.app.services;
    const created = await s.apps.createApp(s.actor(ALICE, TEAM), {
      title: `Public repo app ${++seq}`,
      description: "",
      endpointIds: await firstEndpoints(h, 1),
      environment,
    });
    return {
      app: created.app,
      id: created.issued!.credential.id,
      secret: created.issued!.secretKey,
      shared: created.issued!.credential.sharedKey,
    };
  }
  const status = async (id: string) => (await h.prisma.credential.findUniqueOrThrow({ where: { id } })).status;

  /** POST to the GitHub endpoint; signs `body` with `signer` unless told otherwise. */
  async function fromGitHub(body: string, p: { keyId?: string; signer?: KeyObject; signature?: string; headers?: boolean } = {}) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (p.headers !== false) {
      headers["Github-Public-Key-Identifier"] = p.keyId ?? "kid-github-1";
      headers["Github-Public-Key-Signature"] =
        p.signature ?? sign("sha256", Buffer.from(body), p.signer ?? github.privateKey).toString("base64");
    }
    const res = await fetch(`${h.url}/v1/leaks/github`, { method: "POST", headers, body });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  }

  async function fromScanner(body: unknown, token: string | null = SCANNER_TOKEN, raw?: string) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${h.url}/v1/leaks`, { method: "POST", headers, body: raw ?? JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  }

  const match = (token: string, extra: Record<string, string> = {}) => ({
    token,
    type: "appkeys_secret_key",
    url: LEAK_URL,
    source: "content",
    ...extra,
  });

  beforeAll(async () => {
    await keyServer.start();
    keyServer.publish("kid-github-1", github.publicKey);
    h = await startHarness({
      env: { AUDIT_CHANNEL_ID: AUDIT, GITHUB_SECRET_SCANNING_KEYS_URL: keyServer.url, LEAK_REPORT_TOKENS: SCANNER_TOKEN },
    });
  });

  afterAll(async () => {
    await h?.close();
    await keyServer.close();
  });

  it("GitHub, valid signature: revokes a live secret, labels every match, tells the owner where", async () => {
    const k = await newKey();
    const unknown = generateKeyPair("development").secretKey;
    const junk = "sk_dev_this_is_not_a_key_at_all";
    const body = JSON.stringify([
      match(k.secret),
      match(unknown),
      match(junk, { type: "appkeys_other" }),
      match(k.shared, { type: "appkeys_shared_key" }),
    ]);
    const from = h.standIn.calls.length;
    const res = await fromGitHub(body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { token_raw: k.secret, token_type: "appkeys_secret_key", label: "true_positive" },
      { token_raw: unknown, token_type: "appkeys_secret_key", label: "false_positive" },
      { token_raw: junk, token_type: "appkeys_other", label: "false_positive" },
      { token_raw: k.shared, token_type: "appkeys_shared_key", label: "true_positive" },
    ]);
    expect(await h.prisma.credential.findUniqueOrThrow({ where: { id: k.id } })).toMatchObject({
      status: "REVOKED",
      revokeReason: "compromised",
      revokeNote: "found by GitHub secret scanning",
    });
    const dm = await h.standIn.waitForCall("chat.postMessage", (c) => c.args.channel === ALICE && JSON.stringify(c.args).includes(k.id));
    expect(JSON.stringify(dm.args.blocks)).toContain(`<${LEAK_URL}|this location>`);
    expect(JSON.stringify(dm.args)).not.toContain(k.secret);
    const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { credentialId: k.id, action: "credential.revoked" } });
    expect(audit.reason).toBe("compromised: found by GitHub secret scanning");
    expect(audit.details).toMatchObject({ detectedIn: "GitHub secret scanning", url: LEAK_URL });
    await h.standIn.waitForCall("chat.postMessage", (c) => c.args.channel === AUDIT && JSON.stringify(c.args).includes(k.id));
    // No thread reply anywhere: the leak was not in Slack.
    expect(h.standIn.calls.slice(from).filter((c) => c.method === "chat.postMessage" && ![ALICE, AUDIT].includes(c.args.channel))).toEqual(
      [],
    );
    expect(keyServer.fetches).toBe(1);

    // Reported again: still a true positive, nothing new revoked or sent.
    const again = h.standIn.calls.length;
    expect((await fromGitHub(JSON.stringify([match(k.secret)]))).json[0].label).toBe("true_positive");
    expect(h.standIn.calls.slice(again).filter((c) => c.args.channel === ALICE)).toEqual([]);
  });

  it("GitHub, bad or missing signature: 401, nothing said, nothing revoked", async () => {
    const k = await newKey();
    const body = JSON.stringify([match(k.secret)]);
    const impostor = ecKeys();
    const cases = [
      await fromGitHub(body, { signer: impostor.privateKey }), // wrong key
      await fromGitHub(body, { headers: false }), // no headers
      await fromGitHub(body, { signature: "bm90IGEgc2lnbmF0dXJl" }), // garbage signature
      // Tampered body: signed for another token.
      await fromGitHub(body, {
        signature: sign(
          "sha256",
          Buffer.from(JSON.stringify([match(generateKeyPair("development").secretKey)])),
          github.privateKey,
        ).toString("base64"),
      }),
      await fromGitHub(`${body} `, { signature: sign("sha256", Buffer.from(body), github.privateKey).toString("base64") }),
    ];
    for (const r of cases) expect({ status: r.status, text: r.text }).toEqual({ status: 401, text: "" });
    expect(await status(k.id)).toBe("ACTIVE");
    // Not one of them made us fetch GitHub's keys again.
    expect(keyServer.fetches).toBe(1);
  });

  it("GitHub: an unknown identifier refetches the keys (rotation); one never published stays refused", async () => {
    const rotated = ecKeys();
    keyServer.publish("kid-github-2", rotated.publicKey);
    const k = await newKey("staging");
    const res = await fromGitHub(JSON.stringify([match(k.secret)]), { keyId: "kid-github-2", signer: rotated.privateKey });
    expect(res.status).toBe(200);
    expect(res.json[0].label).toBe("true_positive");
    expect(keyServer.fetches).toBe(2);
    expect(await status(k.id)).toBe("REVOKED");

    const other = await newKey();
    const stranger = ecKeys();
    const body = JSON.stringify([match(other.secret)]);
    expect((await fromGitHub(body, { keyId: "kid-nobody", signer: stranger.privateKey })).status).toBe(401);
    expect(keyServer.fetches).toBe(3);
    // Random identifiers cannot make us hammer GitHub: the next miss is refused without a fetch.
    expect((await fromGitHub(body, { keyId: "kid-nobody-2", signer: stranger.privateKey })).status).toBe(401);
    expect(keyServer.fetches).toBe(3);
    expect(await status(other.id)).toBe("ACTIVE");
  });

  it("GitHub: a signed body that is not the expected JSON is a 400", async () => {
    const res = await fromGitHub(JSON.stringify({ token: "x" }));
    expect(res.status).toBe(400);
  });

  it("scanners: bearer token required; a report revokes and answers the same whatever the tokens", async () => {
    const k = await newKey();
    const body = {
      tokens: [k.secret, generateKeyPair("staging").secretKey, "not-a-key"],
      source: "gitleaks in CI",
      url: "https://ci.example.com/job/42",
    };
    for (const token of [null, "wrong-token-0123456789abcdef"]) {
      const r = await fromScanner(body, token);
      expect(r.status).toBe(401);
      expect(r.text).not.toContain(k.secret);
    }
    expect(await status(k.id)).toBe("ACTIVE");

    const ok = await fromScanner(body);
    expect(ok).toMatchObject({ status: 202, json: { received: 3 } });
    expect(await h.prisma.credential.findUniqueOrThrow({ where: { id: k.id } })).toMatchObject({
      status: "REVOKED",
      revokeNote: "reported by gitleaks in CI",
    });
    const dm = await h.standIn.waitForCall("chat.postMessage", (c) => c.args.channel === ALICE && JSON.stringify(c.args).includes(k.id));
    expect(JSON.stringify(dm.args.blocks)).toContain("gitleaks in CI");
    // The same answer for a key that is now revoked, an unknown one, or nothing valid at all.
    expect(await fromScanner(body)).toMatchObject({ status: 202, json: { received: 3 } });
    expect(await fromScanner({ tokens: ["nothing"], source: "trufflehog" })).toMatchObject({ status: 202, json: { received: 1 } });
  });

  it("scanners: caps and bad input are refused without echoing a token", async () => {
    const k = await newKey();
    const many = Array.from({ length: 101 }, () => k.secret);
    const cases = [
      await fromScanner({ tokens: many, source: "ci" }),
      await fromScanner({ tokens: [k.secret] }),
      await fromScanner(null, SCANNER_TOKEN, `{"tokens": ["${k.secret}"`),
      await fromScanner({ tokens: [k.secret], source: "ci", url: `not a url ${k.secret}` }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(400);
      expect(r.text).not.toContain(k.secret.slice(7));
    }
    expect(await status(k.id)).toBe("ACTIVE");
  });

  it("no secret reaches a log line or a Slack call", async () => {
    const logs = h.logs.join("");
    expect(logs).toContain("GitHub leak report");
    expect(logs).not.toMatch(/sk_(?:dev|stg|prod)_[0-9A-Za-z]{20,}/);
    expect(h.standIn.allText()).not.toMatch(/sk_(?:dev|stg|prod)_[0-9A-Za-z]{20,}/);
  });
});
