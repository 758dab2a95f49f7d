import { describe, expect, it } from 'vitest';
import { blockedReason, createAddressPolicy, formatIp, parseIp } from '../../../src/providers/web/address-policy.js';

const reason = (text: string) => {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP: ${text}`);
  return blockedReason(ip);
};

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['169.254.169.254', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.1.1', 'cgnat'],
    ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['2001:db8::1', 'documentation'],
  ])('refuses %s as %s', (address, expected) => {
    expect(reason(address)).toBe(expected);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 inside IPv6)'],
    ['::127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:0:127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata (IPv4 inside IPv6)'],
    ['2002:0a00:0001::1', 'private (IPv4 inside IPv6)'],
    ['::ffff:10.0.0.1', 'private (IPv4 inside IPv6)'],
  ])('sees the IPv4 inside %s', (address, expected) => {
    expect(reason(address)).toBe(expected);
  });

  it.each([
    ['0x7f000001', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
  ])('reads the IPv4 literal %s as %s (and refuses it)', (literal, canonical) => {
    const ip = parseIp(literal)!;
    expect(formatIp(ip)).toBe(canonical);
    expect(blockedReason(ip)).toBeDefined();
  });

  it('lets public unicast addresses through', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(reason(a), a).toBeUndefined();
  });

  it('rejects malformed literals instead of guessing', () => {
    for (const a of ['1.2.3.4.5', '1::2::3', '1:2:3:4:5:6:7:8:9', '256.1.1.1', '::ffff:999.0.0.1', 'example.com']) expect(parseIp(a), a).toBeUndefined();
  });

  it('exempts allowlisted names, addresses and ranges only', () => {
    const policy = createAddressPolicy(['127.0.0.1', 'Intranet.Example.', '10.1.0.0/16']);
    expect(policy.refusal('anything', '127.0.0.1')).toBeUndefined();
    expect(policy.refusal('anything', '::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.refusal('anything', '127.0.0.2')).toBe('loopback');
    expect(policy.refusal('intranet.example', '10.9.9.9')).toBeUndefined();
    expect(policy.refusal('other.example', '10.9.9.9')).toBe('private');
    expect(policy.refusal('other.example', '10.1.2.3')).toBeUndefined();
    expect(policy.hostAllowed('INTRANET.example')).toBe(true);
    expect(policy.hostAllowed('127.0.0.1')).toBe(true);
    expect(policy.hostAllowed('localhost')).toBe(false);
  });
});
