/**
 * How the admin's writes reach open live sockets: the weft plugin's session authority
 * (`app.weft.endSession`, `app.weft.sessionsChanged`), which `adminPlugin` links to the site's
 * `AdminSessions` and `UserStore`. Until linked (a store used on its own, the CLI) nothing is sent.
 */

/** What the admin needs of weft's session authority (`app.weft` provides it). */
export interface SessionAuthorityLink {
  endSession(sessionId: string): Promise<void>;
  sessionsChanged(who: { userId?: string | number; sessionId?: string }): Promise<void>;
}

/**
 * The link one store holds. A publish that fails (the channel layer down) is not the write's
 * failure: the write is done, and sockets still find out at their next join or event (they
 * reload the session) or at the backstop re-check.
 */
export class AuthorityNotifier {
  private link?: SessionAuthorityLink;
  /** hears publishes that failed (the linker logs them) */
  private onError: (err: unknown) => void = () => {};

  /** Links the store to weft's session authority; `onError` hears publishes that failed. */
  attach(link: SessionAuthorityLink, onError?: (err: unknown) => void): void {
    this.link = link;
    if (onError) this.onError = onError;
  }

  /** Whether a link is attached (else the notices are not worth computing). */
  get linked(): boolean {
    return this.link !== undefined;
  }

  /** Closes every socket of these sessions, on every worker. */
  async ended(sessionIds: string[]): Promise<void> {
    const link = this.link;
    if (link) await Promise.all(sessionIds.map((id) => link.endSession(id).catch(this.onError)));
  }

  /** Has every socket of these users reload its session and re-check its views. */
  async changed(userIds: number[]): Promise<void> {
    const link = this.link;
    if (link) await Promise.all([...new Set(userIds)].map((userId) => link.sessionsChanged({ userId }).catch(this.onError)));
  }
}
