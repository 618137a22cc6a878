import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import { type Logger, scrub } from "../../logger.js";

/**
 * Bolt's logger. At debug level Bolt's Web API client logs whole request bodies, secrets included
 * (see shared notes), so Bolt never gets a level below INFO, whatever LOG_LEVEL says.
 */
export function boltLogger(base: Logger): BoltLogger {
  const log = base.child({ component: "bolt" });
  let level: LogLevel = LogLevel.INFO;
  const fmt = (msgs: unknown[]) => msgs.map((m) => (typeof m === "string" ? m : JSON.stringify(scrub(m)))).join(" ");
  return {
    debug: () => {},
    info: (...m: unknown[]) => log.info(fmt(m)),
    warn: (...m: unknown[]) => log.warn(fmt(m)),
    error: (...m: unknown[]) => log.error(fmt(m)),
    setLevel: (l: LogLevel) => {
      level = l === LogLevel.DEBUG ? LogLevel.INFO : l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
