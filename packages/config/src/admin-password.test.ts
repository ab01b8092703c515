import { describe, expect, it } from 'vitest';
import { adminPasswordProblems } from './admin-password.ts';

describe('adminPasswordProblems', () => {
  it.each([
    'correct horse battery',
    'vN4q-Tr8x-L2mw',
    'ops-Kestrel-Quarry-41',
    '839201746582', // digits, but no run
    'passport-cedar-lantern', // contains "pass", but other words too
  ])('accepts %s', (password) => {
    expect(adminPasswordProblems('ops', password)).toEqual(
      password.includes('ops') ? ['contains ADMIN_USER'] : [],
    );
  });

  it.each([
    ['            ', 'must not be blank'],
    ['\t \t \t \t \t \t ', 'must not be blank'],
    ['aaaaaaaaaaaaaaaa', 'uses too few different characters'],
    ['abababababababab', 'uses too few different characters'],
    ['1234567890123', 'is a run of adjacent keys or letters'],
    ['9876543210987', 'is a run of adjacent keys or letters'],
    ['abcdefghijklmn', 'is a run of adjacent keys or letters'],
    ['qwertyuiopqwerty', 'is a run of adjacent keys or letters'],
    ['lkjhgfdsaLKJH', 'is a run of adjacent keys or letters'],
    ['Password123!', 'is a common password (common words with digits or symbols around them)'],
    ['P4ssw0rd!2024', 'is a common password (common words with digits or symbols around them)'],
    ['changeme-changeme', 'is a common password (common words with digits or symbols around them)'],
    ['adm!n@adm1n2024', 'is a common password (common words with digits or symbols around them)'],
    ['Welcome2024!!', 'is a common password (common words with digits or symbols around them)'],
    ['letmein_letmein', 'is a common password (common words with digits or symbols around them)'],
  ])('refuses %j: %s', (password, problem) => {
    expect(adminPasswordProblems('operator', password)).toEqual([problem]);
  });

  it('refuses a password holding the user name, in any case', () => {
    expect(adminPasswordProblems('plantops', 'PlantOps-Kestrel-41')).toEqual(['contains ADMIN_USER']);
    // Too short a name to mean anything inside a password.
    expect(adminPasswordProblems('op', 'op-Kestrel-Quarry-41')).toEqual([]);
  });

  it('reports every problem, and never the password itself', () => {
    const problems = adminPasswordProblems('admin', 'admin1');
    expect(problems).toEqual([
      'must be at least 12 characters',
      'is a common password (common words with digits or symbols around them)',
      'contains ADMIN_USER',
    ]);
    expect(problems.join(' ')).not.toContain('admin1');
  });
});
