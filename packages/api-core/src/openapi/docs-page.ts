// A self-contained HTML page from the OpenAPI document: no scripts, no stylesheets or fonts from
// elsewhere, so `/docs` works on an air-gapped plant network.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Escaped text where `code` spans become <code>. */
function prose(text: unknown): string {
  if (typeof text !== 'string' || text === '') return '';
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function resolve(doc: Json, schema: unknown): Json {
  if (!isObject(schema)) return {};
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    const components =
      isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
    return { ...resolve(doc, components[name]), 'x-name': name };
  }
  return schema;
}

function typeOf(doc: Json, raw: unknown, depth = 0): string {
  const schema = resolve(doc, raw);
  if (depth > 4) return 'object';
  let type: string;
  const variants = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  let nullable = schema.nullable === true;
  if (Array.isArray(variants)) {
    // zod-to-openapi writes a nullable union as anyOf [..., { nullable: true }].
    const typed = variants.filter((v) => {
      const bare =
        isObject(v) &&
        v.nullable === true &&
        v.type === undefined &&
        v.$ref === undefined &&
        v.enum === undefined;
      if (bare) nullable = true;
      return !bare;
    });
    type = typed.map((v) => typeOf(doc, v, depth + 1)).join(' | ');
  } else if (Array.isArray(schema.enum)) type = schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  else if (schema.type === 'array') type = `array of ${typeOf(doc, schema.items, depth + 1)}`;
  else if (typeof schema['x-name'] === 'string' && schema.type === 'object') type = schema['x-name'];
  else if (typeof schema.type === 'string') type = schema.type === 'integer' ? 'integer' : schema.type;
  else type = 'any';
  if (typeof schema.format === 'string') type += ` (${schema.format})`;
  if (nullable) type += ' | null';
  return type;
}

interface FieldRow {
  name: string;
  type: string;
  description: string;
}

/** The fields of a response schema, nested ones with dotted names (`days[].etls[].status`). */
function fields(doc: Json, raw: unknown, prefix = '', depth = 0): FieldRow[] {
  const schema = resolve(doc, raw);
  if (depth > 10) return [];
  // A top-level array's items are described as the rows (the shape line says it is an array).
  if (schema.type === 'array') return fields(doc, schema.items, prefix ? `${prefix}[]` : '', depth + 1);
  const properties = isObject(schema.properties) ? schema.properties : null;
  if (!properties) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const rows: FieldRow[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    const p = resolve(doc, prop);
    const path = prefix ? `${prefix}.${name}` : name;
    rows.push({
      name: path + (required.has(name) ? '' : ' (optional)'),
      type: typeOf(doc, prop),
      description: prose(p.description),
    });
    rows.push(...fields(doc, prop, path, depth + 1));
  }
  return rows;
}

function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const head = headers.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const style = `
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 2rem;color:#1b1f24}
h1{margin-bottom:0}h2{margin-top:2.5rem;border-top:1px solid #d0d7de;padding-top:1rem;font-size:1.2rem}
h3{font-size:1rem;margin-bottom:.3rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.method{font-weight:700;color:#fff;background:#1f6feb;border-radius:3px;padding:0 .4rem;margin-right:.4rem}
nav li{margin:.1rem 0}.muted{color:#57606a}`;

/**
 * Renders an OpenAPI 3 document as one HTML page: each operation with its parameters and the fields
 * of each response.
 *
 * @example
 * const html = renderDocsPage(app.getOpenAPIDocument({ openapi: '3.0.3', info }));
 */
export function renderDocsPage(document: object): string {
  const doc = document as Json;
  const info = isObject(doc.info) ? doc.info : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  const operations: Array<{ id: string; method: string; path: string; op: Json }> = [];
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path];
    if (!isObject(item)) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (isObject(op)) {
        operations.push({ id: `${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`, method, path, op });
      }
    }
  }
  const nav = operations
    .map(
      (o) =>
        `<li><a href="#${o.id}"><code>${o.method.toUpperCase()} ${escapeHtml(o.path)}</code></a> <span class="muted">${prose(o.op.summary)}</span></li>`,
    )
    .join('\n');
  const sections = operations.map(({ id, method, path, op }) => {
    const params = (Array.isArray(op.parameters) ? op.parameters : []).filter(isObject).map((p) => {
      const schema = resolve(doc, p.schema);
      return [
        `<code>${escapeHtml(String(p.name))}</code>`,
        escapeHtml(String(p.in)),
        p.required === true ? 'yes' : 'no',
        escapeHtml(typeOf(doc, p.schema)),
        prose(p.description ?? schema.description) +
          (schema.example !== undefined
            ? ` <span class="muted">e.g. <code>${escapeHtml(String(schema.example))}</code></span>`
            : ''),
      ];
    });
    const responses = isObject(op.responses) ? op.responses : {};
    const responseHtml = Object.entries(responses)
      .map(([status, r]) => {
        const response = isObject(r) ? r : {};
        const content = isObject(response.content) ? response.content : {};
        const media = isObject(content['application/json']) ? content['application/json'] : {};
        const rows = fields(doc, media.schema).map((f) => [
          `<code>${escapeHtml(f.name)}</code>`,
          escapeHtml(f.type),
          f.description,
        ]);
        const shape = media.schema
          ? ` <span class="muted">(${escapeHtml(typeOf(doc, media.schema))})</span>`
          : '';
        return `<h3>${escapeHtml(status)} ${prose(response.description)}${shape}</h3>\n${table(['field', 'type', 'description'], rows)}`;
      })
      .join('\n');
    return `<section id="${id}">
<h2><span class="method">${method.toUpperCase()}</span><code>${escapeHtml(path)}</code></h2>
<p><strong>${prose(op.summary)}</strong></p>
<p>${prose(op.description)}</p>
${params.length ? `<h3>Parameters</h3>\n${table(['name', 'in', 'required', 'type', 'description'], params)}` : '<p class="muted">No parameters.</p>'}
${responseHtml}
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info.title ?? 'API'))}</title>
<style>${style}</style>
</head>
<body>
<h1>${escapeHtml(String(info.title ?? 'API'))} <small class="muted">${escapeHtml(String(info.version ?? ''))}</small></h1>
<p>${prose(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<nav><ul>
${nav}
</ul></nav>
${sections.join('\n')}
</body>
</html>
`;
}
