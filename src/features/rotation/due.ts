/** How long before the rotation deadline a key starts counting as "due for rotation". */
export const ROTATION_WARNING_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RotationCandidate {
  status?: string;
  createdAt: Date;
  snoozedUntil?: Date | null;
  revokeAt?: Date | null;
  /** Set when the key's creator was offboarded: due by then at the latest. */
  rotateBy?: Date | null;
}

/** The moment a key should have been rotated: createdAt + rotationDays. */
export function rotationDeadline(cred: Pick<RotationCandidate, "createdAt" | "rotateBy">, rotationDays: number): Date {
  const due = cred.createdAt.getTime() + rotationDays * DAY_MS;
  return new Date(cred.rotateBy ? Math.min(due, cred.rotateBy.getTime()) : due);
}

/**
 * A key is due for rotation when it is active, its deadline is within ROTATION_WARNING_DAYS or
 * past, no snooze is running, and no revocation is already scheduled (its replacement exists).
 */
export function isDueForRotation(cred: RotationCandidate, rotationDays: number, now: Date): boolean {
  if (cred.status !== undefined && cred.status !== "ACTIVE") return false;
  if (cred.revokeAt) return false;
  if (cred.snoozedUntil && cred.snoozedUntil.getTime() > now.getTime()) return false;
  return rotationDeadline(cred, rotationDays).getTime() - ROTATION_WARNING_DAYS * DAY_MS <= now.getTime();
}
