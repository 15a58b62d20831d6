import { isIPv4 } from 'node:net';
import { check } from '@fbemu/gem-shmem';

/** 127.0.0.0/8, ::1 and the name localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Security type None gives anyone who can connect the screen and the input, so listening beyond
 * loopback needs an explicit opt-in (EACCES otherwise).
 */
export function checkBindAllowed(host: string, allowNonLoopback: boolean, what: string): void {
  check(
    allowNonLoopback || isLoopbackHost(host),
    'EACCES',
    `${what} would listen on ${host} without authentication; set allowNonLoopback to do that`,
  );
}
