// The yardstick of `npm run bench -- startup`: a bare Bolt 5 HTTP app with one command listener,
// started as compiled JavaScript like AppKeys (`node bench/support/bare-bolt.mjs`). Web API calls
// go to SLACK_API_URL (the bench's stand-in). GET /healthz answers once it listens.
import bolt from "@slack/bolt";

const { App, LogLevel } = bolt;
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.WARN,
  customRoutes: [{ path: "/healthz", method: ["GET"], handler: (_req, res) => res.writeHead(200).end('{"ok":true}') }],
});
app.command("/apps", async ({ ack, respond }) => {
  await ack();
  await respond({ response_type: "ephemeral", text: "hello" });
});
await app.start(Number(process.env.PORT), { host: "127.0.0.1" });
process.on("SIGTERM", () => app.stop().finally(() => process.exit(0)));
