import { describe, expect, it } from "vitest";
import { generateKeyPair, keyChecksum } from "../credentials/key-format.js";
import { findKeys, stringsOf } from "./scan.js";

const { sharedKey, secretKey } = generateKeyPair("production");
const dev = generateKeyPair("development");

/** The same key with its last checksum character changed: right shape, wrong checksum. */
function badChecksum(key: string): string {
  const last = key.at(-1) === "A" ? "B" : "A";
  return key.slice(0, -1) + last;
}

describe("findKeys", () => {
  it("finds keys in plain text, code blocks, links, Slack markup and italics", () => {
    const texts = [
      `here: ${secretKey}`,
      `\`\`\`\nexport APPKEYS_SECRET=${dev.secretKey}\n\`\`\``,
      `<https://example.com/?key=${dev.sharedKey}|docs>`,
      `_${sharedKey}_ and *${dev.secretKey}*`,
    ];
    expect(findKeys(texts).map((k) => k.token)).toEqual([secretKey, dev.secretKey, dev.sharedKey, sharedKey]);
  });

  it("reports kind and environment", () => {
    expect(findKeys([`${sharedKey} ${secretKey}`])).toEqual([
      { token: sharedKey, kind: "shared", environment: "production" },
      { token: secretKey, kind: "secret", environment: "production" },
    ]);
  });

  it("drops tokens whose checksum is wrong, and keys glued to other base62 characters", () => {
    expect(findKeys([badChecksum(secretKey), `x${secretKey}`, `${secretKey}9`])).toEqual([]);
  });

  it("accepts a hand-built key with a valid checksum and rejects its tag-swapped twin", () => {
    const body = "0".repeat(32);
    const key = `sk_stg_${body}${keyChecksum(`sk_stg_${body}`)}`;
    const swapped = `sk_dev_${key.slice("sk_stg_".length)}`;
    expect(findKeys([`${key} ${swapped}`]).map((k) => k.token)).toEqual([key]);
  });

  it("returns each key once and at most `max` keys", () => {
    const many = Array.from({ length: 5 }, () => generateKeyPair("staging").secretKey);
    expect(findKeys([`${many.join(" ")} ${many[0]}`], 3).map((k) => k.token)).toEqual(many.slice(0, 3));
    expect(findKeys([secretKey, secretKey])).toHaveLength(1);
  });
});

describe("stringsOf", () => {
  it("yields every string value of a message, not its property names", () => {
    const message = {
      text: "a",
      blocks: [{ type: "rich_text", elements: [{ type: "rich_text_preformatted", elements: [{ type: "text", text: "b" }] }] }],
      attachments: [{ fallback: "c" }],
      n: 1,
    };
    expect([...stringsOf(message)]).toEqual(["a", "rich_text", "rich_text_preformatted", "text", "b", "c"]);
  });
});
