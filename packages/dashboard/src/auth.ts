import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

export interface BasicAuthCredentials {
  username: string;
  password: string;
}

/** The dashboard was asked to do something unsafe or impossible at start (e.g. listen publicly without auth). */
export class DashboardConfigError extends Error {
  override readonly name = 'DashboardConfigError';
}

/** True for hosts only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (and its IPv4-mapped form). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/**
 * Refuses an off-loopback listener without credentials: Bull Board and the session pages show what every
 * session is doing, and Bull Board can act on the queue when not read-only.
 */
export function checkExposure(host: string, auth: BasicAuthCredentials | undefined): void {
  if (auth === undefined && !isLoopbackHost(host)) {
    throw new DashboardConfigError(
      `refusing to listen on ${host} without credentials: the dashboard is only served without a login on ` +
        'loopback (127.0.0.1, ::1, localhost). Set DASHBOARD_USERNAME and DASHBOARD_PASSWORD (or options.auth), ' +
        'or listen on 127.0.0.1.',
    );
  }
  if (auth !== undefined && (auth.username === '' || auth.password === '')) {
    throw new DashboardConfigError('dashboard credentials need a non-empty username and password');
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** HTTP Basic auth (RFC 7617) against one set of credentials, compared in constant time. */
export function basicAuth(credentials: BasicAuthCredentials, realm = 'ambient operator'): RequestHandler {
  const expectedUser = digest(credentials.username);
  const expectedPassword = digest(credentials.password);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (match?.[1]) {
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        // Both comparisons always run, so timing says nothing about which part was wrong.
        const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), expectedUser);
        const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), expectedPassword);
        if (userOk && passwordOk) {
          next();
          return;
        }
      }
    }
    res.set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).type('text/plain').send('authentication required\n');
  };
}
