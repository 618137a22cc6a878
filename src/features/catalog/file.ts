import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { CatalogError } from "./error.js";

/** Catalog files larger than this are refused before being read. */
export const MAX_CATALOG_BYTES = 20 * 1024 * 1024;

/**
 * Bump when parsing changes what a given file yields (ids derived from OpenAPI, normalised paths,
 * ...): the digest then differs, so every database re-syncs its catalog once after the upgrade.
 */
const PARSER_VERSION = 1;

/** The catalog file's text; CatalogError when it is missing, not a file, unreadable or too large. */
export async function readCatalogFile(file: string): Promise<string> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CatalogError(file, [{ line: null, message: "not a regular file" }]);
    if (st.size > MAX_CATALOG_BYTES) {
      throw new CatalogError(file, [{ line: null, message: `file is too large (${st.size} bytes; the limit is ${MAX_CATALOG_BYTES})` }]);
    }
    return await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new CatalogError(file, [{ line: null, message: `cannot read catalog file: ${reason}` }]);
  }
}

/**
 * What identifies a synced catalog: its file name's format (by extension), its text and the
 * parser version. A start whose file has the digest the database last synced skips parsing and
 * syncing altogether.
 */
export function catalogDigest(text: string, fileName: string): string {
  const ext = fileName.slice(fileName.lastIndexOf(".")).toLowerCase();
  return createHash("sha256").update(`appkeys-catalog:${PARSER_VERSION}:${ext}\n`).update(text).digest("hex");
}
