// Secret `data` is base64 on the wire; builders produce it encoded so a built object compares equal to
// what the API server returns (no write-only `stringData`).

/** Encodes string values into Secret `data`, keys sorted for deterministic output. */
export function encodeSecretData(values: Readonly<Record<string, string>>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of Object.keys(values).sort())
    data[key] = Buffer.from(values[key] ?? '', 'utf8').toString('base64');
  return data;
}

/** Decodes a Secret's base64 `data` (as the API returns it) into strings. */
export function decodeSecretData(data: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {}))
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  return decoded;
}
