// LISTEN/NOTIFY names, apart from listener.ts so that PGlite deployments never load `pg`.
const CHANNEL_RE = /^[a-z_]+$/;
/** application_name of the dedicated LISTEN connection (visible in pg_stat_activity). */
export const LISTEN_APPLICATION_NAME = "appkeys:listen";

export function assertChannelName(channel: string): void {
  if (!CHANNEL_RE.test(channel) || channel.length > 63) {
    throw new Error(`invalid LISTEN/NOTIFY channel name ${JSON.stringify(channel)}: use [a-z_]+ (max 63)`);
  }
}
