// MIME Sniffing Standard §4.4 "parse a MIME type" and §4.5 "serialize a MIME type".

export interface MimeType {
  type: string;
  subtype: string;
  parameters: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QUOTED_STRING_TOKEN = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

export function parseMimeType(input: string): MimeType | null {
  const s = input.replace(HTTP_WS, '');
  let pos: number;
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const type = s.slice(0, slash);
  if (type === '' || !TOKEN.test(type)) return null;
  pos = slash + 1;
  let semi = s.indexOf(';', pos);
  if (semi < 0) semi = s.length;
  const subtype = s.slice(pos, semi).replace(/[\t\n\r ]+$/, '');
  if (subtype === '' || !TOKEN.test(subtype)) return null;
  const mime: MimeType = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters: new Map() };
  pos = semi;
  while (pos < s.length) {
    pos++; // skip ';'
    while (pos < s.length && /[\t\n\r ]/.test(s[pos]!)) pos++;
    let nameEnd = pos;
    while (nameEnd < s.length && s[nameEnd] !== ';' && s[nameEnd] !== '=') nameEnd++;
    const name = s.slice(pos, nameEnd).toLowerCase();
    pos = nameEnd;
    if (pos < s.length) {
      if (s[pos] === ';') continue;
      pos++; // skip '='
    }
    if (pos >= s.length) break;
    let value: string;
    if (s[pos] === '"') {
      // collect an HTTP quoted string, extract-value
      pos++;
      value = '';
      for (;;) {
        while (pos < s.length && s[pos] !== '"' && s[pos] !== '\\') value += s[pos++];
        if (pos >= s.length) break;
        const q = s[pos++];
        if (q === '\\') {
          if (pos >= s.length) { value += '\\'; break; }
          value += s[pos++];
        } else {
          break;
        }
      }
      while (pos < s.length && s[pos] !== ';') pos++;
    } else {
      let end = s.indexOf(';', pos);
      if (end < 0) end = s.length;
      value = s.slice(pos, end).replace(/[\t\n\r ]+$/, '');
      pos = end;
      if (value === '') continue;
    }
    if (name !== '' && TOKEN.test(name) && QUOTED_STRING_TOKEN.test(value) && !mime.parameters.has(name)) {
      mime.parameters.set(name, value);
    }
  }
  return mime;
}

export function serializeMimeType(m: MimeType): string {
  let out = `${m.type}/${m.subtype}`;
  for (const [name, value] of m.parameters) {
    out += `;${name}=`;
    if (value === '' || !TOKEN.test(value)) out += `"${value.replace(/(["\\])/g, '\\$1')}"`;
    else out += value;
  }
  return out;
}

export function mimeEssence(contentType: string | null): string | null {
  if (contentType === null) return null;
  const m = parseMimeType(contentType);
  return m === null ? null : `${m.type}/${m.subtype}`;
}
