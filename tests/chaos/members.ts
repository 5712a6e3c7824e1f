import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { SessionUser } from "~/server/auth/auth";
import { db } from "~/server/db";
import { readOutbox } from "~/server/mail/outbox";
import { money } from "~/server/money";
import type { ActiveWorkspace } from "~/server/workspaces/active-workspace";
import { acceptInvitation, inviteMember } from "~/server/workspaces/invitations";
import { removeMember } from "~/server/workspaces/members";
import { createTeam } from "~/server/workspaces/teams";

import { retried } from "./budgets";
import type { History } from "./history";
import type { Random } from "./random";

/** The team's starting credits: enough that its members run into its limits and the removals, not its balance, most of the time. */
export const teamStartingCredits = 3_000;
const readAttemptsMax = 40;

/**
 * One team whose members spend its credits while its owner removes them
 * and invites them back (SPEC §9). `memberWorkspace` is the team as a
 * member's session holds it: the clients keep it through a removal, as a
 * session (or another process's cache) read just before the removal would,
 * so only the create's own membership read (cw_create_job) stands between
 * a removed member and the team's wallet.
 */
export type TeamPlan = { owner: SessionUser; ownerWorkspace: ActiveWorkspace; memberWorkspace: ActiveWorkspace; members: SessionUser[] };

export type MemberCounts = { removed: number; readded: number; createdWhileIn: number; refusedWhileOut: number };

export function emptyMemberCounts(): MemberCounts {
  return { removed: 0, readded: 0, createdWhileIn: 0, refusedWhileOut: 0 };
}

export async function createTeamPlan(seed: number, members: SessionUser[]): Promise<TeamPlan> {
  const owner = await db.user.create({
    data: { id: randomUUID(), email: `chaos-owner-${seed}@example.test`, name: "Chaos owner", emailVerified: true },
    select: { id: true, email: true, name: true, role: true },
  });
  const team = await createTeam(db, owner.id, "Chaos team");
  await db.workspaceMember.createMany({ data: members.map((member) => ({ workspaceId: team.id, userId: member.id, role: "MEMBER" as const })) });
  await money.moveCredits(db, {
    workspaceId: team.id, amount: teamStartingCredits, kind: "GRANT", actor: { type: "SYSTEM", id: "chaos" },
    reason: "Chaos team credits", idempotencyKey: `chaos:${team.id}`,
  });
  return {
    owner, members,
    ownerWorkspace: { id: team.id, kind: "TEAM", role: "OWNER" },
    memberWorkspace: { id: team.id, kind: "TEAM", role: "MEMBER" },
  };
}

type Interval = { from: number; to: number };
type CreateAttempt = { userId: string; startedAt: number; endedAt: number; ok: boolean; code: string | null };

/**
 * What the owner's client knows of each member's membership, in wall-clock
 * milliseconds: surely in from the answer of an add to the start of the next
 * removal, surely out from the answer of a removal to the start of the next
 * add. The creates of the team's clients are checked against it after the
 * run: one that started and ended while its member was surely out must have
 * been refused (FORBIDDEN), one that ran while surely in must not have been
 * refused FORBIDDEN. A change whose outcome stayed unknown ends the tracking
 * of that member.
 */
export class MembershipTimeline {
  private readonly surelyIn = new Map<string, Interval[]>();
  private readonly surelyOut = new Map<string, Interval[]>();
  private readonly openSince = new Map<string, { state: "in" | "out"; from: number }>();
  private readonly attempts: CreateAttempt[] = [];

  constructor(members: SessionUser[], startedAt: number) {
    for (const member of members) this.openSince.set(member.id, { state: "in", from: startedAt });
  }

  isIn(userId: string): boolean | null {
    const open = this.openSince.get(userId);
    return open ? open.state === "in" : null;
  }

  /** A change starts: what was surely true until now ends here. */
  changeStarted(userId: string, at: number): void {
    const open = this.openSince.get(userId);
    if (!open) return;
    const intervals = open.state === "in" ? this.surelyIn : this.surelyOut;
    intervals.set(userId, [...(intervals.get(userId) ?? []), { from: open.from, to: at }]);
  }

  changeAnswered(userId: string, state: "in" | "out", at: number): void {
    if (this.openSince.has(userId)) this.openSince.set(userId, { state, from: at });
  }

  /** The change's outcome is unknown: nothing sure about this member from now on. */
  forget(userId: string): void {
    this.openSince.delete(userId);
  }

  recordCreate(attempt: CreateAttempt): void {
    this.attempts.push(attempt);
  }

  /** Closes the open intervals and checks every create; returns how many were judged each way. */
  check(history: History, counts: MemberCounts, endedAt: number): void {
    for (const userId of [...this.openSince.keys()]) this.changeStarted(userId, endedAt);
    const within = (intervals: Interval[] | undefined, attempt: CreateAttempt) =>
      (intervals ?? []).some((interval) => attempt.startedAt >= interval.from && attempt.endedAt <= interval.to);
    for (const attempt of this.attempts) {
      if (within(this.surelyOut.get(attempt.userId), attempt)) {
        if (attempt.ok) history.problem(`member ${attempt.userId} was out of the team but a create was accepted (${attempt.startedAt})`);
        else if (attempt.code === "FORBIDDEN") counts.refusedWhileOut++;
      } else if (within(this.surelyIn.get(attempt.userId), attempt)) {
        if (attempt.code === "FORBIDDEN") history.problem(`member ${attempt.userId} was in the team but a create was refused FORBIDDEN (${attempt.startedAt})`);
        else if (attempt.ok) counts.createdWhileIn++;
      }
    }
  }
}

/**
 * The owner's hand on the members while they spend: remove one who is in,
 * or invite one who is out back by mail and accept the link as them (the
 * real invitation path, through an outbox of the run's own). Each change is
 * retried while its outcome is unknown (a killed connection, the database
 * crash); a retried removal that answers NOT_FOUND, or a retried accept
 * that does, is accepted only when the database shows the change made.
 */
export async function runMembershipClient(plan: TeamPlan, timeline: MembershipTimeline, rng: Random, history: History, counts: MemberCounts, until: () => boolean) {
  const acting = { workspace: plan.ownerWorkspace, actorUserId: plan.owner.id };
  while (!until()) {
    await new Promise((resolve) => setTimeout(resolve, rng.int(150, 500)));
    const tracked = plan.members.filter((member) => timeline.isIn(member.id) !== null);
    if (tracked.length === 0) return;
    const member = rng.pick(tracked);
    timeline.changeStarted(member.id, Date.now());
    if (timeline.isIn(member.id)) {
      const outcome = await retried(history, "member-remove", () => removeMember(db, acting, member.id));
      if (outcome.ok || (outcome.code === "NOT_FOUND" && outcome.afterUnknown && !(await isMember(plan, member.id)))) {
        timeline.changeAnswered(member.id, "out", Date.now());
        counts.removed++;
      } else {
        timeline.forget(member.id);
        history.problem(`removing member ${member.id} answered ${outcome.code}`);
      }
    } else {
      const added = await inviteBack(plan, acting, member, history);
      if (added) {
        timeline.changeAnswered(member.id, "in", Date.now());
        counts.readded++;
      } else {
        timeline.forget(member.id);
      }
    }
  }
}

async function inviteBack(plan: TeamPlan, acting: { workspace: ActiveWorkspace; actorUserId: string }, member: SessionUser, history: History): Promise<boolean> {
  const outbox = await mkdtemp(path.join(tmpdir(), "cw-chaos-invite-"));
  try {
    const delivery = { kind: "outbox" as const, dir: outbox, page: false };
    const invited = await retried(history, "member-invite", () => inviteMember(db, acting, { email: member.email, role: "MEMBER" }, { delivery }));
    if (!invited.ok) {
      history.problem(`inviting ${member.id} back answered ${invited.code}`);
      return false;
    }
    // A retried invite may have written two invitations; the mail of the answered one is the newest.
    const [mail] = await readOutbox(outbox, 1);
    const token = mail?.text.match(/\/invitations\/([A-Za-z0-9_-]+)/)?.[1];
    if (!token) {
      history.problem(`no invitation mail for ${member.id}`);
      return false;
    }
    const accepted = await retried(history, "member-accept", () => acceptInvitation(db, member.id, token));
    if (accepted.ok || (accepted.code === "NOT_FOUND" && accepted.afterUnknown && (await isMember(plan, member.id)))) return true;
    history.problem(`accepting ${member.id}'s invitation answered ${accepted.code}`);
    return false;
  } finally {
    await rm(outbox, { recursive: true, force: true });
  }
}

/** Whether the database shows `userId` in the team, asked again while the database is down (its restart takes seconds). */
async function isMember(plan: TeamPlan, userId: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      const row = await db.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId: plan.ownerWorkspace.id, userId } } });
      return row !== null;
    } catch (error) {
      if (attempt >= readAttemptsMax) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
