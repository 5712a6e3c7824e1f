import "server-only";

import pg from "pg";

import { env } from "~/env.js";
import { poolConfig } from "~/server/database/pool-config";
import { logger } from "~/server/logger";

import type { ActiveWorkspace } from "~/server/workspaces/active-workspace";

/**
 * What a request needs to know about its signed-in user: who, their site
 * role, their session's id, and the workspace the session acts in (checked
 * against the membership when it was cached; a membership change makes
 * every process forget the member's entries).
 */
export type CachedSessionUser = {
  id: string;
  role: "USER" | "ADMIN";
  email: string;
  name: string;
  sessionId: string;
  workspace: ActiveWorkspace;
};

type Entry = { user: CachedSessionUser; expiresAtMs: number };

/** How long a validated session is trusted without asking the database again. */
const entryTtlMs = 5 * 60_000;
/** Sessions kept at most; the least recently used go first. */
const entriesMax = 20_000;
const reconnectBackoffMs = [250, 1_000, 5_000];
/** The channel the database triggers notify when a session or a user's identity changes. */
export const sessionChangesChannel = "cw_session_changes";

/**
 * Sessions this process has validated, so that a request needs no session
 * query (better-auth's own cookie cache would do the same, but a revoked
 * session would stay valid on other devices until the cache expired).
 * Revocation stays immediate: triggers on `session` (update, delete) and on
 * the user's role, email, name and deletion NOTIFY `cw_session_changes`
 * with the user id, and every process drops that user's entries. The cache
 * is trusted only while its LISTEN connection is up; when it drops, every
 * entry is dropped too (a notification may have been missed) until it is
 * back. Keys are the raw signed session cookie: only a value better-auth
 * itself accepted is ever stored.
 */
class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private client: pg.Client | null = null;
  private starting: Promise<void> | null = null;
  private attempts = 0;

  get(cookie: string): CachedSessionUser | null {
    if (!this.listening) {
      this.ensureListening();
      return null;
    }
    const entry = this.entries.get(cookie);
    if (!entry) return null;
    if (entry.expiresAtMs <= Date.now()) {
      this.entries.delete(cookie);
      return null;
    }
    // Least recently used first out: re-inserting moves it to the end.
    this.entries.delete(cookie);
    this.entries.set(cookie, entry);
    return entry.user;
  }

  set(cookie: string, user: CachedSessionUser, sessionExpiresAt: Date): void {
    if (!this.listening) return;
    const expiresAtMs = Math.min(sessionExpiresAt.getTime(), Date.now() + entryTtlMs);
    this.entries.set(cookie, { user, expiresAtMs });
    if (this.entries.size > entriesMax) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * Drops a user's sessions in this process at once: a change this process
   * made itself (workspaces.switchTo) must hold from the very next request,
   * before its own NOTIFY comes back on the LISTEN connection.
   */
  forget(userId: string): void {
    this.forgetUser(userId);
  }

  private forgetUser(userId: string): void {
    for (const [cookie, entry] of this.entries) if (entry.user.id === userId) this.entries.delete(cookie);
  }

  private ensureListening(): void {
    this.starting ??= this.listen().finally(() => {
      this.starting = null;
    });
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(poolConfig(env.DATABASE_URL, { max: 1, applicationName: "creditworks-sessions" }));
    const lost = (error?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      this.entries.clear();
      logger.warn({ err: error }, "session cache: listener lost; sessions are checked in the database until it is back");
      client.end().catch(() => {});
      const delayMs = reconnectBackoffMs[Math.min(this.attempts++, reconnectBackoffMs.length - 1)]!;
      setTimeout(() => this.ensureListening(), delayMs).unref();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === sessionChangesChannel && message.payload) this.forgetUser(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${sessionChangesChannel}`);
      this.client = client;
      this.listening = true;
      this.attempts = 0;
    } catch (error) {
      this.client = client;
      lost(error);
    }
  }

  /** Resolves once the cache listens (and so may answer from memory). */
  async ready(): Promise<void> {
    while (!this.listening) {
      this.ensureListening();
      await this.starting;
      if (!this.listening) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops listening (tests, shutdown). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.listening = false;
    this.entries.clear();
    await client?.end().catch(() => {});
  }
}

const globalForCache = globalThis as unknown as { creditworksSessionCache?: SessionCache };

/** The one session cache of this process. */
export const sessionCache: SessionCache = (globalForCache.creditworksSessionCache ??= new SessionCache());
