import { describe, expect, it } from 'vitest';
import { renderDocsPage } from './docs-page.ts';

describe('renderDocsPage', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 'T <b>', version: '1' },
    components: {
      schemas: {
        Row: {
          type: 'object',
          required: ['a'],
          properties: {
            a: { type: 'string', description: 'the `a` field' },
            b: { anyOf: [{ type: 'number' }, { type: 'string' }, { nullable: true }] },
          },
        },
      },
    },
    paths: {
      '/rows': {
        get: {
          summary: 'Rows <script>alert(1)</script>',
          parameters: [
            { name: 'day', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
          ],
          responses: {
            '200': {
              description: 'ok',
              content: {
                'application/json': {
                  schema: { type: 'array', items: { $ref: '#/components/schemas/Row' } },
                },
              },
            },
          },
        },
      },
    },
  };

  it('lists operations, parameters and resolved response fields', () => {
    const html = renderDocsPage(doc);
    expect(html).toContain('<code>/rows</code>');
    expect(html).toContain('<td><code>day</code></td><td>query</td><td>yes</td><td>string (date)</td>');
    expect(html).toContain('array of Row');
    expect(html).toContain('<td><code>a</code></td><td>string</td><td>the <code>a</code> field</td>');
    expect(html).toContain('<td><code>b (optional)</code></td><td>number | string | null</td>');
  });

  it('escapes text from the document', () => {
    const html = renderDocsPage(doc);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(html).toContain('T &#60;b&#62;');
  });
});
