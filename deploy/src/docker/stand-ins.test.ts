import { describe, expect, it } from 'vitest';
import { lastLines } from './docker-cli.ts';
import { highestVersion, parseAptSources, StandInError, standInSpec } from './stand-ins.ts';

describe('standInSpec', () => {
  it('reads the program, its major version and the Debian release from the image name', () => {
    expect(standInSpec('node:24-bookworm-slim', 'trixie')).toEqual({
      image: 'node:24-bookworm-slim',
      kind: 'node',
      major: '24',
      suite: 'bookworm',
    });
    expect(standInSpec('postgres:15', 'bookworm')).toMatchObject({
      kind: 'postgres',
      major: '15',
      suite: 'bookworm',
    });
    expect(standInSpec('redis:7', 'bookworm')).toMatchObject({ kind: 'redis', major: '7' });
  });

  it('refuses a name it has no recipe for, saying which it has', () => {
    expect(() => standInSpec('node:24-alpine', 'bookworm')).toThrow(StandInError);
    expect(() => standInSpec('mysql:8', 'bookworm')).toThrow(/postgres:<major> and redis:<major>/);
  });
});

describe('parseAptSources', () => {
  it('takes the mirror and the security mirror of a suite from deb822 files, skipping disabled stanzas', () => {
    const text = [
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nEnabled: no',
      'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm',
      'Types: deb\nURIs: http://deb.debian.org/debian/\nSuites: bookworm bookworm-updates\nComponents: main',
      'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main',
    ].join('\n\n');
    expect(parseAptSources([{ name: '/etc/apt/sources.list.d/debian.sources', text }], 'bookworm')).toEqual({
      mirror: 'http://deb.debian.org/debian',
      security: 'http://deb.debian.org/debian-security',
    });
  });

  it('reads one-line entries with options, the first file naming a suite winning', () => {
    const files = [
      {
        name: '/etc/apt/sources.list',
        text: '# a comment\ndeb [arch=amd64] http://a.example/debian bookworm main\n',
      },
      { name: '/etc/apt/sources.list.d/b.list', text: 'deb http://b.example/debian bookworm main\n' },
    ];
    expect(parseAptSources(files, 'bookworm')).toEqual({ mirror: 'http://a.example/debian' });
    expect(parseAptSources(files, 'trixie')).toEqual({});
  });
});

describe('highestVersion', () => {
  it('picks the highest of the versions npm view printed, one or a list', () => {
    expect(highestVersion('"24.22.3"')).toBe('24.22.3');
    expect(highestVersion('["24.9.0","24.22.1","24.22.3","24.10.0"]')).toBe('24.22.3');
    expect(() => highestVersion('[]')).toThrow(StandInError);
  });
});

describe('lastLines', () => {
  it('keeps the last lines, each as a terminal shows a line redrawn with carriage returns', () => {
    expect(lastLines('a\nprogress 10%\rprogress 50%\rprogress 100%\nb\n', 3)).toBe('progress 100%\nb\n');
  });
});
