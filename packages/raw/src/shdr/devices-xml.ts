/** What the device model says about one data item. */
export interface DataItemInfo {
  id: string;
  name: string | undefined;
  /** `SAMPLE`, `EVENT` or `CONDITION` (upper-cased as written by any tool). */
  category: string;
  type: string | undefined;
}

/** The data items of one device, by the keys an SHDR line may use for them. */
export interface DeviceModel {
  device: string;
  /** Key → data item: by `<Source>`, else by `name`, else by `id` (the agent's own lookup order). */
  items: ReadonlyMap<string, DataItemInfo>;
}

// Devices.xml is written by people and agents in one small, regular dialect: elements with quoted
// attributes (single or double quotes), `<DataItem …/>` or `<DataItem …>…<Source>key</Source>…</DataItem>`.
// We need four attributes and one child of one element, so a careful regex over the elements is enough
// and keeps an XML parser (a dependency) out. An attribute value may contain `>`: the patterns skip
// quoted strings whole.
const ATTRS = `((?:[^>"']|"[^"]*"|'[^']*')*?)`;
const DEVICE = new RegExp(`<Device\\b${ATTRS}(/>|>([\\s\\S]*?)</Device\\s*>)`, 'g');
const DATA_ITEM = new RegExp(`<DataItem\\b${ATTRS}(/>|>([\\s\\S]*?)</DataItem\\s*>)`, 'g');
const ATTRIBUTE = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const SOURCE = /<Source\b[^>]*>([^<]*)<\/Source\s*>/;

/** Names (else ids) of the devices a Devices.xml describes, in document order. */
export function listDevices(xml: string): string[] {
  return [...withoutComments(xml).matchAll(DEVICE)].map((m) => {
    const attrs = attributes(m[1] ?? '');
    return attrs.get('name') ?? attrs.get('id') ?? '?';
  });
}

/**
 * The data items of the device named (or with the id) `device` in a Devices.xml text; `undefined` if
 * the file has no such device. When two data items claim the same key the first one wins.
 *
 * @example
 * const model = parseDevicesXml(readFileSync('Devices.xml', 'utf8'), 'Mazak01');
 * model?.items.get('Stemp')?.category // 'SAMPLE'
 */
export function parseDevicesXml(xml: string, device: string): DeviceModel | undefined {
  for (const m of withoutComments(xml).matchAll(DEVICE)) {
    const attrs = attributes(m[1] ?? '');
    if (attrs.get('name') !== device && attrs.get('id') !== device) continue;
    const body = m[3] ?? '';
    const bySource = new Map<string, DataItemInfo>();
    const byName = new Map<string, DataItemInfo>();
    const byId = new Map<string, DataItemInfo>();
    for (const d of body.matchAll(DATA_ITEM)) {
      const a = attributes(d[1] ?? '');
      const id = a.get('id');
      const category = a.get('category')?.toUpperCase();
      if (!id || !category) continue;
      const info: DataItemInfo = { id, name: a.get('name'), category, type: a.get('type') };
      const source = decodeEntities(SOURCE.exec(d[3] ?? '')?.[1] ?? '').trim();
      if (source && !bySource.has(source)) bySource.set(source, info);
      if (info.name && !byName.has(info.name)) byName.set(info.name, info);
      if (!byId.has(id)) byId.set(id, info);
    }
    // Later entries overwrite earlier ones: ids first, then names, then sources win.
    const items = new Map<string, DataItemInfo>([...byId, ...byName, ...bySource]);
    return { device, items };
  }
  return undefined;
}

function withoutComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '');
}

function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(ATTRIBUTE)) out.set(m[1]!, decodeEntities(m[2] ?? m[3] ?? ''));
  return out;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? '';
  });
}
