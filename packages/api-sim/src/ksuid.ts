import { randomBytes } from 'node:crypto';

/** KSUID epoch (2014-05-13T16:53:20Z) in seconds, as segmentio/ksuid. */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KSUID_LENGTH = 27;

/** A new KSUID: 4 bytes of seconds since the KSUID epoch and 16 random bytes, base62 in 27 chars. */
export function newKsuid(nowMs: number = Date.now()): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.max(0, Math.floor(nowMs / 1000) - KSUID_EPOCH_SECONDS), 0);
  randomBytes(16).copy(bytes, 4);
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out.padStart(KSUID_LENGTH, '0');
}

export function isKsuid(id: string): boolean {
  return id.length === KSUID_LENGTH && /^[0-9A-Za-z]+$/.test(id);
}
