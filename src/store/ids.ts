import { randomBytes } from 'node:crypto';

/** 128 random bits as 25 lowercase base-36 characters: unguessable, URL- and filename-safe. */
export function randomToken(): string {
  return BigInt(`0x${randomBytes(16).toString('hex')}`).toString(36).padStart(25, '0');
}

/** A prefixed random id such as `wf_…`, `exec_…`, `ten_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken()}`;
}
