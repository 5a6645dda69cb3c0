// The `tzdata` package (IANA database as JSON) ships no types; only its zone names are read.
declare module "tzdata" {
  const data: { version: string; zones: Record<string, unknown> };
  export default data;
}
