import type { PrismaClient } from "../../generated/prisma/client.js";

/**
 * The audit outbox as the metrics page shows it: events not delivered yet and when the oldest
 * was written. One indexed aggregate (deliveredAt, id). With no audit channel configured, events
 * wait here until one is set.
 */
export async function outboxBacklog(prisma: PrismaClient): Promise<{ backlog: number; oldestCreatedAt: Date | null }> {
  const r = await prisma.auditEvent.aggregate({ where: { deliveredAt: null }, _count: { _all: true }, _min: { createdAt: true } });
  return { backlog: r._count._all, oldestCreatedAt: r._min.createdAt ?? null };
}
