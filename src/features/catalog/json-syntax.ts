// Strict JSON syntax for .json catalogs: the yaml parser that reads them accepts a superset of
// JSON (trailing commas, single quotes, comments), so the syntax is checked first, with a position.

/** 1-based line and column of `pos` in `source`. */
export function lineCol(source: string, pos: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = source.indexOf("\n"); nl !== -1 && nl < pos; nl = source.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, col: pos - lineStart + 1 };
}

const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_JSON_DEPTH = 512;

/** Strict JSON syntax check (RFC 8259). Returns the offset and reason of the first error, or null. */
export function jsonSyntaxError(src: string): { pos: number; message: string } | null {
  let i = 0;
  class Bad {
    constructor(readonly message: string) {}
  }
  const ws = (): void => {
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const describe = (): string => (i >= src.length ? "end of file" : JSON.stringify(src[i]));
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= src.length) throw new Bad("unterminated string");
      const c = src.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = src[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === "u" && /^[0-9A-Fa-f]{4}$/.test(src.slice(i + 2, i + 6))) i += 6;
        else throw new Bad("invalid escape sequence in string");
      } else if (c < 0x20) {
        throw new Bad("control character in string (escape it)");
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw new Bad("nesting too deep");
    ws();
    const c = src[i];
    if (c === "{") {
      i++;
      ws();
      if (src[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (src[i] !== '"')
          throw new Bad(src[i] === "}" ? "trailing comma" : `expected a double-quoted property name, found ${describe()}`);
        string();
        ws();
        if (src[i] !== ":") throw new Bad(`expected ":", found ${describe()}`);
        i++;
        value(depth + 1);
        ws();
        if (src[i] === ",") i++;
        else if (src[i] === "}") {
          i++;
          return;
        } else throw new Bad(`expected "," or "}", found ${describe()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (src[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (src[i] === "]") throw new Bad("trailing comma");
        value(depth + 1);
        ws();
        if (src[i] === ",") i++;
        else if (src[i] === "]") {
          i++;
          return;
        } else throw new Bad(`expected "," or "]", found ${describe()}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    for (const lit of ["true", "false", "null"]) {
      if (src.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    if (JSON_NUMBER.test(src)) {
      i = JSON_NUMBER.lastIndex;
      return;
    }
    throw new Bad(`unexpected ${describe()}`);
  };
  try {
    ws();
    if (i >= src.length) return null; // empty file: reported as an empty catalog
    value(0);
    ws();
    if (i < src.length) throw new Bad(`unexpected ${describe()} after the end of the JSON value`);
    return null;
  } catch (err) {
    if (err instanceof Bad) return { pos: Math.min(i, src.length), message: err.message };
    throw err;
  }
}
