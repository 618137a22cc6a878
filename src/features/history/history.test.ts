import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firstGap } from "./service.js";
import { matchToken } from "./http/route.js";

const ids = (...n: number[]) => n.map((id) => ({ id: BigInt(id) }));
const digest = (s: string) => createHash("sha256").update(s).digest();

describe("audit export", () => {
  it("finds the first id that does not follow its predecessor (the export stops there while writers are in flight)", () => {
    expect(firstGap(0n, ids(3, 4, 5))).toBe(-1); // the beginning: no predecessor to follow
    expect(firstGap(2n, ids(3, 4, 5))).toBe(-1);
    expect(firstGap(2n, ids(4, 5))).toBe(0);
    expect(firstGap(2n, ids(3, 4, 6, 7))).toBe(2);
    expect(firstGap(0n, ids(1, 3))).toBe(1);
  });

  it("accepts any configured bearer token and nothing else", () => {
    const tokens = [digest("first-token-0123456789"), digest("second-token-0123456789")];
    expect(matchToken("Bearer second-token-0123456789", tokens)).toBe(1);
    expect(matchToken("bearer first-token-0123456789 ", tokens)).toBe(0);
    expect(matchToken("Bearer second-token-012345678", tokens)).toBe(-1);
    expect(matchToken("second-token-0123456789", tokens)).toBe(-1);
    expect(matchToken(undefined, tokens)).toBe(-1);
    expect(matchToken("Bearer ", tokens)).toBe(-1);
  });
});
