/** Messages between the embedded database's thread (pglite-host.ts) and the app (pglite-remote.ts). */
export interface HostRequest {
  id: number;
  op: "query" | "exec" | "begin" | "commit" | "abort" | "rollback" | "listen" | "unlisten" | "close";
  txId?: number;
  sql?: string;
  params?: unknown[];
  rowMode?: "array" | "object";
  rawTypes?: number[];
  channel?: string;
  lid?: number;
}

export type HostMessage =
  | { type: "ready"; dataDir?: string }
  | { type: "failed"; error: SerializedError }
  | { type: "reply"; id: number; result?: unknown; error?: SerializedError }
  | { type: "notification"; lid: number; payload: string };

export type SerializedError = { name: string; message: string } & Record<string, unknown>;
