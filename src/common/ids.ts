const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every aggregate id is a uuid, in any case; stored lower-case. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
