import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../src/domain/image-reference.js';

describe('parseImageReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', 'alpine', 'docker.io/library/alpine:latest'],
    [
      'hashicorp/terraform:1.6',
      'docker.io',
      'hashicorp/terraform',
      '1.6',
      'hashicorp/terraform',
      'docker.io/hashicorp/terraform:1.6',
    ],
    ['gcr.io/p/img:t', 'gcr.io', 'p/img', 't', 'gcr.io/p/img', 'gcr.io/p/img:t'],
    ['localhost:5000/x', 'localhost:5000', 'x', 'latest', 'localhost:5000/x', 'localhost:5000/x:latest'],
    [
      'docker.io/library/alpine:3.20',
      'docker.io',
      'library/alpine',
      '3.20',
      'alpine',
      'docker.io/library/alpine:3.20',
    ],
    [
      'index.docker.io/library/alpine',
      'docker.io',
      'library/alpine',
      'latest',
      'alpine',
      'docker.io/library/alpine:latest',
    ],
    [
      '123.dkr.ecr.us-east-1.amazonaws.com/app:v1',
      '123.dkr.ecr.us-east-1.amazonaws.com',
      'app',
      'v1',
      '123.dkr.ecr.us-east-1.amazonaws.com/app',
      '123.dkr.ecr.us-east-1.amazonaws.com/app:v1',
    ],
  ])('%s', (input, registry, repository, tag, familiarName, normalized) => {
    expect(parseImageReference(input)).toEqual({ registry, repository, tag, familiarName, normalized });
  });

  it('keeps a digest and uses no default tag with it', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(parseImageReference(`alpine@${digest}`)).toEqual({
      registry: 'docker.io',
      repository: 'library/alpine',
      digest,
      familiarName: 'alpine',
      normalized: `docker.io/library/alpine@${digest}`,
    });
  });

  it('does not mistake a tag ending in hex for anything but a tag', () => {
    expect(parseImageReference('app:build-deadbeef').tag).toBe('build-deadbeef');
  });

  it.each([
    ['', /empty/],
    ['alpine:', /tag ""/],
    ['UPPER/case', /lowercase/],
    ['alpine@sha256:xyz', /digest/],
    ['a b', /white space/],
  ])('rejects %j', (input, message) => {
    expect(() => parseImageReference(input)).toThrow(message);
  });

  it('lowercases the hex of a digest (it is case-insensitive)', () => {
    const hex = 'Ab12'.repeat(16);
    const parsed = parseImageReference(`ghcr.io/acme/app@sha256:${hex}`);
    expect(parsed.digest).toBe(`sha256:${hex.toLowerCase()}`);
    expect(parsed.normalized).toBe(`ghcr.io/acme/app@sha256:${hex.toLowerCase()}`);
  });
});
